"""Locust users built from the load plan: one user per operation, at a constant rate.

Only ``load/locustfile.py`` imports this module (Locust patches the interpreter with gevent).
The plan arrives as JSON through the environment, written by ``bmscert run``; the token
arrives in the variable the profile names. Every reply is tallied by operation, second and
outcome, and the tally is written as events when the test stops.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from locust import FastHttpUser, constant_throughput, events, task

from bmscert.core.events import EventRecorder
from bmscert.runners.load_plan import EVENTS_ENV, PLAN_ENV, LoadTally, PlannedLoad

_TALLY = LoadTally(started=time.time())


def _read_plan() -> tuple[list[PlannedLoad], str]:
    path = os.environ.get(PLAN_ENV)
    if not path:
        raise SystemExit(f"bmscert: {PLAN_ENV} is not set; run the load phase with `bmscert run`")
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    token = os.environ.get(data["token_env"], "")
    if not token:
        raise SystemExit(f"bmscert: environment variable {data['token_env']} is not set")
    return [PlannedLoad(**entry) for entry in data["operations"]], token


def _user_class(planned: PlannedLoad, token: str) -> type[FastHttpUser]:
    class OperationUser(FastHttpUser):
        host = planned.base_url
        fixed_count = 1
        wait_time = constant_throughput(planned.rate_per_second)

        @task
        def call(self) -> None:
            started = time.time()
            with self.client.request(
                planned.method,
                planned.path,
                name=planned.operation_id,
                headers={"X-Auth-Token": token, "Accept": "application/json"},
                catch_response=True,
            ) as reply:
                elapsed_ms = (time.time() - started) * 1000
                _TALLY.add(planned.operation_id, reply.status_code, elapsed_ms, started)
                if reply.status_code == 429:
                    reply.failure("throttled (429)")
                elif not 200 <= reply.status_code < 300:
                    reply.failure(f"HTTP {reply.status_code}")

    OperationUser.__name__ = f"{planned.operation_id}User"
    OperationUser.__qualname__ = OperationUser.__name__
    return OperationUser


def define_users() -> dict[str, type[FastHttpUser]]:
    """The user classes for the locustfile's namespace, one per planned operation."""
    plan, token = _read_plan()
    return {f"{p.operation_id}User": _user_class(p, token) for p in plan}


@events.test_start.add_listener
def _reset_clock(**_: object) -> None:
    _TALLY.started = time.time()


@events.quitting.add_listener
def _write_tally(**_: object) -> None:
    path = os.environ.get(EVENTS_ENV)
    if not path:
        return
    recorder = EventRecorder(Path(path))
    for event in _TALLY.events():
        kind = event.pop("kind")
        recorder.emit(kind, **event)
    recorder.close()
