"""The open-model arrival generator, as a Locust user.

Only ``load/locustfile.py`` imports this module (Locust patches the interpreter with gevent).
Each load process runs exactly one generating user. It reads the plan, waits for the plan's
common start instant, and runs one greenlet per stream that sleeps until each arrival's
instant and fires it in a greenlet of its own, so a slow or throttling target never delays
the next arrival. An arrival fired later than the plan's tolerance, or while the stream has
too many calls in flight, is recorded as dropped: the generator's shortfall, never the
target's.

Every arrival becomes one sample row (send instant, operation, sequence, step, status,
latency, outcome, detail); each process writes its rows to its own CSV when it quits. A few
429 replies per stream have their envelope checked, and a few successes per step their body,
with validators compiled once; everything else is only classified.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import time
from pathlib import Path

import gevent
import jsonschema_rs
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import WorkerRunner

from bmscert.checks.job_latency import JOB_COLUMNS
from bmscert.checks.samples import SAMPLE_COLUMNS, classify
from bmscert.core.schemas import load_schemas
from bmscert.runners.load_credentials import load_credentials_from_env
from bmscert.runners.locust_jobs import JobCycleRunner
from bmscert.runners.schedule import (
    PLAN_ENV,
    SAMPLES_DIR_ENV,
    LoadPlan,
    Stream,
    arrivals,
    fill,
    is_template,
)

THROTTLE_REPLIES_CHECKED = 5
SUCCESSES_CHECKED_PER_STEP = 3

_SAMPLES: list[tuple] = []
_JOB_SAMPLES: list[list] = []
_GENERATORS_STARTED: list[int] = []


def _plan() -> LoadPlan:
    path = os.environ.get(PLAN_ENV)
    if not path:
        raise SystemExit(f"bmscert: {PLAN_ENV} is not set; start load with `bmscert run`")
    return LoadPlan.from_json(Path(path).read_text(encoding="utf-8"))


PLAN = _plan()
CREDENTIALS = load_credentials_from_env()


def _compiled(relative: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(load_schemas().inlined(relative))


_ENVELOPE = _compiled("errors/gateway.json")


class _StreamState:
    """What one stream's generator keeps between arrivals."""

    def __init__(self, stream: Stream):
        self.stream = stream
        self.in_flight = 0
        self.throttles_checked = 0
        self.successes_checked: dict[str, int] = {}
        self.validator = _compiled(stream.response_schema) if stream.response_schema else None
        self.body_text = json.dumps(stream.body) if stream.body is not None else None
        self.templated = self.body_text is not None and is_template(self.body_text)

    def should_check_success(self, step: str) -> bool:
        seen = self.successes_checked.get(step, 0)
        self.successes_checked[step] = seen + 1
        return self.validator is not None and seen < SUCCESSES_CHECKED_PER_STEP


def _throttle_problem(reply) -> str:
    if not reply.headers.get("X-Request-Id"):
        return "429 without X-Request-Id"
    try:
        body = json.loads(reply.content or b"null")
    except ValueError:
        return "429 body is not JSON"
    if not _ENVELOPE.is_valid(body):
        return "429 body is not the gateway envelope"
    if body.get("error_code") != "APIGW.0308":
        return f"429 with error_code {body.get('error_code')!r}, not APIGW.0308"
    return ""


def _success_problem(state: _StreamState, reply) -> str:
    try:
        body = json.loads(reply.content or b"null")
    except ValueError:
        return "success body is not JSON"
    error = next(iter(state.validator.iter_errors(body)), None)
    return f"success body breaks its schema: {error.message}" if error else ""


def _json_or_none(reply):
    try:
        return json.loads(reply.content or b"null")
    except ValueError:
        return None


