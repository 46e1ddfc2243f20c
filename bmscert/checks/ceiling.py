"""From raw load samples to the ceiling a target enforces, and verdicts on it.

The ceiling scenario offers each operation a staircase of rates (50, 80, 100, 120, 150 % of
its documented ceiling, then a recovery step at 50 %). From the samples alone this module
tells, per operation:

- the limiter's shape. A fixed window admits calls in blocks: the first ``ceiling`` calls of
  each window, then nothing until it resets, so admitted and throttled calls alternate in
  long runs, about two switches per window. A moving or sliding window, or a token bucket,
  frees room continuously once saturated, so admitted and throttled calls interleave;
- the enforced ceiling, with an interval. For a fixed window it is the count admitted between
  two consecutive resets (a reset is where admissions resume after a run of 429s). For the
  interleaving shapes it is the count admitted in a window-long interval, taken at many
  positions after the first 429, when the limiter is saturated;
- whether the estimate agrees with the documented ceiling within the profile's tolerance,
  whether anything was throttled below the ceiling or nothing above it, whether 429 replies
  carried the documented envelope, and whether the target recovered one window after the
  overload ended.

A token bucket's burst allowance shows as a few more calls admitted in some windows than in
a saturated moving window; ``token-bucket`` is reported when an interleaving limiter admits
noticeably more than its steady rate in its best window.
"""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bmscert.checks.results import CheckResult
from bmscert.checks.samples import Sample, percentiles

BELOW_CEILING = 0.8
ABOVE_CEILING = 1.2
FIXED_SWITCHES_PER_WINDOW = 6
BLOCK_SWITCH_FRACTION = 0.05
BURST_EXCESS = 1.05
INTERVAL_POSITIONS = 21


@dataclass
class StepStats:
    label: str
    fraction: float
    start: float
    end: float
    planned: int = 0
    issued: int = 0
    dropped: int = 0
    accepted: int = 0
    throttled: int = 0
    failed: int = 0
    latency: dict[str, float] = field(default_factory=dict)


@dataclass
class CeilingFinding:
    """Everything the analysis concluded about one operation."""

    operation: str
    documented: int
    window_seconds: int
    steps: list[StepStats]
    shape: str = "not throttled"
    estimate: float | None = None
    interval: tuple[float, float] | None = None
    method: str = ""
    switches_per_window: float = 0.0
    best_window: int = 0
    throttle_problems: list[str] = field(default_factory=list)
    success_problems: list[str] = field(default_factory=list)
    late_throttles: int = 0

    def as_data(self) -> dict[str, Any]:
        return {
            "documented_per_window": self.documented,
            "window_seconds": self.window_seconds,
            "shape": self.shape,
            "estimate_per_window": self.estimate,
            "interval95": list(self.interval) if self.interval else None,
            "method": self.method,
            "switches_per_window": round(self.switches_per_window, 2),
            "best_window": self.best_window,
            "steps": [vars(step) for step in self.steps],
        }


def _step_stats(
    samples: list[Sample], steps: list[dict[str, Any]], planned: dict[str, int]
) -> list[StepStats]:
    stats = {
        step["label"]: StepStats(
            step["label"],
            step["fraction"],
            step["start"],
            step["end"],
            planned.get(step["label"], 0),
        )
        for step in steps
    }
    latencies: dict[str, list[float]] = {label: [] for label in stats}
    for sample in samples:
        entry = stats.get(sample.step)
        if entry is None:
            continue
        if sample.outcome == "dropped":
            entry.dropped += 1
            continue
        entry.issued += 1
        setattr(entry, sample.outcome, getattr(entry, sample.outcome) + 1)
        latencies[sample.step].append(sample.ms)
    for label, entry in stats.items():
        entry.latency = percentiles(latencies[label])
    return list(stats.values())


def _overload(steps: list[StepStats]) -> tuple[float, float] | None:
    """The contiguous stretch of steps offered above the ceiling (recovery excluded)."""
    over = [s for s in steps if s.fraction > 1.0 and s.label != "recovery"]
    if not over:
        return None
    return min(s.start for s in over), max(s.end for s in over)


