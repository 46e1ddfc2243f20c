"""Verdicts on what an operation did under steady load.

The load phase offers each operation a fixed fraction of its documented ceiling. Below the
ceiling a correct target accepts every call: a 429 there means the enforced ceiling is
stricter than documented, and any other failure means the target cannot sustain a load the
documents promise.
"""

from __future__ import annotations

from dataclasses import dataclass

from bmscert.checks.results import CheckResult


@dataclass
class LoadTotals:
    operation: str
    accepted: int = 0
    throttled: int = 0
    failed: int = 0

    @property
    def sent(self) -> int:
        return self.accepted + self.throttled + self.failed


def no_throttling_below_ceiling(totals: LoadTotals, fraction: float) -> CheckResult | None:
    """Offered less than the ceiling, the operation is never throttled."""
    if fraction >= 1:
        return None
    expected = f"no 429 at {fraction:.0%} of the documented ceiling"
    outcome = "passed" if totals.throttled == 0 else "failed"
    received = f"{totals.throttled} of {totals.sent} calls throttled"
    return CheckResult(
        "no_throttling_below_ceiling", totals.operation, outcome, expected, received
    )


def no_failures_under_load(totals: LoadTotals) -> CheckResult:
    """Under a load the documents allow, no call fails for another reason than throttling."""
    outcome = "passed" if totals.failed == 0 else "failed"
    received = f"{totals.failed} of {totals.sent} calls failed (not 2xx, not 429)"
    return CheckResult(
        "no_failures_under_load", totals.operation, outcome, "every call answered 2xx", received
    )


def load_was_offered(totals: LoadTotals, expected_calls: float) -> CheckResult:
    """The generator offered (nearly) the planned number of calls; otherwise the rest is moot."""
    enough = totals.sent >= 0.8 * expected_calls
    return CheckResult(
        "load_was_offered",
        totals.operation,
        "passed" if enough else "warning",
        f"about {expected_calls:.0f} calls offered",
        f"{totals.sent} calls offered",
    )
