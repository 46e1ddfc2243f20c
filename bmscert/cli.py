"""The ``bmscert`` command: ``run`` certifies a target, ``load`` runs its load phase alone,
``serve`` starts the reference target, ``cleanup`` deletes what a run left behind.

Every failure that is not the target's fault ends with one line on stderr that names what to
fix, and an exit code of its own (see ``bmscert.errors.ExitCode``); never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bmscert import __version__
from bmscert.core.catalogue import DIALECTS
from bmscert.core.credentials import AUTH_METHODS
from bmscert.errors import BmscertError, ConfigError, ExitCode
from bmscert.runners.embedded import TARGET_ACCOUNTS_ENV, TARGET_TOKEN_ENV
from bmscert.target.limiter import ALGORITHMS

logger = logging.getLogger("bmscert")


def _behaviour_pairs(values: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, choice = value.partition("=")
        if not sep:
            raise ConfigError(f"--behaviour {value!r} must look like name=value")
        pairs[name] = choice
    return pairs


def _job_seconds(values: Sequence[str]) -> dict[str, float]:
    from bmscert.target.lifecycle import DEFAULT_JOB_SECONDS

    durations = {}
    for value in values:
        kind, sep, seconds = value.partition("=")
        if not sep or kind not in DEFAULT_JOB_SECONDS:
            kinds = ", ".join(DEFAULT_JOB_SECONDS)
            raise ConfigError(
                f"--job-seconds {value!r} must look like KIND=SECONDS, KIND one of {kinds}"
            )
        try:
            durations[kind] = float(seconds)
        except ValueError:
            raise ConfigError(f"--job-seconds {value!r}: {seconds!r} is not a number") from None
        if durations[kind] < 0:
            raise ConfigError(f"--job-seconds {value!r}: a duration cannot be negative")
    return durations


def _failure_rate(value: str) -> float:
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0 <= rate <= 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not between 0 and 1")
    return rate


def _ceilings(values: Sequence[str]) -> dict[str, int]:
    ceilings = {}
    for value in values:
        name, sep, count = value.partition("=")
        if not sep or not count.isdigit() or int(count) < 1:
            raise ConfigError(f"--undocumented-ceiling {value!r} must look like operation=COUNT")
        ceilings[name] = int(count)
    return ceilings


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the embedded reference target on 127.0.0.1",
        description="Serve the BMS and ECS endpoints of the reference target on loopback.",
    )
    serve.add_argument("--bms-port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--ecs-port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--iam-port", type=int, default=0, help="0 picks a free port")
    serve.add_argument(
        "--window-seconds",
        type=int,
        default=60,
        help="length of the rate window; the count per window stays the documented ceiling",
    )
    serve.add_argument(
        "--limiter",
        choices=ALGORITHMS,
        default="fixed",
        help="how ceilings are counted (the documents do not say); default fixed",
    )
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:OPERATION[:ARG]",
        help="inject a deliberate defect (for testing the checks); repeatable",
    )
    serve.add_argument(
        "--behaviour",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="choose an ambiguous behaviour (schemas/behaviours.yaml); repeatable",
    )
    serve.add_argument(
        "--job-seconds",
        action="append",
        default=[],
        metavar="KIND=SECONDS",
        help="duration of a kind of job (create, start, stop, reboot, reinstall, attach, "
        "detach); repeatable",
    )
    serve.add_argument(
        "--undocumented-ceiling",
        action="append",
        default=[],
        metavar="OPERATION=COUNT",
        help="throttle an operation the documents give no ceiling, COUNT calls per window; "
        "repeatable",
    )
    serve.add_argument(
        "--quota-instances",
        type=int,
        help="the project's instance quota (default 20, as seeded)",
    )
    serve.add_argument(
        "--job-failure-rate",
        type=_failure_rate,
        default=0.0,
        metavar="RATE",
        help="share of jobs that end in FAIL, from 0 to 1 (default 0)",
    )
    serve.add_argument(
        "--token-seconds",
        type=float,
        default=24 * 3600.0,
        metavar="SECONDS",
        help="lifetime of the tokens the IAM endpoint issues (default 86400, as IAM's)",
    )
    serve.add_argument(
        "--clock-offset",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="run the target's clock this far ahead of the host's (negative: behind); its "
        "Date header, token expiry and the AK/SK clock window follow it",
    )
    serve.add_argument("--seed", default="bmscert", help="seed of the deterministic ids")
    serve.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="huawei",
        help="where the BMS pages and upstream Nova disagree, whom the Nova API follows",
    )
    serve.add_argument(
        "--max-microversion",
        default="2.60",
        metavar="2.N",
        help="the newest Nova microversion the ECS endpoint offers (default 2.60)",
    )
    serve.add_argument("--ready-file", type=Path, help="write endpoints as JSON here when up")
    serve.set_defaults(handler=_serve)


def _add_run(commands: argparse._SubParsersAction) -> None:
    run = commands.add_parser(
        "run",
        help="certify a target: conformance, throttling, load, reports",
        description="Certify a target and write reports/<run-id>/.",
    )
    run.add_argument("--skip-load", action="store_true", help="skip the load phase")
    run.add_argument(
        "--suites",
        help="comma-separated conformance suites: handwritten, property, stateful "
        "(default: all three)",
    )
    run.add_argument(
        "--seed",
        type=_seed,
        help="seed of the generated suites (default: a fresh one, printed and recorded)",
    )
    _add_target_options(run)
    run.set_defaults(handler=_run)


def _add_load(commands: argparse._SubParsersAction) -> None:
    load = commands.add_parser(
        "load",
        help="the load phase alone: ceilings, throttling and capacity report",
        description="Step every operation through fractions of its documented ceiling, "
        "estimate the enforced ceilings and write the capacity report.",
    )
    load.add_argument("--workers", type=int, help="load processes (a Locust master + workers)")
    load.add_argument(
        "--scenarios",
        help="comma-separated: ceiling, side-effects, jobs, discovery (default: all four)",
    )
    _add_target_options(load)
    load.set_defaults(handler=_load)


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        type=Path,
        help="profile YAML of the target (default: the embedded reference target)",
    )
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder")
    parser.add_argument(
        "--operations",
        help="comma-separated operation ids to certify (default: all)",
    )
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        help="certify against the BMS pages (huawei) or upstream Nova (openstack) where they "
        "disagree; overrides the profile's dialect",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:OPERATION[:ARG]",
        help="embedded target only: inject a deliberate defect; repeatable",
    )
    parser.add_argument(
        "--auth",
        choices=AUTH_METHODS,
        help="authenticate with an IAM token or AK/SK signatures; overrides auth.method",
    )


def _add_cleanup(commands: argparse._SubParsersAction) -> None:
    cleanup = commands.add_parser(
        "cleanup",
        help="delete what a run left behind (a dry run unless --yes)",
        description="Delete the servers and key pairs the ledger of a run says it created, "
        "and nothing else; list what could not be deleted.",
    )
    cleanup.add_argument("--run-id", required=True, help="the run, e.g. 20240101-120000-ab12")
    cleanup.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder")
    cleanup.add_argument(
        "--target",
        type=Path,
        help="profile YAML of the target (default: the run's profile.resolved.json)",
    )
    cleanup.add_argument("--yes", action="store_true", help="delete; without it, only list")
    cleanup.set_defaults(handler=_cleanup)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bmscert",
        description="Certification harness for the Bare Metal Server (BMS) API.",
    )
    parser.add_argument("--version", action="version", version=f"bmscert {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every API call")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_run(commands)
    _add_load(commands)
    _add_serve(commands)
    _add_cleanup(commands)
    return parser


def _microversion(text: str) -> str:
    from bmscert.core.microversion import MalformedMicroversion, Microversion

    try:
        return str(Microversion.parse(text))
    except MalformedMicroversion:
        raise ConfigError(f"--max-microversion {text!r} must look like 2.N") from None


def _accounts_from_env() -> dict:
    """The users' secrets ``bmscert run`` (or a person) hands the target, never on argv."""
    from bmscert.target.settings import ROLES, Account

    text = os.environ.get(TARGET_ACCOUNTS_ENV, "")
    if not text:
        return {}
    try:
        given = json.loads(text)
        return {role: Account(**given[role]) for role in given if role in ROLES}
    except (ValueError, TypeError, AttributeError):
        raise ConfigError(
            f"{TARGET_ACCOUNTS_ENV} must be a JSON object of roles ({', '.join(ROLES)}) to "
            "their secrets (password, token, expired_token, access_key, secret_key, "
            "security_token)"
        ) from None


