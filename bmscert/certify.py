"""``bmscert run``: one command from profile to verdict.

1. the target: start the embedded one (with credentials for its users, from the environment
   where it gives them, generated otherwise), or check that a remote one answers;
2. a preflight call: the credentials hold and, for AK/SK, the clocks agree;
3. conformance: pytest on ``conformance/`` with bmscert's plugin;
4. load: Locust drives each operation at a fraction of its ceiling;
5. cleanup: everything the ledger says the run created is deleted;
6. reports: ``summary.json`` and the console table, built from the event files.

Whatever happens (a failing phase, Ctrl+C or SIGTERM, a configuration error half-way), the
cleanup runs while the target is still up, the reports of what did run are written, and the
embedded target is stopped. Every process of the run learns the run id and the ledger's path
from the environment.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import string
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from bmscert.core.auth import Authorizer, authorizer_for
from bmscert.core.catalogue import Catalogue, load_catalogue
from bmscert.core.client import ApiClient, Exchange
from bmscert.core.credentials import IDENTITIES, Secrets, environment_for, read_secrets
from bmscert.core.events import EventRecorder
from bmscert.core.ledger import LEDGER_ENV
from bmscert.core.naming import RUN_ID_ENV
from bmscert.core.profile import PROFILE_ENV, Profile, load_profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.errors import (
    BmscertError,
    ConfigError,
    CredentialError,
    EnvironmentBlocked,
    ExitCode,
)
from bmscert.paths import fixtures_dir
from bmscert.reporting.capacity import write_capacity_report
from bmscert.reporting.console import print_summary
from bmscert.reporting.summary import build_summary, write_summary
from bmscert.runners.cleanup import CleanupReport, clean_up
from bmscert.runners.embedded import EmbeddedTarget
from bmscert.runners.load_phase import LoadOptions, run_load_phase
from bmscert.runners.phases import run_conformance
from bmscert.runners.selection import new_seed
from bmscert.target.faults import Faults
from bmscert.target.signing import CLOCK_WINDOW_SECONDS

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
    suites: tuple[str, ...] = ()
    seed: int | None = None
    auth: str | None = None


def examples_database(reports_root: Path) -> Path:
    """Where the generated suites keep failing examples: one place under the reports root,
    so every later run, whatever its id, replays them first."""
    return reports_root / ".hypothesis" / "examples"


@dataclass
class RunState:
    """What the phases leave for the summary: the profile as resolved, the cleanup's report."""

    profile: Profile
    cleanup: CleanupReport | None = None


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
    if request.auth is not None:
        profile = replace(profile, auth=replace(profile.auth, method=request.auth))
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


def _new_access_key() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(20))


def _embedded_secrets(profile: Profile) -> dict[str, Secrets]:
    """Each identity's secrets for the embedded target: what the environment (or the
    credentials file) gives, generated where it gives nothing. No ready token is generated,
    so a token run logs in to the target's IAM; the peer gets temporary AK/SK credentials,
    so a run exercises both kinds."""
    chosen = {}
    for identity in IDENTITIES:
        given = read_secrets(profile.auth, identity)
        chosen[identity] = Secrets(
            token=given.token,
            password=given.password or secrets.token_urlsafe(12),
            access_key=given.access_key or _new_access_key(),
            secret_key=given.secret_key or secrets.token_urlsafe(30),
            security_token=given.security_token
            or (secrets.token_urlsafe(48) if identity == "peer" else ""),
            expired_token=given.expired_token or secrets.token_urlsafe(24),
        )
    return chosen


def _account(secrets_of: Secrets) -> dict[str, str]:
    names = ("password", "token", "expired_token", "access_key", "secret_key", "security_token")
    return {name: getattr(secrets_of, name) for name in names if getattr(secrets_of, name)}


