"""The one-screen summary printed at the end of a run, rendered with rich."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from bmscert.core.runfiles import RunFiles

_VERDICT_STYLE = {"pass": "green", "fail": "bold red", "not-run": "dim"}


def _throttling_cell(entry: dict[str, Any]) -> str:
    parts = []
    probe = entry["throttling"]["probe"]
    if probe:
        first = probe.get("first_429_at")
        parts.append(f"429 after {probe['accepted_before_429']}" if first else "no 429!")
    load = entry["throttling"]["load"]
    if load:
        estimate = load.get("estimate_per_window")
        shape = load.get("shape", "")
        parts.append(f"≈{estimate:g} {shape}" if estimate is not None else shape)
    return ", ".join(parts) or "-"


def print_summary(summary: dict[str, Any], files: RunFiles, console: Console | None = None):
    console = console or Console(width=120)
    table = Table(title=f"bmscert run {summary['run_id']}", title_justify="left")
    columns = ("operation", "checks ok", "failed", "warn", "probe; enforced ceiling", "verdict")
    for column in columns:
        table.add_column(
            column, justify="right" if column in ("checks ok", "failed", "warn") else "left"
        )

    not_run = 0
    for operation_id, entry in summary["operations"].items():
        if entry["verdict"] == "not-run":
            not_run += 1
            continue
        checks = entry["checks"]
        style = _VERDICT_STYLE[entry["verdict"]]
        table.add_row(
            operation_id,
            str(checks["passed"]),
            str(checks["failed"]),
            str(checks["warning"]),
            _throttling_cell(entry),
            f"[{style}]{entry['verdict']}[/{style}]",
        )
    console.print(table)

    totals = summary["totals"]
    phases = ", ".join(
        f"{p['name']} {p['status']} ({p['seconds']:.0f} s)" for p in summary["phases"]
    )
    console.print(
        f"{totals['checks_passed']} checks passed, {totals['checks_failed']} failed, "
        f"{totals['checks_warning']} warnings; {totals['tests_passed']} tests passed, "
        f"{totals['tests_failed']} failed, {totals['tests_skipped']} skipped; "
        f"{not_run} operations not run."
    )
    if phases:
        console.print(f"phases: {phases}")
    for phase in summary["phases"]:
        if phase["status"] == "error" and phase.get("note"):
            console.print(f"[bold red]{phase['name']} error:[/bold red] {phase['note']}")
    if summary["error"]:
        console.print(f"[bold red]error:[/bold red] {summary['error']}")
    style = "green" if summary["verdict"] == "pass" else "bold red"
    console.print(
        f"verdict: [{style}]{summary['verdict'].upper()}[/{style}] in "
        f"{summary['duration_seconds']:.0f} s; reports in {files.path}"
    )