def _announce(settings, identities, token_from_env: bool, accounts_from_env: bool):
    """What a person needs to call the target by hand. Secrets are shown only when this
    command made them all up: a target ``bmscert run`` starts logs this to its reports."""

    def show(info: dict) -> None:
        main = identities.accounts["main"]
        names = info["identities"]["main"]
        given = token_from_env or accounts_from_env
        print("bmscert reference target is up (Ctrl+C stops it)")
        print(f"  BMS endpoint : {info['endpoints']['bms']}")
        print(f"  ECS endpoint : {info['endpoints']['ecs']}")
        print(f"  IAM endpoint : {info['endpoints']['iam']}")
        print(f"  project id   : {info['resources']['project_id']}")
        print(f"  IAM user     : {names['username']} in domain {names['domain']}")
        if given:
            print(f"  credentials  : from ${TARGET_ACCOUNTS_ENV} / ${TARGET_TOKEN_ENV}")
        else:
            print(f"  token        : {main.token}  (send it as X-Auth-Token)")
            print(f"  password     : {main.password}")
            print(f"  access key   : {main.access_key}  secret key {main.secret_key}")
        print(f"  rate window  : {settings.window_seconds} s")
        versions = f"{settings.min_microversion} to {settings.max_microversion}"
        print(f"  Nova dialect : {settings.dialect}, microversions {versions}")
        sys.stdout.flush()

    return show


