"""The ceiling analysis against simulated limiters of every shape, fed the planned arrivals.

The simulators admit or refuse each planned arrival the way a gateway of that shape would,
with a known ceiling; the analysis sees only the resulting samples, as it would from a real
run, and must recover the shape and the ceiling.
"""

from collections import deque

import pytest

from bmscert.checks.ceiling import action_counters, analyse_operation, verdicts
from bmscert.checks.samples import Sample
from bmscert.runners.schedule import Stream, arrivals, ceiling_steps, describe_steps, segments_for

WINDOW = 10


class FixedWindow:
    def __init__(self, ceiling):
        self.ceiling, self.start, self.count = ceiling, None, 0

    def admit(self, t):
        if self.start is None or t >= self.start + WINDOW:
            self.start, self.count = t, 0
        self.count += 1
        return self.count <= self.ceiling


class MovingWindow:
    def __init__(self, ceiling):
        self.ceiling, self.log = ceiling, deque()

    def admit(self, t):
        while self.log and self.log[0] <= t - WINDOW:
            self.log.popleft()
        if len(self.log) < self.ceiling:
            self.log.append(t)
            return True
        return False


class TokenBucket:
    def __init__(self, ceiling):
        self.rate, self.capacity = ceiling / WINDOW, max(1, ceiling // 10)
        self.tokens, self.last = float(self.capacity), 0.0

    def admit(self, t):
        self.tokens = min(self.capacity, self.tokens + (t - self.last) * self.rate)
        self.last = t
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def simulate(limiter, documented, operation="ShowResetPwd", offset=0.0):
    steps = ceiling_steps(WINDOW)
    stream = Stream(
        operation, "GET", "http://x", "/", documented, segments_for(documented, WINDOW, steps)
    )
    samples = []
    for sequence, t, step in arrivals(stream):
        status = 200 if limiter.admit(t + offset) else 429
        outcome = "accepted" if status == 200 else "throttled"
        samples.append(Sample(t, operation, sequence, step, status, 1.0, outcome, ""))
    planned = {segment.step: segment.arrivals for segment in stream.segments}
    return analyse_operation(
        operation, documented, WINDOW, samples, list(describe_steps(steps)), planned
    )


@pytest.mark.parametrize("ceiling", [50, 100, 500, 2000])
@pytest.mark.parametrize(
    ("limiter", "shape"),
    [
        (FixedWindow, "fixed-window"),
        (MovingWindow, "sliding-window"),
        (TokenBucket, "token-bucket"),
    ],
)
def test_the_shape_and_ceiling_are_recovered_within_two_percent(limiter, shape, ceiling):
    finding = simulate(limiter(ceiling), ceiling)
    assert finding.shape == shape
    assert abs(finding.estimate - ceiling) <= 0.02 * ceiling
    assert finding.interval[0] <= finding.estimate <= finding.interval[1]


@pytest.mark.parametrize("phase", [0.0, 2.5, 7.1])
def test_a_fixed_window_is_recovered_whatever_its_alignment(phase):
    limiter = FixedWindow(100)
    limiter.admit(-phase)
    finding = simulate(limiter, 100)
    assert finding.shape == "fixed-window"
    assert finding.estimate == 100


def _outcomes(finding):
    return {r.check: r.outcome for r in verdicts(finding, tolerance=0.05)}


def test_a_faithful_limiter_passes_every_verdict():
    outcomes = _outcomes(simulate(FixedWindow(100), 100))
    assert set(outcomes.values()) == {"passed"}


@pytest.mark.parametrize("scale", [1.2, 0.8])
def test_a_ceiling_twenty_percent_off_fails_the_estimate(scale):
    finding = simulate(FixedWindow(round(100 * scale)), 100)
    assert finding.estimate == pytest.approx(100 * scale, rel=0.02)
    assert _outcomes(finding)["enforced_ceiling_matches_documented"] == "failed"


def test_a_ceiling_too_strict_throttles_below_the_ceiling():
    outcomes = _outcomes(simulate(FixedWindow(70), 100))
    assert outcomes["no_throttling_below_ceiling"] == "failed"


def test_a_target_that_never_throttles_fails_and_gives_a_lower_bound():
    class Never:
        def admit(self, t):
            return True

    finding = simulate(Never(), 100)
    outcomes = _outcomes(finding)
    assert outcomes["throttled_past_ceiling"] == "failed"
    assert outcomes["enforced_ceiling_matches_documented"] == "failed"
    assert finding.estimate >= 140


def test_a_limiter_that_stays_throttled_after_the_overload_fails_recovery():
    class Sticky(FixedWindow):
        def admit(self, t):
            return super().admit(t) and t < 75

    assert _outcomes(simulate(Sticky(100), 100))["recovers_after_the_window"] == "failed"


ACTIONS = (
    "BatchStartBaremetalServers",
    "BatchRebootBaremetalServers",
    "BatchStopBaremetalServers",
)


def simulate_together(make_limiter, documented):
    """The three action streams at once, in time order, each through ``make_limiter(op)``."""
    steps = ceiling_steps(WINDOW)
    segments = segments_for(documented, WINDOW, steps)
    merged = sorted(
        (t + 0.001 * index, op, sequence, step)
        for index, op in enumerate(ACTIONS)
        for sequence, t, step in arrivals(
            Stream(op, "POST", "http://x", "/", documented, segments)
        )
    )
    samples = {op: [] for op in ACTIONS}
    for t, op, sequence, step in merged:
        status = 200 if make_limiter(op).admit(t) else 429
        outcome = "accepted" if status == 200 else "throttled"
        samples[op].append(Sample(t, op, sequence, step, status, 1.0, outcome, ""))
    planned = {segment.step: segment.arrivals for segment in segments}
    return {
        op: analyse_operation(
            op, documented, WINDOW, samples[op], list(describe_steps(steps)), planned
        )
        for op in ACTIONS
    }


def test_shared_action_counters_are_told_from_separate_ones():
    shared_counter = FixedWindow(50)
    separate_counters = {op: FixedWindow(50) for op in ACTIONS}

    shared = simulate_together(lambda op: shared_counter, 50)
    separate = simulate_together(lambda op: separate_counters[op], 50)

    assert action_counters(shared, 0.05) == "shared"
    assert action_counters(separate, 0.05) == "separate"
    assert _outcomes(shared["BatchStartBaremetalServers"])["no_throttling_below_ceiling"] == (
        "failed"
    )


def _ramp_samples(limit_per_window, top=64):
    from bmscert.runners.schedule import ramp_segments

    segments = ramp_segments(1, 2, top, WINDOW / 2, 1.5 * WINDOW)
    stream = Stream("list_servers", "GET", "http://x", "/", None, segments)
    limiter = FixedWindow(limit_per_window) if limit_per_window else None
    samples = []
    for sequence, t, step in arrivals(stream):
        admitted = limiter.admit(t) if limiter else True
        status = 200 if admitted else 429
        samples.append(
            Sample(
                t,
                "list_servers",
                sequence,
                step,
                status,
                1.0,
                "accepted" if admitted else "throttled",
                "",
            )
        )
    steps = [{"label": s.step, "fraction": 0.0, "start": s.start, "end": s.end} for s in segments]
    return samples, steps, {s.step: s.arrivals for s in segments}


def test_discovery_finds_an_undocumented_limit_and_warns():
    from bmscert.checks.ceiling import discover, discovery_verdicts

    finding = discover("list_servers", WINDOW, *_ramp_samples(300))
    [verdict] = discovery_verdicts(finding)
    assert finding.estimate is not None
    assert verdict.outcome == "warning"
    assert "onset" in finding.method


def test_discovery_without_a_limit_passes_and_reports_the_top_rate():
    from bmscert.checks.ceiling import discover, discovery_verdicts

    finding = discover("list_servers", WINDOW, *_ramp_samples(None))
    assert finding.estimate is None
    assert discovery_verdicts(finding)[0].outcome == "passed"
    assert finding.best_window == 640