def _switches(decisions: list[bool]) -> int:
    return sum(1 for a, b in itertools.pairwise(decisions) if a != b)


def _counts_in_windows(times: list[float], starts: list[float], window: float) -> list[int]:
    return [bisect.bisect_left(times, s + window) - bisect.bisect_left(times, s) for s in starts]


def _positions(first: float, last: float) -> list[float]:
    if last <= first:
        return [first]
    step = (last - first) / (INTERVAL_POSITIONS - 1)
    return [first + i * step for i in range(INTERVAL_POSITIONS)]


def _interval95(counts: list[float], effective_n: float) -> tuple[float, float]:
    """A normal-approximation 95 % interval for the mean count, never narrower than ±0.5.

    Counts from overlapping intervals are not independent, so the standard error uses the
    number of non-overlapping windows the counts span, not the number of counts.
    """
    mean = statistics.fmean(counts)
    spread = statistics.pstdev(counts) if len(counts) > 1 else 0.0
    half = max(0.5, 1.96 * spread / math.sqrt(max(1.0, effective_n)))
    return round(mean - half, 2), round(mean + half, 2)


def _fixed_window_counts(over: list[Sample], window: float) -> list[int]:
    """Admitted calls between consecutive resets (admissions resuming after 429s)."""
    resets = [i for i in range(1, len(over)) if over[i].admitted and not over[i - 1].admitted]
    counts = []
    for begin, end in itertools.pairwise(resets):
        span = over[end].sent - over[begin].sent
        if 0.8 * window <= span <= 1.2 * window:
            counts.append(sum(1 for s in over[begin:end] if s.admitted))
    return counts


def estimate(finding: CeilingFinding, samples: list[Sample]) -> None:
    """Fill in the shape and estimate from the samples of one operation.

    Calls are placed on the timeline by their reply instant (see ``Sample.decided``).
    """
    period = _overload(finding.steps)
    if period is None:
        finding.method = "no step above the ceiling was planned"
        return
    window = finding.window_seconds
    over = sorted(
        (s for s in samples if period[0] <= s.sent < period[1] and s.status != 0),
        key=lambda sample: sample.decided,
    )
    admitted_times = [s.decided for s in over if s.admitted]
    throttled = [s for s in over if s.status == 429]
    windows_spanned = (period[1] - period[0]) / window
    finding.switches_per_window = _switches([s.admitted for s in over]) / windows_spanned
    positions = _positions(period[0], period[1] - window)
    finding.best_window = max(_counts_in_windows(admitted_times, positions, window), default=0)

    if not throttled:
        finding.method = "no 429 while offered above the ceiling; lower bound only"
        finding.estimate = float(finding.best_window)
        return
    blocks = finding.switches_per_window <= max(
        FIXED_SWITCHES_PER_WINDOW, BLOCK_SWITCH_FRACTION * len(over) / windows_spanned
    )
    counts = _fixed_window_counts(over, window) if blocks else []
    if counts:
        finding.shape = "fixed-window"
        finding.estimate = float(statistics.median_high(counts))
        finding.interval = _interval95(counts, len(counts))
        finding.method = f"admitted between {len(counts) + 1} consecutive resets"
        return
    _estimate_from_intervals(finding, admitted_times, throttled[0].decided, period[1], blocks)


def _estimate_from_intervals(
    finding: CeilingFinding,
    admitted_times: list[float],
    saturated_from: float,
    period_end: float,
    blocks: bool,
) -> None:
    """Admitted per window-long interval once the limiter is saturated.

    Saturation starts at the first 429; when less than a window of it remains, the last
    window of the overload is the one interval left.
    """
    window = finding.window_seconds
    last_start = period_end - window
    starts = (
        _positions(saturated_from, last_start) if last_start > saturated_from else [last_start]
    )
    counts = _counts_in_windows(admitted_times, starts, window)
    finding.estimate = float(statistics.median_high(counts))
    finding.interval = _interval95(counts, max(1.0, (period_end - saturated_from) / window))
    finding.method = f"admitted per window-long interval at {len(counts)} positions"
    if blocks:
        finding.shape = "fixed-window"
        return
    bursty = finding.best_window > BURST_EXCESS * finding.estimate
    finding.shape = "token-bucket" if bursty else "sliding-window"


