"""Pushing one operation past its ceiling, and judging what came back.

The probe sends one request after another until the first 429 or a bound. A fixed-window
limiter can reset in the middle of a burst, so ``ceiling + 1`` requests do not always reach a
429; ``2 x ceiling + 2`` requests always cross a full window's worth, whatever the window's
alignment or algorithm, as long as they are sent within two windows. Estimating the exact
ceiling belongs to the load analysis; the probe establishes that throttling exists and that
its reply is the documented one.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bmscert.checks.results import CheckResult
from bmscert.core.client import Exchange


@dataclass
class ProbeOutcome:
    operation: str
    ceiling: int
    window_seconds: int
    limit: int
    sent: int = 0
    accepted: int = 0
    elapsed_seconds: float = 0.0
    throttled: Exchange | None = None
    others: Counter = field(default_factory=Counter)

    def as_event(self) -> dict:
        return {
            "operation": self.operation,
            "ceiling_per_window": self.ceiling,
            "window_seconds": self.window_seconds,
            "sent": self.sent,
            "accepted_before_429": self.accepted,
            "first_429_at": self.sent if self.throttled is not None else None,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "other_statuses": dict(self.others),
        }


def probe_ceiling(
    operation: str, send: Callable[[], Exchange], ceiling: int, window_seconds: int
) -> ProbeOutcome:
    """Send until the first 429, ``2 x ceiling + 2`` requests, or two windows have passed."""
    outcome = ProbeOutcome(operation, ceiling, window_seconds, limit=2 * ceiling + 2)
    started = time.monotonic()
    deadline = started + 2 * window_seconds
    while outcome.sent < outcome.limit and time.monotonic() < deadline:
        exchange = send()
        outcome.sent += 1
        if exchange.status == 429:
            outcome.throttled = exchange
            break
        if 200 <= exchange.status < 300:
            outcome.accepted += 1
        else:
            outcome.others[exchange.status] += 1
    outcome.elapsed_seconds = time.monotonic() - started
    return outcome


def throttled_past_ceiling(outcome: ProbeOutcome) -> CheckResult:
    """Past its documented ceiling, an operation is refused with 429."""
    expected = (
        f"HTTP 429 once more than {outcome.ceiling} calls fall in one "
        f"{outcome.window_seconds}-second window"
    )
    if outcome.throttled is not None:
        return CheckResult(
            "throttled_past_ceiling",
            outcome.operation,
            "passed",
            expected,
            f"first 429 after {outcome.accepted} accepted calls",
            outcome.throttled.request_id,
        )
    received = (
        f"no 429 in {outcome.sent} calls over {outcome.elapsed_seconds:.1f} s "
        f"({outcome.accepted} accepted"
        + (f", other statuses {dict(outcome.others)}" if outcome.others else "")
        + ")"
    )
    if outcome.sent < outcome.limit:
        received += "; inconclusive: the probe could not send enough calls within two windows"
        return CheckResult(
            "throttled_past_ceiling", outcome.operation, "warning", expected, received
        )
    return CheckResult("throttled_past_ceiling", outcome.operation, "failed", expected, received)
