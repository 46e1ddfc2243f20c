"""The load phase: open-model scenarios run by Locust, then their samples become verdicts.

Three scenarios, each after a quiet window so it starts with fresh counters:

1. the ceiling scenario: every operation through the staircase of rates (limiter shape,
   enforced ceiling, 429 reply, recovery);
2. the side-effect burst: real creates past the ceiling, then a look for servers that
   throttled calls should not have made;
3. the job-latency cycle: every job type followed to its end at a sustainable rate.

Locust runs as one process, or as a master with workers on loopback (each worker generates
its share of every stream). Every process writes raw samples into the scenario's folder;
the analysis reads them all, so one process and many give the same verdicts.
"""

from __future__ import annotations

import json
import math
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from bmscert.checks.ceiling import (
    CeilingFinding,
    action_counters,
    analyse_operation,
    discover,
    discovery_verdicts,
    verdicts,
)
from bmscert.checks.job_latency import analyse_jobs, job_verdicts, read_job_samples
from bmscert.checks.results import CheckResult
from bmscert.checks.samples import read_samples
from bmscert.core.auth import authorizer_for
from bmscert.core.catalogue import Catalogue
from bmscert.core.client import ApiClient
from bmscert.core.events import EventRecorder
from bmscert.core.profile import Profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.paths import load_dir
from bmscert.runners.phases import bounded, tail
from bmscert.runners.scenarios import (
    burst_prefix,
    ceiling_plan,
    discovery_plan,
    job_plan,
    side_effect_plan,
)
from bmscert.runners.schedule import PLAN_ENV, SAMPLES_DIR_ENV, LoadPlan, Segment

STARTUP_SECONDS = 4.0
GRACE_SECONDS = 60.0
ACTIONS = (
    "BatchStartBaremetalServers",
    "BatchRebootBaremetalServers",
    "BatchStopBaremetalServers",
)


@dataclass(frozen=True)
class LoadOptions:
    """How to generate: how many worker processes, how long each step lasts."""

    workers: int = 1
    windows_per_step: float = 1.5
    fractions: tuple[float, ...] | None = None
    tolerance: float = 0.05
    job_p95_seconds: float | None = None
    scenarios: tuple[str, ...] = ("ceiling", "side-effects", "jobs")
    discovery_max_per_second: float = 64.0


@dataclass
class LoadContext:
    """What every scenario of one load phase shares."""

    profile: Profile
    catalogue: Catalogue
    files: RunFiles
    env: dict[str, str]
    recorder: EventRecorder
    options: LoadOptions

    def record(self, results: list[CheckResult], test: str) -> None:
        for result in results:
            self.recorder.emit("check", test=test, phase="load", **result.as_event())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _locust(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(load_dir() / "locustfile.py"), *arguments]


def _common(plan: LoadPlan, folder: Path, run_seconds: int) -> list[str]:
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
        str(folder / "locust"),
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]