def analyse_operation(
    operation: str,
    documented: int,
    window_seconds: int,
    samples: list[Sample],
    steps: list[dict[str, Any]],
    planned: dict[str, int],
) -> CeilingFinding:
    finding = CeilingFinding(
        operation, documented, window_seconds, _step_stats(samples, steps, planned)
    )
    estimate(finding, samples)
    finding.throttle_problems = sorted({s.detail for s in samples if s.status == 429 and s.detail})
    finding.success_problems = sorted(
        {s.detail for s in samples if s.outcome == "accepted" and s.detail}
    )
    recovery = next((s for s in finding.steps if s.label == "recovery"), None)
    if recovery is not None:
        settled = recovery.start + window_seconds
        finding.late_throttles = sum(
            1 for s in samples if s.step == "recovery" and s.status == 429 and s.sent >= settled
        )
    return finding


def _result(
    finding: CeilingFinding,
    check: str,
    passed: bool,
    expected: str,
    received: str,
    warn_only: bool = False,
) -> CheckResult:
    outcome = "passed" if passed else ("warning" if warn_only else "failed")
    return CheckResult(check, finding.operation, outcome, expected, received)


def verdicts(finding: CeilingFinding, tolerance: float) -> list[CheckResult]:
    """The checks a ceiling finding passes or fails."""
    documented = finding.documented
    steps = {s.label: s for s in finding.steps}
    below = [s for s in finding.steps if s.fraction <= BELOW_CEILING and s.label != "recovery"]
    above = [s for s in finding.steps if s.fraction >= ABOVE_CEILING]
    results = []

    low, high = documented * (1 - tolerance), documented * (1 + tolerance)
    estimate_text = (
        "no estimate"
        if finding.estimate is None
        else f"{finding.estimate:g} per window ({finding.shape}; {finding.method}"
        + (
            f"; 95% interval {finding.interval[0]:g}-{finding.interval[1]:g})"
            if finding.interval
            else ")"
        )
    )
    matches = (
        finding.estimate is not None
        and finding.interval is not None
        and (low <= finding.estimate <= high)
    )
    results.append(
        _result(
            finding,
            "enforced_ceiling_matches_documented",
            matches,
            f"{documented} per {finding.window_seconds} s window (±{tolerance:.0%})",
            estimate_text,
        )
    )

    early = {s.label: s.throttled for s in below if s.throttled}
    results.append(
        _result(
            finding,
            "no_throttling_below_ceiling",
            not early,
            f"no 429 at or below {BELOW_CEILING:.0%} of the ceiling",
            f"429s per step: {early}" if early else "none",
        )
    )
    if above:
        throttled = sum(s.throttled for s in above)
        results.append(
            _result(
                finding,
                "throttled_past_ceiling",
                throttled > 0,
                f"429s at {', '.join(s.label for s in above)}",
                f"{throttled} calls throttled",
            )
        )
    results.append(
        _result(
            finding,
            "throttle_reply_is_documented",
            not finding.throttle_problems,
            "429 replies in the gateway envelope with APIGW.0308 and a request id",
            "; ".join(finding.throttle_problems) or "as documented",
        )
    )
    if finding.success_problems:
        results.append(
            _result(
                finding,
                "replies_keep_their_shape_under_load",
                False,
                "success bodies valid against their schema",
                "; ".join(finding.success_problems[:3]),
            )
        )
    if "recovery" in steps:
        results.append(
            _result(
                finding,
                "recovers_after_the_window",
                finding.late_throttles == 0,
                "no 429 once a window has passed since the overload",
                f"{finding.late_throttles} late 429s",
            )
        )
    planned = sum(s.planned for s in finding.steps)
    dropped = sum(s.dropped for s in finding.steps)
    results.append(
        _result(
            finding,
            "load_was_offered",
            dropped <= 0.01 * planned,
            "at most 1% of planned arrivals dropped by the generator",
            f"{dropped} of {planned} dropped",
            warn_only=True,
        )
    )
    return results


