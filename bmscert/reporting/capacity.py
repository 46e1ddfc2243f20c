"""The capacity report: what a capacity planner reads after a load phase.

``capacity.html`` shows, per operation, the documented and the enforced ceiling, the
limiter's shape, the verdicts, and plots: calls offered, accepted and throttled per second
over the steps, and latency percentiles per window. The data behind it is written beside
it (``capacity.json`` from the analysis, ``capacity-timeseries.csv`` from the samples), so
every figure can be recomputed. Plots are drawn with matplotlib, the page with jinja2.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from bmscert.checks.job_latency import read_job_samples
from bmscert.checks.samples import Sample, percentiles, read_samples
from bmscert.core.events import read_events
from bmscert.core.runfiles import RunFiles

TIMESERIES_COLUMNS = (
    "operation",
    "second",
    "issued",
    "accepted",
    "throttled",
    "failed",
    "dropped",
    "p50_ms",
    "p99_ms",
)
_OUTCOMES = ("accepted", "throttled", "failed", "dropped")


def _per_second(samples: list[Sample]) -> dict[str, dict[int, dict[str, Any]]]:
    series: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for sample in samples:
        second = math.floor(sample.sent)
        bucket = series[sample.operation].setdefault(
            second, {**dict.fromkeys(_OUTCOMES, 0), "latencies": []}
        )
        bucket[sample.outcome] += 1
        if sample.outcome != "dropped":
            bucket["latencies"].append(sample.ms)
    return series


def write_timeseries(path: Path, series: dict[str, dict[int, dict[str, Any]]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TIMESERIES_COLUMNS)
        for operation, seconds in sorted(series.items()):
            for second, bucket in sorted(seconds.items()):
                figures = percentiles(bucket["latencies"])
                issued = bucket["accepted"] + bucket["throttled"] + bucket["failed"]
                writer.writerow(
                    [
                        operation,
                        second,
                        issued,
                        bucket["accepted"],
                        bucket["throttled"],
                        bucket["failed"],
                        bucket["dropped"],
                        figures.get("p50_ms", ""),
                        figures.get("p99_ms", ""),
                    ]
                )


def _png(figure: Figure) -> str:
    """The figure as base64 PNG; matplotlib's object API needs no global backend state."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _step_lines(axis, steps: list[dict[str, Any]]) -> None:
    for step in steps:
        axis.axvline(step["start"], color="#bbbbbb", linewidth=0.6)
        axis.text(
            step["start"],
            1.0,
            f" {step['label']}",
            fontsize=6,
            color="#666666",
            transform=axis.get_xaxis_transform(),
            va="top",
        )


def throughput_plot(operation: str, seconds: dict[int, dict], finding: dict, steps) -> str:
    """Offered, accepted and throttled calls per second, with the documented rate."""
    xs = sorted(seconds)
    figure = Figure(figsize=(7, 2.4))
    axis = figure.subplots()
    issued = [sum(seconds[x][k] for k in _OUTCOMES) for x in xs]
    axis.plot(xs, issued, label="offered", color="#555555", linewidth=1)
    axis.plot(xs, [seconds[x]["accepted"] for x in xs], label="accepted", color="#2a9d8f")
    axis.plot(xs, [seconds[x]["throttled"] for x in xs], label="throttled (429)", color="#e76f51")
    documented = finding["documented_per_window"] / finding["window_seconds"]
    if documented:
        axis.axhline(
            documented, linestyle="--", color="#264653", linewidth=0.8, label="documented ceiling"
        )
    _step_lines(axis, steps)
    axis.set_title(operation, fontsize=9)
    axis.set_xlabel("seconds", fontsize=7)
    axis.set_ylabel("calls / s", fontsize=7)
    axis.tick_params(labelsize=7)
    axis.legend(fontsize=6, loc="upper left")
    return _png(figure)


