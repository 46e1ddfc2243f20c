"""``summary.json``: the machine-readable verdict of a run, built from its event files.

One entry per catalogue operation says whether it passed, failed or did not run, which
checks failed (with expected, received, request id and a redacted curl line) and what
throttling was observed. The document's shape is ``schemas/summary.schema.json``; it is
validated before it is written, so a consumer can rely on it.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bmscert import __version__
from bmscert.core.catalogue import Catalogue
from bmscert.core.events import read_events
from bmscert.core.profile import Profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.core.schemas import load_schemas
from bmscert.errors import ExitCode

MAX_LISTED = 20


@dataclass
class OperationRecord:
    """What the run learned about one operation."""

    checks: Counter = field(default_factory=Counter)
    tests: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    failed_tests_with_checks: set[str] = field(default_factory=set)
    probe: dict[str, Any] | None = None
    load: dict[str, Any] | None = None
    jobs: dict[str, Any] | None = None

    @property
    def verdict(self) -> str:
        if self.checks["failed"] or self.tests["failed"]:
            return "fail"
        if self.checks["passed"] or self.checks["warning"] or self.tests["passed"]:
            return "pass"
        return "not-run"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="seconds")


def _finding(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "check": event["check"],
        "phase": event.get("phase", "conformance"),
        "test": event.get("test", ""),
        "expected": event.get("expected", ""),
        "received": event.get("received", ""),
        "request_id": event.get("request_id", ""),
        "curl": event.get("curl", ""),
    }


def _absorb(records: dict[str, OperationRecord], event: dict[str, Any]) -> None:
    record = records.get(event.get("operation") or "")
    if record is None:
        return
    kind = event["kind"]
    if kind == "check":
        outcome = event["outcome"]
        record.checks[outcome] += 1
        if outcome == "failed":
            record.failed_tests_with_checks.add(event.get("test", ""))
            if len(record.failures) < MAX_LISTED:
                record.failures.append(_finding(event))
        elif outcome == "warning" and len(record.warnings) < MAX_LISTED:
            record.warnings.append(_finding(event))
    elif kind == "test":
        record.tests[event["outcome"]] += 1
        unexplained = event["test"] not in record.failed_tests_with_checks
        if event["outcome"] == "failed" and unexplained and len(record.failures) < MAX_LISTED:
            detail = (event.get("detail") or "").strip().splitlines()
            record.failures.append(
                {
                    "check": "test",
                    "phase": "conformance",
                    "test": event["test"],
                    "expected": "the test to complete",
                    "received": detail[-1] if detail else "",
                    "request_id": "",
                    "curl": "",
                }
            )
    elif kind == "probe":
        record.probe = {k: v for k, v in event.items() if k not in ("kind", "ts", "operation")}


def _operation_entry(operation, record: OperationRecord) -> dict[str, Any]:
    return {
        "family": operation.family,
        "method": operation.method,
        "path": operation.path,
        "ceiling_per_minute": operation.ceiling_per_minute,
        "verdict": record.verdict,
        "checks": {k: record.checks[k] for k in ("passed", "failed", "warning")},
        "tests": {k: record.tests[k] for k in ("passed", "failed", "skipped")},
        "failures": record.failures,
        "warnings": record.warnings,
        "throttling": {"probe": record.probe, "load": record.load},
        "job_latency": record.jobs,
    }


def _generation(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """How the generated suites drew their inputs (seed, example database, budget), so a
    failing run can be replayed with ``bmscert run --seed``; None when they did not run."""
    for event in events:
        if event["kind"] == "generation":
            return {k: v for k, v in event.items() if k not in ("kind", "ts")}
    return None


def _findings(path: Path) -> dict[str, Any]:
    """A load scenario's findings per operation, if it ran."""
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _verdict(
    records: dict[str, OperationRecord],
    phases: list[PhaseResult],
    interrupted: bool,
    error: str,
) -> tuple[str, int]:
    if interrupted:
        return "interrupted", ExitCode.INTERRUPTED
    if error or any(phase.status == "error" for phase in phases):
        return "error", ExitCode.HARNESS
    verdicts = {record.verdict for record in records.values()}
    if "fail" in verdicts:
        return "fail", ExitCode.CHECKS_FAILED
    if "pass" not in verdicts:
        return "error", ExitCode.HARNESS
    return "pass", ExitCode.OK


def build_summary(
    files: RunFiles,
    profile: Profile,
    catalogue: Catalogue,
    phases: list[PhaseResult],
    *,
    started: float,
    interrupted: bool = False,
    error: str = "",
    error_exit_code: int | None = None,
    cleanup: dict[str, Any] | None = None,
) -> dict[str, Any]:
    records = {operation.id: OperationRecord() for operation in catalogue}
    events = list(read_events(*files.event_files()))
    for event in events:
        _absorb(records, event)
    for operation_id, finding in _findings(files.capacity).items():
        if operation_id in records:
            records[operation_id].load = finding
    for operation_id, finding in _findings(files.job_latency).items():
        if operation_id in records:
            records[operation_id].jobs = finding

    verdict, exit_code = _verdict(records, phases, interrupted, error)
    if error and error_exit_code is not None:
        exit_code = error_exit_code
    totals = Counter()
    for record in records.values():
        totals.update({f"checks_{k}": v for k, v in record.checks.items()})
        totals.update({f"tests_{k}": v for k, v in record.tests.items()})
    finished = time.time()
    return {
        "bmscert_version": __version__,
        "run_id": files.run_id,
        "started": _iso(started),
        "finished": _iso(finished),
        "duration_seconds": round(finished - started, 1),
        "verdict": verdict,
        "exit_code": int(exit_code),
        "error": error,
        "profile": {
            "name": profile.name,
            "source": profile.source,
            "target": profile.kind,
            "endpoints": profile.endpoints,
            "dialect": profile.dialect,
            "strict": profile.strict,
            "window_seconds": profile.window_seconds,
            "safety_allow": list(profile.safety_allow),
            "faults": list(profile.faults),
            "auth_method": profile.auth.method,
        },
        "behaviours": profile.behaviours,
        "generation": _generation(events),
        "phases": [asdict(phase) for phase in phases],
        "cleanup": cleanup,
        "totals": {
            key: totals[key]
            for key in (
                "checks_passed",
                "checks_failed",
                "checks_warning",
                "tests_passed",
                "tests_failed",
                "tests_skipped",
            )
        },
        "operations": {
            operation.id: _operation_entry(operation, records[operation.id])
            for operation in catalogue
        },
    }


def write_summary(files: RunFiles, summary: dict[str, Any]) -> None:
    """Validate against ``schemas/summary.schema.json`` and write ``summary.json``."""
    problems = load_schemas().problems("summary.schema.json", summary)
    if problems:
        raise AssertionError(f"summary.json breaks its own schema: {problems[0]}")
    files.summary.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
