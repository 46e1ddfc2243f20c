"""The conformance and load phases of a run, each in its own bounded process.

pytest runs the conformance suites with bmscert's plugin; Locust runs the load plan. Each
phase returns a ``PhaseResult``; what the target did is in the event files, never inferred
from an exit code alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

from bmscert.checks.load import (
    LoadTotals,
    load_was_offered,
    no_failures_under_load,
    no_throttling_below_ceiling,
)
from bmscert.core.catalogue import Catalogue
from bmscert.core.events import EventRecorder, read_events
from bmscert.core.profile import Profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.paths import conformance_dir, load_dir
from bmscert.runners.load_plan import EVENTS_ENV, PLAN_ENV, PlannedLoad, plan_load

_PYTEST_NO_TESTS = 5
_LOCUST_GRACE_SECONDS = 120


def _tail(path: Path) -> str:
    if not path.is_file():
        return ""
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


def _bounded(command: list[str], env: dict[str, str], log: Path, cwd: Path, timeout: float):
    """Run ``command`` with its output in ``log``; None if it outlived ``timeout``."""
    with log.open("w", encoding="utf-8") as handle:
        try:
            return subprocess.run(
                command,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return None


def run_conformance(
    profile: Profile, files: RunFiles, env: dict[str, str], operations: list[str]
) -> PhaseResult:
    suite = conformance_dir()
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(suite),
        "-c",
        str(suite / "pytest.ini"),
        "--rootdir",
        str(suite),
        "--bmscert-profile",
        str(files.profile),
        "--bmscert-events",
        str(files.conformance_events),
        "--junitxml",
        str(files.junit),
        "--alluredir",
        str(files.allure),
        "-q",
        "--tb=short",
    ]
    if operations:
        command += ["--bmscert-operations", ",".join(operations)]

    print("conformance: running the suites ...", flush=True)
    started = time.monotonic()
    limit = profile.conformance_minutes * 60
    completed = _bounded(command, env, files.conformance_log, files.path, limit)
    seconds = time.monotonic() - started

    if completed is None:
        note = (
            f"timed out after {profile.conformance_minutes:g} min (timeouts.conformance_minutes)"
        )
        return PhaseResult("conformance", "error", seconds, note)
    code = completed.returncode
    if code in (0, 1):
        return PhaseResult("conformance", "completed", seconds, f"pytest exit code {code}")
    if code == _PYTEST_NO_TESTS:
        selection = f" {', '.join(operations)}" if operations else ""
        return PhaseResult("conformance", "error", seconds, f"no conformance test for{selection}")
    note = f"pytest exit code {code}: {_tail(files.conformance_log)}"
    return PhaseResult("conformance", "error", seconds, note)


def run_load(
    profile: Profile,
    catalogue: Catalogue,
    files: RunFiles,
    env: dict[str, str],
    operations: list[str],
    recorder: EventRecorder,
) -> PhaseResult:
    plan = plan_load(profile, catalogue, operations)
    if not plan:
        return PhaseResult("load", "skipped", 0.0, "no selected operation can be loaded")
    plan_document = {"token_env": profile.token_env, "operations": [asdict(p) for p in plan]}
    files.load_plan.write_text(json.dumps(plan_document, indent=1), encoding="utf-8")

    quiet = profile.window_seconds + 1
    print(f"load: waiting {quiet} s for a fresh rate window ...", flush=True)
    time.sleep(quiet)

    run_seconds = profile.load_windows * profile.window_seconds
    print(
        f"load: {len(plan)} operations for {run_seconds} s at "
        f"{profile.load_fraction:.0%} of their ceilings ...",
        flush=True,
    )
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(load_dir() / "locustfile.py"),
        "--headless",
        "--users",
        str(len(plan)),
        "--spawn-rate",
        str(len(plan)),
        "--run-time",
        f"{run_seconds}s",
        "--stop-timeout",
        "5",
        "--csv",
        str(files.path / "locust"),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
    load_env = {**env, PLAN_ENV: str(files.load_plan), EVENTS_ENV: str(files.load_events)}
    started = time.monotonic()
    timeout = run_seconds + _LOCUST_GRACE_SECONDS
    completed = _bounded(command, load_env, files.load_log, files.path, timeout)
    seconds = time.monotonic() - started

    if completed is None:
        return PhaseResult("load", "error", seconds, "Locust did not stop in time")
    if completed.returncode != 0:
        note = f"Locust exit code {completed.returncode}: {_tail(files.load_log)}"
        return PhaseResult("load", "error", seconds, note)
    judge_load(profile, plan, files, recorder, run_seconds)
    return PhaseResult("load", "completed", seconds, f"{len(plan)} operations")


def judge_load(
    profile: Profile,
    plan: list[PlannedLoad],
    files: RunFiles,
    recorder: EventRecorder,
    run_seconds: float,
) -> None:
    """Turn the load samples into check events, one set per planned operation."""
    totals = {planned.operation_id: LoadTotals(planned.operation_id) for planned in plan}
    for event in read_events(files.load_events):
        entry = totals.get(event.get("operation", "")) if event["kind"] == "load_sample" else None
        if entry is not None:
            entry.accepted += event["accepted"]
            entry.throttled += event["throttled"]
            entry.failed += event["failed"]

    for planned in plan:
        entry = totals[planned.operation_id]
        results = [
            no_throttling_below_ceiling(entry, profile.load_fraction),
            no_failures_under_load(entry),
            load_was_offered(entry, planned.rate_per_second * run_seconds),
        ]
        for result in filter(None, results):
            recorder.emit("check", test="load", phase="load", **result.as_event())