def run_locust(plan: LoadPlan, folder: Path, env: dict[str, str]) -> str | None:
    """Run Locust on ``plan`` in ``folder``; None when it ended well, else what went wrong."""
    folder.mkdir(parents=True, exist_ok=True)
    plan_file = folder / "plan.json"
    plan_file.write_text(plan.to_json(), encoding="utf-8")
    env = {**env, PLAN_ENV: str(plan_file), SAMPLES_DIR_ENV: str(folder)}
    log = folder / "locust.log"
    run_seconds = math.ceil(STARTUP_SECONDS + plan.duration + 3)
    timeout = run_seconds + GRACE_SECONDS
    if plan.workers == 1:
        done = bounded(_locust(*_common(plan, folder, run_seconds)), env, log, folder, timeout)
        return _judge_exit(done, log)

    port = str(_free_port())
    workers = []
    for index in range(plan.workers):
        worker_log = (folder / f"worker-{index}.log").open("w", encoding="utf-8")
        command = _locust("--worker", "--master-host", "127.0.0.1", "--master-port", port)
        workers.append(
            subprocess.Popen(
                command, env=env, stdout=worker_log, stderr=subprocess.STDOUT, cwd=folder
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
        *_common(plan, folder, run_seconds),
    )
    try:
        done = bounded(master, env, log, folder, timeout)
    finally:
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    return _judge_exit(done, log)


def _judge_exit(done: subprocess.CompletedProcess | None, log: Path) -> str | None:
    if done is None:
        return "Locust did not stop in time"
    if done.returncode != 0:
        return f"Locust exit code {done.returncode}: {tail(log)}"
    if not any(log.parent.glob("samples-*.csv")) and not any(log.parent.glob("jobs-*.csv")):
        return f"the load processes wrote no samples; see {log}: {_first_error(log)}"
    return None


def _first_error(log: Path) -> str:
    """The last line of the first traceback in a Locust log, or its last line."""
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.is_file() else []
    errors = [line for line in lines if line.split(":")[0].endswith(("Error", "Exception"))]
    return errors[0] if errors else tail(log)


def _quiet(context: LoadContext, what: str) -> None:
    seconds = context.profile.window_seconds + 1
    print(f"load: waiting {seconds} s for a fresh rate window before the {what} ...", flush=True)
    time.sleep(seconds)


def _started(plan: LoadPlan) -> LoadPlan:
    return replace(plan, start_epoch=time.time() + STARTUP_SECONDS)


def _execute(
    context: LoadContext, plan: LoadPlan, name: str, description: str, *, quiet: bool = True
) -> tuple[LoadPlan, Path, str | None]:
    """Run one plan after (optionally) a quiet window: the plan as started, its folder, and
    what went wrong, if anything."""
    if quiet:
        _quiet(context, description)
    plan = _started(plan)
    print(
        f"load: {description}, {plan.duration:.0f} s, {plan.workers} process(es) ...", flush=True
    )
    folder = context.files.scenario(name)
    return plan, folder, run_locust(plan, folder, context.env)


def _samples_by_operation(folder: Path) -> dict[str, list]:
    by_operation: dict[str, list] = {}
    for sample in read_samples(folder):
        by_operation.setdefault(sample.operation, []).append(sample)
    return by_operation


def analyse_ceilings(plan: LoadPlan, folder: Path) -> dict[str, CeilingFinding]:
    """Findings per operation from every load process's samples."""
    samples = _samples_by_operation(folder)
    return {
        stream.operation_id: analyse_operation(
            stream.operation_id,
            stream.ceiling_per_window or 0,
            plan.window_seconds,
            samples.get(stream.operation_id, []),
            list(plan.steps),
            {segment.step: segment.arrivals for segment in stream.segments},
        )
        for stream in plan.streams
    }


def _ceiling_results(context: LoadContext, findings: dict[str, CeilingFinding]) -> list:
    profile, tolerance = context.profile, context.options.tolerance
    results = [result for finding in findings.values() for result in verdicts(finding, tolerance)]
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
        for operation in ACTIONS:
            results.append(
                CheckResult(
                    "action_counters_match_behaviour",
                    operation,
                    "passed" if counters == expected else "failed",
                    f"{expected} counters for start, reboot and stop (behaviour action_counters)",
                    f"{counters} counters judged from traffic",
                )
            )
    return results


def ceiling_scenario(context: LoadContext, operations: list[str]) -> str | None:
    options = context.options
    plan = ceiling_plan(
        context.profile,
        context.catalogue,
        operations,
        fractions=options.fractions,
        windows_per_step=options.windows_per_step,
        workers=options.workers,
    )
    if not plan.streams:
        return "skipped: no selected operation has a ceiling to load"
    description = f"ceiling scenario, {len(plan.streams)} operations, {len(plan.steps)} steps"
    plan, folder, problem = _execute(context, plan, "ceiling", description)
    if problem is not None:
        return problem
    findings = analyse_ceilings(plan, folder)
    context.record(_ceiling_results(context, findings), "load:ceiling")
    context.files.capacity.write_text(
        json.dumps({op: f.as_data() for op, f in findings.items()}, indent=1), encoding="utf-8"
    )
    return None


def _server_names(context: LoadContext) -> set[str]:
    """Every server name the project lists, page by page."""
    profile = context.profile
    client = ApiClient(profile, context.catalogue, authorizer_for(profile, environ=context.env))
    names, page = set(), 1
    try:
        while True:
            listing = client.call("ListBareMetalServers", query={"limit": 1000, "offset": page})
            servers = (listing.json or {}).get("servers", []) if listing.status == 200 else []
            names.update(server.get("name", "") for server in servers)
            if len(servers) < 1000:
                return names
            page += 1
    finally:
        client.close()


def _judge_side_effects(context: LoadContext, folder: Path) -> None:
    """Servers named after throttled creates are effects of calls the gateway refused."""
    throttled = {
        f"{burst_prefix()}{s.sequence:06d}" for s in read_samples(folder) if s.status == 429
    }
    leaked = sorted(throttled & _server_names(context))
    if not throttled:
        outcome, received = "warning", "no create was throttled; nothing to judge"
    else:
        outcome = "failed" if leaked else "passed"
        received = (
            f"servers {', '.join(leaked[:5])} exist although their creates got 429"
            if leaked
            else f"none of {len(throttled)} throttled creates made a server"
        )
    result = CheckResult(
        "no_side_effect_when_throttled",
        "CreateBareMetalServers",
        outcome,
        "a throttled create makes no server (and starts no job)",
        received,
    )
    context.record([result], "load:side-effects")


def _judge_jobs(context: LoadContext, folder: Path) -> None:
    findings = analyse_jobs(read_job_samples(folder))
    p95_bound = context.options.job_p95_seconds
    context.record([r for f in findings.values() for r in job_verdicts(f, p95_bound)], "load:jobs")
    context.files.job_latency.write_text(
        json.dumps({op: f.as_data() for op, f in findings.items()}, indent=1), encoding="utf-8"
    )


def burst_and_jobs_scenario(context: LoadContext, operations: list[str]) -> str | None:
    """The side-effect burst and the job-latency cycle, together in one Locust run.

    Only the burst needs a fresh window; the cycle's rates are far below every ceiling, and
    its two creates cannot hide a throttled one (only throttled arrivals are judged).
    """
    chosen = context.options.scenarios
    burst = side_effect_plan(context.profile, context.catalogue)
    if "side-effects" not in chosen or (operations and "CreateBareMetalServers" not in operations):
        burst = None
    jobs = job_plan(context.profile, context.catalogue) if "jobs" in chosen else None
    if burst is None and jobs is None:
        return None
    plan = replace(
        burst or jobs,
        streams=burst.streams if burst else (),
        steps=burst.steps if burst else (),
        jobs=jobs.jobs if jobs else None,
        workers=context.options.workers,
        scenario="side-effects+jobs",
    )
    parts = [
        p for p, present in (("a side-effect burst", burst), ("the job cycle", jobs)) if present
    ]
    plan, folder, problem = _execute(
        context, plan, "jobs", " and ".join(parts), quiet=burst is not None
    )
    if problem is not None:
        return problem
    if burst is not None:
        _judge_side_effects(context, folder)
    if jobs is not None:
        _judge_jobs(context, folder)
    return None


def _ramp(context: LoadContext, operations: list[str]) -> tuple[LoadPlan, dict] | str:
    """Stage one: every undocumented-ceiling read ramped up; where each first met 429s."""
    plan = discovery_plan(
        context.profile,
        context.catalogue,
        operations,
        max_per_second=context.options.discovery_max_per_second,
        workers=context.options.workers,
    )
    if not plan.streams:
        return "skipped: no selected read lacks a documented ceiling"
    description = f"discovery ramp, {len(plan.streams)} operations without a documented ceiling"
    plan, folder, problem = _execute(context, plan, "discovery", description, quiet=False)
    if problem is not None:
        return problem
    samples = _samples_by_operation(folder)
    findings = {
        stream.operation_id: discover(
            stream.operation_id,
            plan.window_seconds,
            samples.get(stream.operation_id, []),
            list(plan.steps),
            {s.step: s.arrivals for s in stream.segments},
        )
        for stream in plan.streams
    }
    return plan, findings


def _hold(context: LoadContext, ramp: LoadPlan, findings: dict[str, CeilingFinding]) -> None:
    """Stage two: each throttled operation held at the rate that first met 429s, for a window
    and a half after a quiet one, so its limit is measured at saturation, not mid-ramp."""
    held = []
    for stream in ramp.streams:
        onset = findings[stream.operation_id]
        if onset.estimate is None:
            continue
        rate = next(
            s.rate for s in stream.segments if onset.method.startswith(f"onset at {s.step}")
        )
        hold = Segment("hold", 0.0, 1.5 * ramp.window_seconds, rate)
        held.append(replace(stream, segments=(hold,)))
    if not held:
        return
    steps = ({"label": "hold", "fraction": 1.5, "start": 0.0, "end": 1.5 * ramp.window_seconds},)
    plan = replace(ramp, streams=tuple(held), steps=steps)
    description = f"discovery hold of {len(held)} throttled operation(s)"
    plan, folder, problem = _execute(context, plan, "discovery-hold", description)
    if problem is not None:
        return
    samples = _samples_by_operation(folder)
    for stream in held:
        measured = analyse_operation(
            stream.operation_id,
            0,
            plan.window_seconds,
            samples.get(stream.operation_id, []),
            list(steps),
            {"hold": stream.segments[0].arrivals},
        )
        finding = findings[stream.operation_id]
        if measured.estimate is not None:
            finding.estimate, finding.interval = measured.estimate, measured.interval
            finding.method = f"{finding.method.split(';')[0]}; held: {measured.method}"


def discovery_scenario(context: LoadContext, operations: list[str]) -> str | None:
    """Find the limits of the reads the documents give no ceiling, and measure them."""
    ramped = _ramp(context, operations)
    if isinstance(ramped, str):
        return ramped
    plan, findings = ramped
    _hold(context, plan, findings)
    context.record([r for f in findings.values() for r in discovery_verdicts(f)], "load:discovery")
    existing = _read_json(context.files.capacity)
    existing.update({op: f.as_data() for op, f in findings.items()})
    context.files.capacity.write_text(json.dumps(existing, indent=1), encoding="utf-8")
    return None


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


SCENARIOS = ("ceiling", "side-effects", "jobs", "discovery")


def run_load_phase(
    profile: Profile,
    catalogue: Catalogue,
    files: RunFiles,
    env: dict[str, str],
    operations: list[str],
    recorder: EventRecorder,
    options: LoadOptions = LoadOptions(),
) -> PhaseResult:
    context = LoadContext(profile, catalogue, files, env, recorder, options)
    started = time.monotonic()
    steps: list[tuple[str, Callable[[LoadContext, list[str]], str | None]]] = []
    if "ceiling" in options.scenarios:
        steps.append(("ceiling", ceiling_scenario))
    steps.append(("side-effects+jobs", burst_and_jobs_scenario))
    if "discovery" in options.scenarios:
        steps.append(("discovery", discovery_scenario))
    notes = []
    for name, scenario in steps:
        problem = scenario(context, operations)
        if problem is not None and not problem.startswith("skipped"):
            return PhaseResult("load", "error", time.monotonic() - started, f"{name}: {problem}")
        notes.append(name if problem is None else f"{name} {problem}")
    return PhaseResult("load", "completed", time.monotonic() - started, "; ".join(notes))
