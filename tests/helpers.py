"""Running the real ``bmscert`` command, as a user would, from the project's tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def run_bmscert(
    *args: object, env: dict | None = None, timeout: float = 300, cwd: Path | None = None
):
    """``python -m bmscert ARGS`` in a subprocess; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "bmscert", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        check=False,
    )


def run_folders(reports: Path) -> list[Path]:
    """The run folders under a reports root, without what runs share there (the generated
    suites' example database lives in ``.hypothesis``)."""
    return sorted(path for path in reports.iterdir() if not path.name.startswith("."))


def only_summary(reports: Path) -> dict:
    """The summary.json of the single run under ``reports``."""
    runs = run_folders(reports)
    assert len(runs) == 1, f"expected one run folder, found {runs}"
    return json.loads((runs[0] / "summary.json").read_text(encoding="utf-8"))


def assert_one_clean_error_line(result: subprocess.CompletedProcess) -> str:
    """The command failed with one ``bmscert: error:`` line and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("bmscert: error: ")
    return lines[0]


def run_many(runs: dict, reports: Path, workers: int = 3, timeout: float = 300) -> dict:
    """Several ``bmscert`` commands side by side, each with its own reports folder.

    ``runs`` maps a key to the command's arguments (without ``--reports``). Most of a run's
    time is spent waiting on jobs and pacing, so a few at once cost little more than one.
    Returns ``{key: (CompletedProcess, summary or None)}``.
    """
    from concurrent.futures import ThreadPoolExecutor

    def one(key, arguments):
        folder = reports / str(key)
        folder.mkdir(parents=True)
        result = run_bmscert(*arguments, "--reports", folder, timeout=timeout)
        summaries = list(folder.glob("*/summary.json"))
        summary = json.loads(summaries[0].read_text(encoding="utf-8")) if summaries else None
        return key, (result, summary)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(lambda item: one(*item), runs.items()))


def remote_profile(
    tmp_path: Path,
    info: dict,
    extra: str = "",
    allow: tuple[str, ...] = ("readonly", "mutating", "destructive"),
) -> Path:
    """A remote profile for a reference target the test itself runs on loopback, allowed to
    change state by default (loopback needs no confirmation), without probes or load."""
    resources = {
        key: value
        for key, value in info["resources"].items()
        if key not in ("project_id", "api_version")
    }
    lines = [
        "name: loopback",
        "target:",
        "  kind: remote",
        f"  endpoints: {json.dumps(info['endpoints'])}",
        f"  project_id: {info['resources']['project_id']}",
        f"isolation: {{project_id: {info['identities']['other']['project_id']}}}",
        "window_seconds: 60",
        f"safety: {{allow: [{', '.join(allow)}]}}",
        "pacing: {fraction_of_ceiling: 0.9}",
        "throttle: {probe: false}",
        "load: {enabled: false}",
        "jobs: {poll_seconds: 0.1, timeout_minutes: 1}",
        f"resources: {json.dumps(resources)}",
    ]
    path = tmp_path / "loopback.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path