class OpenModelUser(FastHttpUser):
    """One per load process; it generates every stream's share of arrivals."""

    fixed_count = PLAN.workers
    wait_time = constant(3600)
    host = PLAN.streams[0].base_url if PLAN.streams else PLAN.jobs.base_url
    concurrency = PLAN.max_in_flight

    @task
    def generate(self) -> None:
        if _GENERATORS_STARTED:
            gevent.sleep(PLAN.duration + 60)
            return
        _GENERATORS_STARTED.append(os.getpid())
        runner = self.environment.runner
        index = runner.worker_index if isinstance(runner, WorkerRunner) else 0
        gevent.sleep(max(0.0, PLAN.start_epoch - time.time()))
        self._states = [_StreamState(stream) for stream in PLAN.streams]
        greenlets = [gevent.spawn(self._drive, state, index) for state in self._states]
        if PLAN.jobs is not None:
            runner = JobCycleRunner(self.client, PLAN, CREDENTIALS, index, _JOB_SAMPLES)
            greenlets.append(gevent.spawn(runner.run))
        gevent.joinall(greenlets)
        while any(state.in_flight for state in self._states):
            gevent.sleep(0.05)
        raise StopUser()

    def _drive(self, state: _StreamState, worker_index: int) -> None:
        stream = state.stream
        for sequence, offset, step in arrivals(stream, worker_index, PLAN.workers):
            due = PLAN.start_epoch + offset
            delay = due - time.time()
            if delay > 0:
                gevent.sleep(delay)
            late = time.time() - due
            if late > PLAN.lateness_tolerance or state.in_flight >= PLAN.max_in_flight:
                reason = f"late by {late:.3f} s" if late > PLAN.lateness_tolerance else "in flight"
                _SAMPLES.append(
                    (offset, stream.operation_id, sequence, step, 0, 0.0, "dropped", reason)
                )
                continue
            state.in_flight += 1
            gevent.spawn(self._fire, state, sequence, offset, step)

    def _fire(self, state: _StreamState, sequence: int, offset: float, step: str) -> None:
        stream = state.stream
        body = state.body_text
        if state.templated:
            body = fill(body, sequence, secret=secrets.token_urlsafe(12))
        request = CREDENTIALS.prepare(
            stream.method, stream.base_url + stream.path, body, stream.headers
        )
        CREDENTIALS.before_create(stream.operation_id, body)
        started = time.perf_counter()
        try:
            with self.client.request(
                stream.method,
                request.url,
                name=stream.operation_id,
                data=request.body or None,
                headers=request.headers,
                catch_response=True,
            ) as reply:
                elapsed_ms = (time.perf_counter() - started) * 1000
                CREDENTIALS.after_create(
                    stream.operation_id, body, reply.status_code, _json_or_none(reply)
                )
                outcome = classify(reply.status_code)
                detail = self._judge(state, reply, outcome, step)
                if reply.status_code == 429:
                    reply.failure("throttled (429)")
                elif outcome != "accepted":
                    reply.failure(f"HTTP {reply.status_code}")
                _SAMPLES.append(
                    (
                        offset,
                        stream.operation_id,
                        sequence,
                        step,
                        reply.status_code,
                        round(elapsed_ms, 3),
                        outcome,
                        detail,
                    )
                )
        finally:
            state.in_flight -= 1

    def _judge(self, state: _StreamState, reply, outcome: str, step: str) -> str:
        if outcome == "throttled" and state.throttles_checked < THROTTLE_REPLIES_CHECKED:
            state.throttles_checked += 1
            return _throttle_problem(reply)
        if outcome == "accepted" and state.should_check_success(step):
            return _success_problem(state, reply)
        return ""


@events.quitting.add_listener
def _write_samples(environment, **_: object) -> None:
    folder = os.environ.get(SAMPLES_DIR_ENV)
    if not folder:
        return
    runner = environment.runner
    index = runner.worker_index if isinstance(runner, WorkerRunner) else 0
    for prefix, columns, rows in (
        ("samples", SAMPLE_COLUMNS, _SAMPLES),
        ("jobs", JOB_COLUMNS, _JOB_SAMPLES),
    ):
        if not rows:
            continue
        path = Path(folder) / f"{prefix}-{index}-{os.getpid()}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(rows)