def _start_embedded(stack: ExitStack, profile: Profile, files: RunFiles):
    """Start the reference target; the profile and environment that point at it."""
    chosen = _embedded_secrets(profile)
    target = stack.enter_context(
        EmbeddedTarget(
            files.path,
            {identity: _account(given) for identity, given in chosen.items()},
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
    users = target.info["identities"]
    profile = profile.with_target(
        target.info["endpoints"],
        resources["project_id"],
        resources,
        other_project_id=users["other"]["project_id"],
    )
    profile = replace(profile, auth=replace(profile.auth, credentials_file=""))
    env = {}
    for identity, given in chosen.items():
        named = replace(
            given, username=users[identity]["username"], domain=users[identity]["domain"]
        )
        env.update(environment_for(profile.auth, identity, named))
    return profile, env


def _clock_skew(exchange: Exchange, received_at: float) -> float | None:
    """Seconds the local clock is ahead of the target's (negative: behind), from its Date."""
    date = exchange.response_headers.get("date", "")
    try:
        return received_at - parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return None


def _preflight(profile: Profile, catalogue: Catalogue, authorizer: Authorizer) -> None:
    """One read before any suite: do the credentials hold, and for AK/SK, do the clocks
    agree? Either failing would fail every call of the run, so it is one line instead."""
    client = ApiClient(profile, catalogue, authorizer)
    try:
        reply = client.call("ShowTenantQuota", paced=False, recorded=False)
        received_at = time.time()
    finally:
        client.close()
    skew = _clock_skew(reply, received_at)
    method = profile.auth.method
    if method == "aksk" and skew is not None and abs(skew) > CLOCK_WINDOW_SECONDS:
        where = "ahead of" if skew > 0 else "behind"
        raise EnvironmentBlocked(
            f"the local clock is {abs(skew) / 60:.0f} min {where} the target's (its Date "
            "header); AK/SK signatures are refused past 15 min of skew: set the clock (NTP)"
        )
    if reply.status in (401, 403):
        body = reply.json if isinstance(reply.json, dict) else {}
        why = client.redactor.text(str(body.get("error_msg", "")))[:200]
        kind = "AK/SK pair" if method == "aksk" else "IAM token"
        raise CredentialError(
            f"the target refused the {kind} of the main identity (HTTP {reply.status} "
            f"{body.get('error_code', '')}: {why}); check the credentials in "
            f"{profile.auth.env_prefix}_* or auth.credentials_file"
        )


@contextlib.contextmanager
def _run_environment(files: RunFiles) -> Iterator[None]:
    """The run id and the ledger's path, for this process and every process it starts."""
    saved = {name: os.environ.get(name) for name in (RUN_ID_ENV, LEDGER_ENV)}
    os.environ[RUN_ID_ENV] = files.run_id
    os.environ[LEDGER_ENV] = str(files.ledger)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a run the way Ctrl+C does, so the cleanup runs either way."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _clean_up_run(
    state: RunState, catalogue: Catalogue, files: RunFiles, env: dict[str, str]
) -> None:
    """Delete what the run created while the target is still up; a second interrupt stops
    the cleanup and says how to finish it."""
    print("cleanup: deleting what the run created ...", flush=True)
    try:
        report = clean_up(state.profile, catalogue, files.ledger, files.run_id, environ=env)
    except KeyboardInterrupt:
        print(f"cleanup interrupted; finish it: bmscert cleanup --run-id {files.run_id} --yes")
        raise
    state.cleanup = report
    for line in report.lines():
        print(line, flush=True)


def _run_phases(
    state: RunState,
    catalogue: Catalogue,
    request: RunRequest,
    files: RunFiles,
    recorder: EventRecorder,
    phases: list[PhaseResult],
) -> None:
    """Everything that needs the target up; ``state.profile`` becomes the resolved one."""
    with ExitStack() as stack:
        env = dict(os.environ)
        if state.profile.is_embedded:
            state.profile, secret_env = _start_embedded(stack, state.profile, files)
            env.update(secret_env)
        profile = state.profile
        authorizer = authorizer_for(profile, environ=env)
        _check_reachable(profile)
        _preflight(profile, catalogue, authorizer)
        files.profile.write_text(profile.to_json(), encoding="utf-8")
        env[PROFILE_ENV] = str(files.profile)
        stack.callback(_clean_up_run, state, catalogue, files, env)

        if "conformance" in request.phases:
            seed = request.seed if request.seed is not None else new_seed()
            database = examples_database(request.reports_root)
            print(
                f"conformance: generated suites use hypothesis seed {seed}; failing examples "
                f"are kept in {database} and replayed first"
            )
            phases.append(
                run_conformance(
                    profile,
                    files,
                    env,
                    request.operations,
                    suites=request.suites,
                    seed=seed,
                    examples_database=database,
                )
            )
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


def run_certification(request: RunRequest) -> int:
    started = time.time()
    # The phases run in the run's folder, so every path handed to them must be absolute.
    request.reports_root = request.reports_root.resolve()
    catalogue = load_catalogue()
    profile = _load_profile(request, catalogue)
    files = _new_run_files(request.reports_root)
    print(
        f"bmscert run {files.run_id}: profile {profile.name!r}, dialect {profile.dialect}, "
        f"reports in {files.path}"
    )

    recorder = EventRecorder(files.run_events)
    phases: list[PhaseResult] = []
    state = RunState(profile)
    error: BmscertError | None = None
    interrupted = False
    try:
        with _run_environment(files), _terminate_as_interrupt():
            _run_phases(state, catalogue, request, files, recorder, phases)
    except KeyboardInterrupt:
        interrupted = True
    except BmscertError as exc:
        error = exc
    finally:
        recorder.close()
        summary = build_summary(
            files,
            state.profile,
            catalogue,
            phases,
            started=started,
            interrupted=interrupted,
            error=str(error or ""),
            error_exit_code=int(error.exit_code) if error else None,
            cleanup=state.cleanup.as_data() if state.cleanup else None,
        )
        write_summary(files, summary)
        write_capacity_report(files)
        print_summary(summary, files)

    if error is not None:
        raise error
    return ExitCode.INTERRUPTED if interrupted else summary["exit_code"]
