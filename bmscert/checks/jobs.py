"""Polling an asynchronous BMS job to its end, and judging the path it took.

Seven BMS operations answer with a job id. One poller reads the job (``ShowJobInfos``) until
it is SUCCESS or FAIL, then once more, because a job that is seen finished and then running
again is the kind of fault a single read never catches. The checks judge the whole trace:

- the job ends (a timeout is a failure that names the last state seen);
- its states never go backwards (INIT, then RUNNING, then SUCCESS or FAIL, and it stays
  there);
- ``end_time`` is empty while the job runs, set once it ends, and never before ``begin_time``;
- its entities name exactly the servers the call acted on, and count its sub-jobs right;
- the error fields are set on failure only.

Every result is attributed to the operation that started the job, so a report says which
operation's job misbehaved, not just that some job read did.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bmscert.checks.results import CheckResult, Outcome
from bmscert.core.client import Exchange

TERMINAL = frozenset({"SUCCESS", "FAIL"})
_RANK = {"INIT": 0, "RUNNING": 1, "SUCCESS": 2, "FAIL": 2}


@dataclass
class JobTrace:
    """Every read of one job, in order, and how the polling ended."""

    operation: str
    job_id: str
    reads: list[Exchange] = field(default_factory=list)
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [read.json if isinstance(read.json, dict) else {} for read in self.reads]

    @property
    def statuses(self) -> list[str]:
        return [str(body.get("status")) for body in self.bodies]

    @property
    def last(self) -> dict[str, Any]:
        return self.bodies[-1] if self.reads else {}

    @property
    def status(self) -> str | None:
        return self.statuses[-1] if self.reads else None

    @property
    def finished_at(self) -> int | None:
        """Index of the first read that showed SUCCESS or FAIL, if any did."""
        return next((i for i, status in enumerate(self.statuses) if status in TERMINAL), None)

    @property
    def final(self) -> dict[str, Any]:
        """The first finished read (what the job ended as), or the last read if none was."""
        index = self.finished_at
        return self.bodies[index] if index is not None else self.last


def poll_job(
    read: Callable[[], Exchange],
    operation: str,
    job_id: str,
    *,
    poll_seconds: float,
    timeout_seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> JobTrace:
    """Read until the job is finished and then once more, or until the timeout passes.

    The read after the first finished one is what shows a job going back to RUNNING. A read
    that is not a 200 ends the polling: the caller's verifier has already judged it.
    """
    trace = JobTrace(operation, job_id)
    started = clock()
    while True:
        finished_before = trace.finished_at is not None
        exchange = read()
        trace.reads.append(exchange)
        if exchange.status != 200 or finished_before:
            break
        if trace.status in TERMINAL:
            continue
        if clock() - started >= timeout_seconds:
            trace.timed_out = True
            break
        sleep(poll_seconds)
    trace.seconds = clock() - started
    return trace


def _result(
    trace: JobTrace,
    check: str,
    outcome: Outcome,
    expected: str,
    received: str = "",
    exchange: Exchange | None = None,
) -> CheckResult:
    exchange = exchange or (trace.reads[-1] if trace.reads else None)
    return CheckResult(
        check=check,
        operation=trace.operation,
        outcome=outcome,
        expected=expected,
        received=received,
        request_id=exchange.request_id if exchange else "",
        curl=exchange.curl() if exchange and outcome != "passed" else "",
    )


def _path(statuses: list[str]) -> str:
    return " -> ".join(statuses)


def job_reaches_terminal_state(trace: JobTrace, timeout_seconds: float) -> CheckResult:
    """The job ends in SUCCESS or FAIL within the profile's timeout."""
    expected = f"job {trace.job_id} SUCCESS or FAIL within {timeout_seconds:g} s"
    if trace.finished_at is not None:
        return _result(trace, "job_reaches_terminal_state", "passed", expected)
    last = trace.status or "(never read)"
    why = "timed out" if trace.timed_out else "polling stopped"
    received = f"{why} after {trace.seconds:.1f} s; last state {last}"
    return _result(trace, "job_reaches_terminal_state", "failed", expected, received)


def job_states_never_go_backwards(trace: JobTrace) -> CheckResult:
    """INIT, RUNNING, then SUCCESS or FAIL: no state comes back once left, none is unknown."""
    expected = "states in the order INIT, RUNNING, SUCCESS|FAIL, never going back"
    seen: list[str] = []
    for index, status in enumerate(trace.statuses):
        rank = _RANK.get(status)
        went_back = bool(seen) and (
            rank is None
            or rank < _RANK.get(seen[-1], 0)
            or (seen[-1] in TERMINAL and status != seen[-1])
        )
        seen.append(status)
        if went_back:
            received = f"job {trace.job_id} went {_path(seen)}"
            exchange = trace.reads[index]
            return _result(
                trace, "job_states_never_go_backwards", "failed", expected, received, exchange
            )
    return _result(trace, "job_states_never_go_backwards", "passed", expected, _path(seen))