def action_counters(findings: dict[str, CeilingFinding], tolerance: float) -> str:
    """Whether start, reboot and stop share one counter, judged from their estimates."""
    group = [
        findings.get(op)
        for op in (
            "BatchStartBaremetalServers",
            "BatchRebootBaremetalServers",
            "BatchStopBaremetalServers",
        )
    ]
    if any(f is None or f.estimate is None for f in group):
        return "undetermined"
    documented = group[0].documented
    total = sum(f.estimate for f in group)
    if abs(total - documented) <= tolerance * documented * 1.5:
        return "shared"
    if all(abs(f.estimate - documented) <= tolerance * documented for f in group):
        return "separate"
    return "undetermined"


def status_mix(samples: list[Sample]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(Counter(s.status for s in samples).items())}


ONSET_SHARE = 0.05
ONSET_MINIMUM = 3


def discover(
    operation: str,
    window_seconds: int,
    samples: list[Sample],
    steps: list[dict[str, Any]],
    planned: dict[str, int],
) -> CeilingFinding:
    """The limit, if any, of an operation whose ceiling is undocumented.

    The ramp doubles the offered rate every half window; the first step where 429s are more
    than a few percent of the calls is the onset, and the limit is estimated as in the
    ceiling scenario, from window-long intervals once the limiter is saturated.
    """
    finding = CeilingFinding(operation, 0, window_seconds, _step_stats(samples, steps, planned))
    finding.throttle_problems = sorted({s.detail for s in samples if s.status == 429 and s.detail})
    onset = next(
        (
            s
            for s in finding.steps
            if s.throttled >= max(ONSET_MINIMUM, ONSET_SHARE * max(s.issued, 1))
        ),
        None,
    )
    if onset is None:
        top = max(finding.steps, key=lambda s: s.end, default=None)
        finding.method = "no sustained 429 up to the ramp's top rate"
        finding.best_window = (
            round(top.issued / (top.end - top.start) * window_seconds) if top else 0
        )
        return finding
    live = sorted(
        (s for s in samples if s.status != 0 and s.sent >= onset.start),
        key=lambda sample: sample.decided,
    )
    admitted_times = [s.decided for s in live if s.admitted]
    first_429 = next(s.decided for s in live if s.status == 429)
    end = max(s.end for s in finding.steps)
    finding.switches_per_window = _switches([s.admitted for s in live]) / max(
        (end - onset.start) / window_seconds, 1e-9
    )
    finding.best_window = max(
        _counts_in_windows(
            admitted_times, _positions(onset.start, end - window_seconds), window_seconds
        ),
        default=0,
    )
    _estimate_from_intervals(finding, admitted_times, first_429, end, blocks=False)
    finding.shape = "discovered"
    finding.method = f"onset at {onset.label}; " + finding.method
    return finding


def discovery_verdicts(finding: CeilingFinding) -> list[CheckResult]:
    """No pass or fail on a limit nobody documented: a discovered one is a warning to read."""
    if finding.estimate is None:
        results = [
            _result(
                finding,
                "no_undocumented_throttling",
                True,
                "no ceiling documented, so none enforced",
                f"none up to about {finding.best_window} calls per window",
            )
        ]
    else:
        results = [
            _result(
                finding,
                "no_undocumented_throttling",
                False,
                "no ceiling documented, so none enforced",
                f"throttled from about {finding.estimate:g} calls per window ({finding.method})",
                warn_only=True,
            )
        ]
    if finding.throttle_problems:
        results.append(
            _result(
                finding,
                "throttle_reply_is_documented",
                False,
                "429 replies in the gateway envelope with APIGW.0308",
                "; ".join(finding.throttle_problems),
            )
        )
    return results