def _serve(args: argparse.Namespace) -> int:
    from bmscert.core.behaviours import resolve_behaviours
    from bmscert.target.server import RunningTarget, serve_running
    from bmscert.target.settings import TargetSettings

    token_from_env = os.environ.get(TARGET_TOKEN_ENV, "")
    accounts = _accounts_from_env()
    settings = TargetSettings(
        dialect=args.dialect,
        max_microversion=_microversion(args.max_microversion),
        bms_port=args.bms_port,
        ecs_port=args.ecs_port,
        iam_port=args.iam_port,
        window_seconds=args.window_seconds,
        limiter=args.limiter,
        behaviours=resolve_behaviours(_behaviour_pairs(args.behaviour)),
        faults=tuple(args.fault),
        seed=args.seed,
        job_seconds=_job_seconds(args.job_seconds),
        job_failure_rate=args.job_failure_rate,
        quota_instances=args.quota_instances,
        undocumented_ceilings=_ceilings(args.undocumented_ceiling),
        accounts=accounts,
        token_seconds=args.token_seconds,
        clock_offset_seconds=args.clock_offset,
        **({"token": token_from_env} if token_from_env else {}),
    )
    running = RunningTarget(settings)
    identities = running.target.gateway.identities
    announce = _announce(settings, identities, bool(token_from_env), bool(accounts))
    serve_running(running, ready_file=args.ready_file, announce=announce)
    return ExitCode.OK


def _request(args: argparse.Namespace, phases: tuple[str, ...], workers: int | None = None):
    from bmscert.certify import RunRequest

    operations = [op.strip() for op in args.operations.split(",")] if args.operations else []
    if workers is not None and workers < 1:
        raise ConfigError("--workers must be at least 1")
    return RunRequest(
        profile_path=args.target,
        reports_root=args.reports,
        operations=[op for op in operations if op],
        phases=phases,
        faults=list(args.fault),
        workers=workers,
        dialect=args.dialect,
        auth=args.auth,
    )


def _seed(text: str) -> int:
    """A seed as hypothesis and summary.json take it: a whole number from 0 to 2**32 - 1."""
    if not text.isdigit() or int(text) >= 2**32:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a seed: give a whole number from 0 to {2**32 - 1}"
        )
    return int(text)


def _suites(text: str | None) -> tuple[str, ...]:
    from bmscert.runners.pytest_plugin import SUITES

    if not text:
        return ()
    chosen = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in chosen if name not in SUITES]
    if unknown or not chosen:
        raise ConfigError(
            f"unknown suite(s) in --suites: {', '.join(unknown) or text!r}; "
            f"choose from {', '.join(SUITES)}"
        )
    return chosen


def _run(args: argparse.Namespace) -> int:
    from bmscert.certify import run_certification

    phases = ("conformance",) if args.skip_load else ("conformance", "load")
    request = _request(args, phases)
    request.suites = _suites(args.suites)
    request.seed = args.seed
    return run_certification(request)


def _load(args: argparse.Namespace) -> int:
    from bmscert.certify import run_certification
    from bmscert.runners.load_phase import SCENARIOS

    request = _request(args, ("load",), args.workers)
    request.scenarios = SCENARIOS
    if args.scenarios:
        chosen = tuple(name.strip() for name in args.scenarios.split(",") if name.strip())
        unknown = [name for name in chosen if name not in SCENARIOS]
        if unknown:
            raise ConfigError(
                f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}"
            )
        request.scenarios = chosen
    return run_certification(request)


def _cleanup_profile(args: argparse.Namespace, run_dir: Path):
    from bmscert.core.profile import Profile, load_profile

    if args.target is not None:
        return load_profile(args.target)
    resolved = run_dir / "profile.resolved.json"
    if not resolved.is_file():
        raise ConfigError(f"{resolved} does not exist; name the target with --target")
    return Profile.from_json(resolved.read_text(encoding="utf-8"))


def _cleanup(args: argparse.Namespace) -> int:
    from bmscert.core.catalogue import load_catalogue
    from bmscert.core.ledger import LEDGER_NAME
    from bmscert.core.naming import is_run_id
    from bmscert.runners.cleanup import clean_up

    if not is_run_id(args.run_id):
        raise ConfigError(f"--run-id {args.run_id!r} must look like 20240101-120000-ab12")
    run_dir = args.reports / args.run_id
    ledger = run_dir / LEDGER_NAME
    if not ledger.is_file():
        raise ConfigError(f"no ledger for run {args.run_id}: {ledger} does not exist")
    profile = _cleanup_profile(args, run_dir)
    if profile.is_embedded:
        print(f"run {args.run_id} certified the embedded target; its state ended with the run")
        return ExitCode.OK
    report = clean_up(profile, load_catalogue(), ledger, args.run_id, dry_run=not args.yes)
    for line in report.lines():
        print(line)
    left_something = args.yes and bool(report.left)
    return ExitCode.CHECKS_FAILED if left_something else ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args))
    except BmscertError as error:
        print(f"bmscert: error: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("bmscert: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
