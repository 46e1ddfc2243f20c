"""``bmscert run``: one command from profile to verdict.

1. the target: start the embedded one, or check that a remote one answers;
2. conformance: pytest on ``conformance/`` with bmscert's plugin;
3. load: Locust drives each operation at a fraction of its ceiling;
4. reports: ``summary.json`` and the console table, built from the event files.

Whatever happens (a failing phase, Ctrl+C, a configuration error half-way), the reports of
what did run are written and the embedded target is stopped.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bmscert.core.auth import credentials_from_env
from bmscert.core.catalogue import Catalogue, load_catalogue
from bmscert.core.events import EventRecorder
from bmscert.core.profile import Profile, load_profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.errors import BmscertError, ConfigError, EnvironmentBlocked, ExitCode
from bmscert.paths import fixtures_dir
from bmscert.reporting.capacity import write_capacity_report
from bmscert.reporting.console import print_summary
from bmscert.reporting.summary import build_summary, write_summary
from bmscert.runners.embedded import EmbeddedTarget
from bmscert.runners.load_phase import LoadOptions, run_load_phase
from bmscert.runners.phases import run_conformance
from bmscert.target.faults import Faults

logger = logging.getLogger(__name__)


@dataclass
class RunRequest:
    """What the user asked ``bmscert run`` for."""

    profile_path: Path | None
    reports_root: Path
    operations: list[str] = field(default_factory=list)
    phases: tuple[str, ...] = ("conformance", "load")
    faults: list[str] = field(default_factory=list)
    workers: int | None = None
    scenarios: tuple[str, ...] | None = None
    dialect: str | None = None


def _new_run_files(reports_root: Path) -> RunFiles:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    run_id = f"{stamp}-{secrets.token_hex(2)}"
    path = reports_root / run_id
    try:
        path.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise EnvironmentBlocked(
            f"cannot create the reports folder {path}: {exc.strerror}"
        ) from None
    return RunFiles(run_id, path)


def _load_profile(request: RunRequest, catalogue: Catalogue) -> Profile:
    profile = load_profile(request.profile_path or fixtures_dir() / "embedded.yaml")
    unknown = [op for op in request.operations if op not in catalogue]
    if unknown:
        raise ConfigError(f"unknown operation(s) in --operations: {', '.join(unknown)}")
    if request.faults and not profile.is_embedded:
        raise ConfigError("--fault applies only to the embedded target (target.kind: embedded)")
    profile = replace(profile, faults=(*profile.faults, *request.faults))
    if request.dialect is not None:
        profile = replace(profile, dialect=request.dialect)
    Faults.parse(profile.faults, catalogue)
    return profile


def _check_reachable(profile: Profile) -> None:
    for name, url in profile.endpoints.items():
        try:
            httpx.get(url.rstrip("/") + "/", timeout=10)
        except httpx.HTTPError as exc:
            raise EnvironmentBlocked(
                f"the {name} endpoint {url} is unreachable ({type(exc).__name__}); "
                f"check target.endpoints in {profile.source}"
            ) from None


def _start_embedded(stack: ExitStack, profile: Profile, files: RunFiles):
    """Start the reference target; the profile and environment that point at it."""
    token = secrets.token_urlsafe(24)
    target = stack.enter_context(
        EmbeddedTarget(
            files.path,
            token,
            window_seconds=profile.window_seconds,
            behaviours=profile.behaviours,
            faults=list(profile.faults),
            limiter=profile.limiter,
            job_seconds=profile.job_seconds,
            job_failure_rate=profile.job_failure_rate,
            quota_instances=profile.quota_instances,
            undocumented_ceilings=profile.undocumented_ceilings,
            dialect=profile.dialect,
        )
    )
    resources = target.info["resources"]
    profile = profile.with_target(target.info["endpoints"], resources["project_id"], resources)
    return profile, {profile.token_env: token}


def _run_phases(
    profile: Profile,
    catalogue: Catalogue,
    request: RunRequest,
    files: RunFiles,
    recorder: EventRecorder,
    phases: list[PhaseResult],
) -> Profile:
    """Everything that needs the target up; returns the profile as resolved."""
    with ExitStack() as stack:
        env = dict(os.environ)
        if profile.is_embedded:
            profile, secret_env = _start_embedded(stack, profile, files)
            env.update(secret_env)
        else:
            credentials_from_env(profile)
        _check_reachable(profile)
        files.profile.write_text(profile.to_json(), encoding="utf-8")

        if "conformance" in request.phases:
            phases.append(run_conformance(profile, files, env, request.operations))
        if "load" in request.phases and profile.load_enabled:
            options = LoadOptions(
                workers=request.workers or profile.load_workers,
                windows_per_step=profile.load_windows_per_step,
                fractions=profile.load_fractions,
                tolerance=profile.ceiling_tolerance,
                job_p95_seconds=profile.job_p95_seconds,
                discovery_max_per_second=profile.discovery_max_per_second,
                **({"scenarios": request.scenarios} if request.scenarios else {}),
            )
            phases.append(
                run_load_phase(
                    profile, catalogue, files, env, request.operations, recorder, options
                )
            )
    return profile


def run_certification(request: RunRequest) -> int:
    started = time.time()
    catalogue = load_catalogue()
    profile = _load_profile(request, catalogue)
    files = _new_run_files(request.reports_root)
    print(
        f"bmscert run {files.run_id}: profile {profile.name!r}, dialect {profile.dialect}, "
        f"reports in {files.path}"
    )

    recorder = EventRecorder(files.run_events)
    phases: list[PhaseResult] = []
    error: BmscertError | None = None
    interrupted = False
    try:
        profile = _run_phases(profile, catalogue, request, files, recorder, phases)
    except KeyboardInterrupt:
        interrupted = True
    except BmscertError as exc:
        error = exc
    finally:
        recorder.close()
        summary = build_summary(
            files,
            profile,
            catalogue,
            phases,
            started=started,
            interrupted=interrupted,
            error=str(error or ""),
            error_exit_code=int(error.exit_code) if error else None,
        )
        write_summary(files, summary)
        write_capacity_report(files)
        print_summary(summary, files)

    if error is not None:
        raise error
    return ExitCode.INTERRUPTED if interrupted else summary["exit_code"]
