"""Job latency under load: how long accepted asynchronous calls take, end to end.

Each sample is one job: the instant its request was sent, the instant a poll first saw it
SUCCESS or FAIL, the server's own ``begin_time``/``end_time``, the states seen in order, and
whether polling gave up. From raw samples this module gives, per operation, exact
percentiles (nearest rank) of the end-to-end latency and of the server-side duration, the
counts of failures, timeouts and jobs whose state went backwards, and the verdicts.

It also holds the polling policy the load generator follows, so it can be tested here:
back off while a job's end is far or unknown, poll tightly around the end expected from the
jobs of the same kind seen so far.
"""

from __future__ import annotations

import csv
import itertools
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bmscert.checks.results import CheckResult
from bmscert.checks.samples import percentiles

JOB_COLUMNS = (
    "member",
    "operation",
    "job_id",
    "sent",
    "replied",
    "http_status",
    "terminal_seen",
    "job_status",
    "polls",
    "states",
    "server_seconds",
    "timed_out",
    "detail",
)
_RANK = {"INIT": 0, "RUNNING": 1, "SUCCESS": 2, "FAIL": 2}
POLL_FLOOR = 0.025
POLL_CEILING = 2.0
POLL_FIRST = 0.1
EXPECTED_SHARE = 0.9


def job_time(text: str) -> float | None:
    """Epoch seconds of a job timestamp (``2019-04-25T20:04:47.591Z``), None if empty."""
    if not text:
        return None
    try:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC).timestamp()


def regressed(states: list[str]) -> bool:
    """Whether a job's states, in the order seen, ever went backwards."""
    ranks = [_RANK.get(state, -1) for state in states]
    return any(later < earlier for earlier, later in itertools.pairwise(ranks))


class PollPolicy:
    """When to read a job next, learning each kind's duration from the jobs already seen."""

    def __init__(self) -> None:
        self._durations: dict[str, list[float]] = defaultdict(list)

    def learn(self, operation: str, server_seconds: float | None) -> None:
        if server_seconds is not None and server_seconds >= 0:
            self._durations[operation].append(server_seconds)

    def delay(self, operation: str, elapsed: float, polls: int) -> float:
        """Seconds to wait before the next read, ``elapsed`` seconds after acceptance."""
        known = self._durations.get(operation)
        if not known:
            return min(POLL_CEILING, POLL_FIRST * 1.5**polls)
        expected = statistics.median(known)
        wait = EXPECTED_SHARE * expected - elapsed
        return max(POLL_FLOOR, min(POLL_CEILING, wait))


@dataclass
class JobSample:
    member: int
    operation: str
    job_id: str
    sent: float
    replied: float
    http_status: int
    terminal_seen: float | None
    job_status: str
    polls: int
    states: list[str]
    server_seconds: float | None
    timed_out: bool
    detail: str = ""

    def row(self) -> list[Any]:
        return [
            self.member,
            self.operation,
            self.job_id,
            round(self.sent, 4),
            round(self.replied, 4),
            self.http_status,
            "" if self.terminal_seen is None else round(self.terminal_seen, 4),
            self.job_status,
            self.polls,
            ">".join(self.states),
            "" if self.server_seconds is None else round(self.server_seconds, 4),
            int(self.timed_out),
            self.detail,
        ]

    @property
    def latency(self) -> float | None:
        """Seconds from the request sent to the terminal state first seen."""
        return None if self.terminal_seen is None else self.terminal_seen - self.sent


def read_job_samples(folder: Path) -> list[JobSample]:
    samples = []
    for path in sorted(folder.glob("jobs-*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                samples.append(
                    JobSample(
                        member=int(row["member"]),
                        operation=row["operation"],
                        job_id=row["job_id"],
                        sent=float(row["sent"]),
                        replied=float(row["replied"]),
                        http_status=int(row["http_status"]),
                        terminal_seen=float(row["terminal_seen"])
                        if row["terminal_seen"]
                        else None,
                        job_status=row["job_status"],
                        polls=int(row["polls"]),
                        states=row["states"].split(">") if row["states"] else [],
                        server_seconds=float(row["server_seconds"])
                        if row["server_seconds"]
                        else None,
                        timed_out=row["timed_out"] == "1",
                        detail=row["detail"],
                    )
                )
    return samples


@dataclass
class JobLatencyFinding:
    operation: str
    accepted: int = 0
    refused: int = 0
    succeeded: int = 0
    failed: int = 0
    timed_out: int = 0
    regressed: int = 0
    polls: int = 0
    end_to_end: dict[str, float] = field(default_factory=dict)
    server_side: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if k != "latencies"}
        return data


def analyse_jobs(samples: list[JobSample]) -> dict[str, JobLatencyFinding]:
    findings: dict[str, JobLatencyFinding] = {}
    servers: dict[str, list[float]] = defaultdict(list)
    for sample in samples:
        finding = findings.setdefault(sample.operation, JobLatencyFinding(sample.operation))
        if not sample.job_id:
            finding.refused += 1
            continue
        finding.accepted += 1
        finding.polls += sample.polls
        finding.timed_out += sample.timed_out
        finding.regressed += regressed(sample.states)
        finding.succeeded += sample.job_status == "SUCCESS"
        finding.failed += sample.job_status == "FAIL"
        if sample.latency is not None:
            finding.latencies.append(sample.latency)
        if sample.server_seconds is not None:
            servers[sample.operation].append(sample.server_seconds)
    for operation, finding in findings.items():
        finding.end_to_end = _seconds(percentiles([s * 1000 for s in finding.latencies]))
        finding.server_side = _seconds(percentiles([s * 1000 for s in servers[operation]]))
    return findings


def _seconds(figures: dict[str, float]) -> dict[str, float]:
    """Percentiles in seconds (the sample module works in milliseconds)."""
    return {k.replace("_ms", "_s"): (v / 1000 if k != "count" else v) for k, v in figures.items()}


def job_verdicts(finding: JobLatencyFinding, p95_bound: float | None) -> list[CheckResult]:
    operation = finding.operation

    def result(check: str, passed: bool, expected: str, received: str, warn=False):
        outcome = "passed" if passed else ("warning" if warn else "failed")
        return CheckResult(check, operation, outcome, expected, received)

    results = [
        result(
            "jobs_finish_under_load",
            finding.timed_out == 0,
            "every accepted job reaches SUCCESS or FAIL within the job timeout",
            f"{finding.timed_out} of {finding.accepted} jobs never ended",
        ),
        result(
            "job_states_never_go_backwards",
            finding.regressed == 0,
            "INIT, RUNNING, then SUCCESS or FAIL, and no step back",
            f"{finding.regressed} jobs went back",
        ),
        result(
            "jobs_succeed_under_load",
            finding.failed == 0,
            "every job SUCCESS",
            f"{finding.failed} of {finding.accepted} jobs FAIL",
            warn=True,
        ),
        result(
            "job_calls_are_accepted",
            finding.refused == 0 and finding.accepted > 0,
            "every call of the cycle accepted with a job id",
            f"{finding.refused} refused, {finding.accepted} accepted",
            warn=True,
        ),
    ]
    p95 = finding.end_to_end.get("p95_s")
    if p95_bound is not None and p95 is not None:
        results.append(
            result(
                "job_latency_within_bound",
                p95 <= p95_bound,
                f"p95 end-to-end latency at most {p95_bound:g} s",
                f"p95 {p95:.3f} s",
            )
        )
    return results
