"""The files of one run under ``reports/<run-id>/``, and the record of each phase.

Every writer and reader of a run's files takes the names from here, so the layout is
described once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bmscert.core.ledger import LEDGER_NAME


@dataclass(frozen=True)
class RunFiles:
    run_id: str
    path: Path

    @property
    def profile(self) -> Path:
        return self.path / "profile.resolved.json"

    @property
    def conformance_events(self) -> Path:
        return self.path / "events-conformance.jsonl"

    @property
    def load_events(self) -> Path:
        return self.path / "events-load.jsonl"

    @property
    def run_events(self) -> Path:
        return self.path / "events-run.jsonl"

    @property
    def junit(self) -> Path:
        return self.path / "junit.xml"

    @property
    def allure(self) -> Path:
        return self.path / "allure-results"

    @property
    def conformance_log(self) -> Path:
        return self.path / "conformance.log"

    def scenario(self, name: str) -> Path:
        """A load scenario's folder: its plan, Locust's log and CSVs, one sample file per
        load process."""
        return self.path / f"load-{name}"

    @property
    def capacity(self) -> Path:
        """The ceiling findings per operation (data behind the capacity report)."""
        return self.path / "capacity.json"

    @property
    def job_latency(self) -> Path:
        """The job-latency findings per operation."""
        return self.path / "job-latency.json"

    @property
    def capacity_report(self) -> Path:
        return self.path / "capacity.html"

    @property
    def summary(self) -> Path:
        return self.path / "summary.json"

    @property
    def ledger(self) -> Path:
        """What the run created, written before each create returns (``core.ledger``)."""
        return self.path / LEDGER_NAME

    def event_files(self) -> tuple[Path, ...]:
        return (self.conformance_events, self.load_events, self.run_events)


@dataclass(frozen=True)
class PhaseResult:
    """How a phase ended: completed (its checks say the rest), skipped, or error."""

    name: str
    status: str
    seconds: float
    note: str = ""