def _moment(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _time_problem(record: dict[str, Any], label: str) -> str | None:
    """What is wrong with one job or sub-job's times, or None."""
    status = record.get("status")
    begin, end = record.get("begin_time"), record.get("end_time")
    if _moment(begin) is None:
        return f"{label} begin_time {begin!r} is not a time"
    if status not in TERMINAL:
        return None if end in ("", None) else f"{label} is {status} but has end_time {end!r}"
    if _moment(end) is None:
        return f"{label} is {status} but end_time is {end!r}"
    if _moment(end) < _moment(begin):
        return f"{label} end_time {end} is before begin_time {begin}"
    return None


def job_times_are_consistent(trace: JobTrace) -> CheckResult:
    """``end_time`` empty while running, set when finished, never before ``begin_time``."""
    expected = "end_time empty until the job ends, then a time no earlier than begin_time"
    for exchange, body in zip(trace.reads, trace.bodies, strict=True):
        records = [(body, "job")]
        sub_jobs = body.get("entities", {}).get("sub_jobs") or []
        records += [(sub, f"sub-job {sub.get('job_id')}") for sub in sub_jobs]
        for record, label in records:
            problem = _time_problem(record, label)
            if problem:
                return _result(
                    trace, "job_times_are_consistent", "failed", expected, problem, exchange
                )
    return _result(trace, "job_times_are_consistent", "passed", expected)


def servers_named_by(body: dict[str, Any]) -> set[str]:
    """The server ids a job's entities name, at the top and in its sub-jobs."""
    entities = body.get("entities") or {}
    named = {entities["server_id"]} if entities.get("server_id") else set()
    for sub_job in entities.get("sub_jobs") or []:
        server_id = (sub_job.get("entities") or {}).get("server_id")
        if server_id:
            named.add(server_id)
    return named


def job_names_the_servers(trace: JobTrace, servers: Collection[str]) -> CheckResult:
    """The entities name exactly the servers acted on, and count the sub-jobs they list."""
    expected = f"entities naming {sorted(servers)} with sub_jobs_total = len(sub_jobs)"
    body = trace.final
    entities = body.get("entities") or {}
    named = servers_named_by(body)
    sub_jobs = entities.get("sub_jobs") or []
    problems = []
    if named != set(servers):
        problems.append(f"entities name {sorted(named)}")
    if entities.get("sub_jobs_total", len(sub_jobs)) != len(sub_jobs):
        problems.append(f"sub_jobs_total {entities.get('sub_jobs_total')} for {len(sub_jobs)}")
    outcome: Outcome = "failed" if problems else "passed"
    return _result(trace, "job_names_the_servers", outcome, expected, "; ".join(problems))


def _error_fields_problem(record: dict[str, Any], label: str) -> str | None:
    status = record.get("status")
    fields = {name: record.get(name) for name in ("error_code", "fail_reason")}
    if status == "SUCCESS" and any(fields.values()):
        return f"{label} succeeded but carries {fields}"
    if status == "FAIL" and not all(fields.values()):
        return f"{label} failed but carries {fields}"
    return None


def job_error_fields_match_outcome(trace: JobTrace) -> CheckResult:
    """``error_code`` and ``fail_reason`` are set when the job failed, and only then."""
    expected = "error_code and fail_reason null on SUCCESS, both set on FAIL"
    body = trace.final
    records = [(body, "job")]
    records += [
        (sub, f"sub-job {sub.get('job_id')}")
        for sub in (body.get("entities", {}).get("sub_jobs") or [])
    ]
    for record, label in records:
        problem = _error_fields_problem(record, label)
        if problem:
            return _result(trace, "job_error_fields_match_outcome", "failed", expected, problem)
    return _result(trace, "job_error_fields_match_outcome", "passed", expected)


def job_succeeded(trace: JobTrace) -> CheckResult:
    """A job the documents promise to succeed (valid request, server in the right state) did."""
    expected = f"job {trace.job_id} SUCCESS"
    body = trace.final
    if body.get("status") == "SUCCESS":
        return _result(trace, "job_succeeded", "passed", expected)
    received = f"{body.get('status')}: {body.get('error_code')} {body.get('fail_reason')}"
    return _result(trace, "job_succeeded", "failed", expected, received)


def judge_trace(
    trace: JobTrace, servers: Collection[str], timeout_seconds: float, *, must_succeed: bool
) -> list[CheckResult]:
    """The checks that apply to a finished (or abandoned) trace, in a useful order."""
    results = [job_reaches_terminal_state(trace, timeout_seconds)]
    results += [job_states_never_go_backwards(trace), job_times_are_consistent(trace)]
    if trace.finished_at is not None:
        results += [job_names_the_servers(trace, servers), job_error_fields_match_outcome(trace)]
        if must_succeed:
            results.append(job_succeeded(trace))
    return results
