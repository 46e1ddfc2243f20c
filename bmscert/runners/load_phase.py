"""The load phase: Locust runs an open-model plan, then the samples become verdicts.

Locust runs as one process, or as a master with workers on loopback (each worker generates
its share of every stream; the plan splits arrivals by sequence number). Every process
writes its raw samples; the analysis reads them all, so one process and many give the same
verdicts for the same plan.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bmscert.checks.ceiling import CeilingFinding, action_counters, analyse_operation, verdicts
from bmscert.checks.results import CheckResult
from bmscert.checks.samples import read_samples
from bmscert.core.catalogue import Catalogue
from bmscert.core.events import EventRecorder
from bmscert.core.profile import Profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.paths import load_dir
from bmscert.runners.phases import bounded, tail
from bmscert.runners.scenarios import ceiling_plan
from bmscert.runners.schedule import PLAN_ENV, SAMPLES_DIR_ENV, LoadPlan

STARTUP_SECONDS = 6.0
GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class LoadOptions:
    """How to generate: how many worker processes, how long each step lasts."""

    workers: int = 1
    windows_per_step: float = 1.5
    fractions: tuple[float, ...] | None = None
    tolerance: float = 0.05


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _locust(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(load_dir() / "locustfile.py"), *arguments]


def _common(plan: LoadPlan, files: RunFiles, run_seconds: int) -> list[str]:
    return [
        "--headless",
        "--users",
        str(plan.workers),
        "--spawn-rate",
        str(plan.workers),
        "--run-time",
        f"{run_seconds}s",
        "--stop-timeout",
        "3",
        "--csv",
        str(files.path / "locust"),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]


def _run_locust(plan: LoadPlan, files: RunFiles, env: dict[str, str]) -> str | None:
    """Run Locust for the plan; None when it ended well, else what went wrong."""
    run_seconds = math.ceil(STARTUP_SECONDS + plan.duration + 3)
    timeout = run_seconds + GRACE_SECONDS
    if plan.workers == 1:
        done = bounded(
            _locust(*_common(plan, files, run_seconds)), env, files.load_log, files.path, timeout
        )
        return _judge_exit(done, files.load_log)

    port = str(_free_port())
    workers = []
    for index in range(plan.workers):
        log = (files.path / f"load-worker-{index}.log").open("w", encoding="utf-8")
        command = _locust("--worker", "--master-host", "127.0.0.1", "--master-port", port)
        workers.append(
            subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=files.path
            )
        )
    master = _locust(
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        port,
        "--expect-workers",
        str(plan.workers),
        *_common(plan, files, run_seconds),
    )
    try:
        done = bounded(master, env, files.load_log, files.path, timeout)
    finally:
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    return _judge_exit(done, files.load_log)


def _judge_exit(done: subprocess.CompletedProcess | None, log: Path) -> str | None:
    if done is None:
        return "Locust did not stop in time"
    if done.returncode != 0:
        return f"Locust exit code {done.returncode}: {tail(log)}"
    return None


def analyse(plan: LoadPlan, files: RunFiles, tolerance: float) -> dict[str, CeilingFinding]:
    """Findings per operation from every load process's samples."""
    samples = read_samples(files.samples)
    by_operation: dict[str, list] = {}
    for sample in samples:
        by_operation.setdefault(sample.operation, []).append(sample)
    findings = {}
    for stream in plan.streams:
        planned = {segment.step: segment.arrivals for segment in stream.segments}
        findings[stream.operation_id] = analyse_operation(
            stream.operation_id,
            stream.ceiling_per_window or 0,
            plan.window_seconds,
            by_operation.get(stream.operation_id, []),
            list(plan.steps),
            planned,
        )
    return findings


def _record(
    findings: dict[str, CeilingFinding],
    profile: Profile,
    tolerance: float,
    recorder: EventRecorder,
) -> list[CheckResult]:
    results = []
    for finding in findings.values():
        results += verdicts(finding, tolerance)
    if profile.expected_window != "any":
        for finding in findings.values():
            if finding.shape in ("fixed-window", "sliding-window", "token-bucket"):
                results.append(
                    CheckResult(
                        "limiter_shape_matches_profile",
                        finding.operation,
                        "passed" if finding.shape == profile.expected_window else "failed",
                        f"a {profile.expected_window} limiter (throttle.expected_window)",
                        f"{finding.shape} judged from traffic",
                    )
                )
    counters = action_counters(findings, tolerance)
    expected = profile.behaviours.get("action_counters", "separate")
    if counters != "undetermined":
        for operation in (
            "BatchStartBaremetalServers",
            "BatchRebootBaremetalServers",
            "BatchStopBaremetalServers",
        ):
            results.append(
                CheckResult(
                    "action_counters_match_behaviour",
                    operation,
                    "passed" if counters == expected else "failed",
                    f"{expected} counters for start, reboot and stop (behaviour action_counters)",
                    f"{counters} counters judged from traffic",
                )
            )
    for result in results:
        recorder.emit("check", test="load:ceiling", phase="load", **result.as_event())
    return results


def run_ceiling_scenario(
    profile: Profile,
    catalogue: Catalogue,
    files: RunFiles,
    env: dict[str, str],
    operations: list[str],
    recorder: EventRecorder,
    options: LoadOptions = LoadOptions(),
) -> PhaseResult:
    plan = ceiling_plan(
        profile,
        catalogue,
        operations,
        fractions=options.fractions,
        windows_per_step=options.windows_per_step,
        workers=options.workers,
    )
    if not plan.streams:
        return PhaseResult("load", "skipped", 0.0, "no selected operation has a ceiling to load")

    quiet = profile.window_seconds + 1
    print(f"load: waiting {quiet} s for a fresh rate window ...", flush=True)
    time.sleep(quiet)
    plan = replace(plan, start_epoch=time.time() + STARTUP_SECONDS)
    files.load_plan.write_text(plan.to_json(), encoding="utf-8")
    files.samples.mkdir(exist_ok=True)
    print(
        f"load: ceiling scenario, {len(plan.streams)} operations, {len(plan.steps)} steps, "
        f"{plan.duration:.0f} s, {plan.workers} process(es) ...",
        flush=True,
    )

    started = time.monotonic()
    load_env = {**env, PLAN_ENV: str(files.load_plan), SAMPLES_DIR_ENV: str(files.samples)}
    problem = _run_locust(plan, files, load_env)
    seconds = time.monotonic() - started
    if problem is not None:
        return PhaseResult("load", "error", seconds, problem)

    findings = analyse(plan, files, options.tolerance)
    _record(findings, profile, options.tolerance, recorder)
    files.capacity.write_text(
        json.dumps({op: f.as_data() for op, f in findings.items()}, indent=1), encoding="utf-8"
    )
    return PhaseResult("load", "completed", seconds, f"ceiling scenario, {len(findings)} ops")
