"""The conformance phase of a run: pytest with bmscert's plugin, in a bounded process.

It returns a ``PhaseResult``; what the target did is in the event files, never inferred from
pytest's exit code alone.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bmscert.core.profile import Profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.paths import conformance_dir

_PYTEST_NO_TESTS = 5


def tail(path: Path) -> str:
    if not path.is_file():
        return ""
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return lines[-1] if lines else ""


def bounded(command: list[str], env: dict[str, str], log: Path, cwd: Path, timeout: float):
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
    profile: Profile,
    files: RunFiles,
    env: dict[str, str],
    operations: list[str],
    *,
    suites: tuple[str, ...] = (),
    seed: int | None = None,
    examples_database: Path | None = None,
) -> PhaseResult:
    """Run the suites; ``suites`` narrows them (hand-written, property, stateful), ``seed``
    and ``examples_database`` make the generated ones repeatable."""
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
    if suites:
        command += ["--bmscert-suites", ",".join(suites)]
    if seed is not None:
        command += ["--bmscert-seed", str(seed)]
    if examples_database is not None:
        command += ["--bmscert-hypothesis-db", str(examples_database)]

    print("conformance: running the suites ...", flush=True)
    started = time.monotonic()
    limit = profile.conformance_minutes * 60
    completed = bounded(command, env, files.conformance_log, files.path, limit)
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
    note = f"pytest exit code {code}: {tail(files.conformance_log)}"
    return PhaseResult("conformance", "error", seconds, note)