def latency_plot(series: dict[str, dict[int, dict]], window: int, steps) -> str:
    """p50, p90 and p99 latency per window across all operations."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for seconds in series.values():
        for second, bucket in seconds.items():
            buckets[second // max(1, window // 2)].extend(bucket["latencies"])
    xs = sorted(buckets)
    figure = Figure(figsize=(7, 2.6))
    axis = figure.subplots()
    for key, colour in (("p50_ms", "#2a9d8f"), ("p90_ms", "#e9c46a"), ("p99_ms", "#e76f51")):
        values = [percentiles(buckets[x]).get(key, 0) for x in xs]
        axis.plot([x * max(1, window // 2) for x in xs], values, label=key[:3], color=colour)
    _step_lines(axis, steps)
    axis.set_ylabel("latency (ms)", fontsize=7)
    axis.set_xlabel("seconds", fontsize=7)
    axis.tick_params(labelsize=7)
    axis.legend(fontsize=6, loc="upper left")
    return _png(figure)


def job_latency_plot(latencies: dict[str, list[float]]) -> str | None:
    """Distribution of end-to-end job latency per job type."""
    if not latencies:
        return None
    kinds = sorted(latencies)
    figure = Figure(figsize=(7, 2.6))
    axis = figure.subplots()
    axis.boxplot([latencies[kind] for kind in kinds], tick_labels=kinds, vert=False)
    axis.set_xlabel("seconds from request to terminal state", fontsize=7)
    axis.tick_params(labelsize=7)
    return _png(figure)


def _verdicts_by_operation(files: RunFiles) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in read_events(files.run_events):
        if event.get("kind") == "check" and event.get("phase") == "load":
            found[event["operation"]].append(event)
    return found


def _job_section(files: RunFiles) -> tuple[dict[str, Any], str | None]:
    """The job-latency findings and their plot, when the job cycle ran."""
    if not files.job_latency.is_file():
        return {}, None
    findings = json.loads(files.job_latency.read_text(encoding="utf-8"))
    latencies: dict[str, list[float]] = defaultdict(list)
    for sample in read_job_samples(files.scenario("jobs")):
        if sample.latency is not None:
            latencies[sample.operation].append(sample.latency)
    return findings, job_latency_plot(latencies)


def _scenario_data(files: RunFiles, name: str) -> tuple[dict, dict] | None:
    """A scenario's plan and its per-second series, if it ran."""
    folder = files.scenario(name)
    if not (folder / "plan.json").is_file():
        return None
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    return plan, _per_second(read_samples(folder))


def _ceiling_section(files: RunFiles) -> dict[str, Any]:
    """Per-operation findings, plots and step tables of the ceiling and discovery scenarios."""
    empty = {"operations": [], "steps": [], "window": None, "latency_plot": None}
    if not files.capacity.is_file():
        return empty
    findings = json.loads(files.capacity.read_text(encoding="utf-8"))
    scenarios = {name: _scenario_data(files, name) for name in ("ceiling", "discovery")}
    scenarios = {name: data for name, data in scenarios.items() if data is not None}
    if not scenarios:
        return empty
    series = {op: seconds for _, data in scenarios.values() for op, seconds in data.items()}
    write_timeseries(files.path / "capacity-timeseries.csv", series)
    verdicts = _verdicts_by_operation(files)
    operations = []
    for operation, finding in findings.items():
        plan, data = scenarios.get(
            "discovery" if finding["shape"] == "discovered" else "ceiling",
            next(iter(scenarios.values())),
        )
        operations.append(
            {
                "id": operation,
                "finding": finding,
                "checks": verdicts.get(operation, []),
                "plot": throughput_plot(
                    operation, data.get(operation, {}), finding, plan["steps"]
                ),
            }
        )
    main_plan, main_series = scenarios.get("ceiling", next(iter(scenarios.values())))
    return {
        "operations": operations,
        "steps": main_plan["steps"],
        "window": main_plan["window_seconds"],
        "latency_plot": latency_plot(main_series, main_plan["window_seconds"], main_plan["steps"]),
    }


def write_capacity_report(files: RunFiles) -> Path | None:
    """Render ``capacity.html`` (and ``capacity-timeseries.csv``); None if no load ran."""
    if not (files.capacity.is_file() or files.job_latency.is_file()):
        return None
    ceiling = _ceiling_section(files)
    jobs, job_plot = _job_section(files)
    environment = Environment(
        loader=PackageLoader("bmscert.reporting", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    page = environment.get_template("capacity.html.j2").render(
        run_id=files.run_id, jobs=jobs, job_plot=job_plot, **ceiling
    )
    files.capacity_report.write_text(page, encoding="utf-8")
    return files.capacity_report
