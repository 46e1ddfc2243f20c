"""The ``bmscert`` command: ``run`` certifies a target, ``serve`` starts the reference target.

Every failure that is not the target's fault ends with one line on stderr that names what to
fix, and an exit code of its own (see ``bmscert.errors.ExitCode``); never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bmscert import __version__
from bmscert.core.catalogue import DIALECTS
from bmscert.errors import BmscertError, ConfigError, ExitCode
from bmscert.runners.embedded import TARGET_TOKEN_ENV

logger = logging.getLogger("bmscert")


def _behaviour_pairs(values: Sequence[str]) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, choice = value.partition("=")
        if not sep:
            raise ConfigError(f"--behaviour {value!r} must look like name=value")
        pairs[name] = choice
    return pairs


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the embedded reference target on 127.0.0.1",
        description="Serve the BMS and ECS endpoints of the reference target on loopback.",
    )
    serve.add_argument("--bms-port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--ecs-port", type=int, default=0, help="0 picks a free port")
    serve.add_argument(
        "--window-seconds",
        type=int,
        default=60,
        help="length of the rate window; the count per window stays the documented ceiling",
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
    run.add_argument(
        "--target",
        type=Path,
        help="profile YAML of the target (default: the embedded reference target)",
    )
    run.add_argument("--reports", type=Path, default=Path("reports"), help="reports folder")
    run.add_argument(
        "--operations",
        help="comma-separated operation ids to certify (default: all)",
    )
    run.add_argument("--skip-load", action="store_true", help="skip the load phase")
    run.add_argument(
        "--dialect",
        choices=DIALECTS,
        help="certify against the BMS pages (huawei) or upstream Nova (openstack) where they "
        "disagree; overrides the profile's dialect",
    )
    run.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="KIND:OPERATION[:ARG]",
        help="embedded target only: inject a deliberate defect; repeatable",
    )
    run.set_defaults(handler=_run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bmscert",
        description="Certification harness for the Bare Metal Server (BMS) API.",
    )
    parser.add_argument("--version", action="version", version=f"bmscert {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every API call")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_run(commands)
    _add_serve(commands)
    return parser


def _microversion(text: str) -> str:
    from bmscert.core.microversion import MalformedMicroversion, Microversion

    try:
        return str(Microversion.parse(text))
    except MalformedMicroversion:
        raise ConfigError(f"--max-microversion {text!r} must look like 2.N") from None


def _serve(args: argparse.Namespace) -> int:
    from bmscert.core.behaviours import resolve_behaviours
    from bmscert.target.server import serve
    from bmscert.target.settings import TargetSettings

    token_from_env = os.environ.get(TARGET_TOKEN_ENV, "")
    settings = TargetSettings(
        dialect=args.dialect,
        max_microversion=_microversion(args.max_microversion),
        bms_port=args.bms_port,
        ecs_port=args.ecs_port,
        window_seconds=args.window_seconds,
        behaviours=resolve_behaviours(_behaviour_pairs(args.behaviour)),
        faults=tuple(args.fault),
        seed=args.seed,
        **({"token": token_from_env} if token_from_env else {}),
    )

    def announce(info: dict) -> None:
        token = f"(from ${TARGET_TOKEN_ENV})" if token_from_env else settings.token
        print("bmscert reference target is up (Ctrl+C stops it)")
        print(f"  BMS endpoint : {info['endpoints']['bms']}")
        print(f"  ECS endpoint : {info['endpoints']['ecs']}")
        print(f"  project id   : {info['resources']['project_id']}")
        print(f"  token        : {token}  (send it as X-Auth-Token)")
        print(f"  rate window  : {settings.window_seconds} s")
        versions = f"{settings.min_microversion} to {settings.max_microversion}"
        print(f"  Nova dialect : {settings.dialect}, microversions {versions}")
        sys.stdout.flush()

    serve(settings, ready_file=args.ready_file, announce=announce)
    return ExitCode.OK


def _run(args: argparse.Namespace) -> int:
    from bmscert.certify import RunRequest, run_certification

    operations = [op.strip() for op in args.operations.split(",")] if args.operations else []
    request = RunRequest(
        profile_path=args.target,
        reports_root=args.reports,
        operations=[op for op in operations if op],
        skip_load=args.skip_load,
        faults=list(args.fault),
        dialect=args.dialect,
    )
    return run_certification(request)


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
