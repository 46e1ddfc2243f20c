"""The throttle probe against simulated limiters: correct, lax, and too slow to judge."""

from bmscert.checks.throttling import probe_ceiling, throttled_past_ceiling
from tests.checks.test_responses import exchange


class FixedWindow:
    """A limiter that admits ``ceiling`` calls, then refuses until ``reset`` calls later."""

    def __init__(self, ceiling, already_used=0):
        self.ceiling = ceiling
        self.used = already_used

    def send(self):
        self.used += 1
        return exchange(429 if self.used > self.ceiling else 200, {"resetpwd_flag": "True"})


def test_a_limiter_that_throttles_past_the_ceiling_passes():
    outcome = probe_ceiling("ShowResetPwd", FixedWindow(50).send, 50, 60)
    result = throttled_past_ceiling(outcome)
    assert result.outcome == "passed"
    assert outcome.accepted == 50
    assert outcome.sent == 51


def test_prior_use_of_the_window_is_tolerated():
    outcome = probe_ceiling("ShowResetPwd", FixedWindow(50, already_used=30).send, 50, 60)
    assert throttled_past_ceiling(outcome).outcome == "passed"


def test_a_target_that_never_throttles_fails_after_twice_the_ceiling():
    outcome = probe_ceiling("ShowResetPwd", FixedWindow(10**9).send, 50, 60)
    result = throttled_past_ceiling(outcome)
    assert result.failed
    assert outcome.sent == 102
    assert "no 429 in 102 calls" in result.received


def test_a_probe_that_runs_out_of_time_is_inconclusive_not_failed():
    outcome = probe_ceiling("ShowResetPwd", FixedWindow(10**9).send, 10**6, 0)
    assert throttled_past_ceiling(outcome).outcome == "warning"
