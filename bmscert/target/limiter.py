"""Enforcing each operation's documented per-minute ceiling, per project.

The count per window is always the documented ceiling; only the window's length is a
setting, so a test can use a few seconds where the real cloud uses a minute. The counting
itself comes from the ``limits`` library.
"""

from __future__ import annotations

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

from bmscert.core.catalogue import Operation

ALGORITHMS = {
    "fixed": FixedWindowRateLimiter,
    "moving": MovingWindowRateLimiter,
    "sliding": SlidingWindowCounterRateLimiter,
}


class CeilingEnforcer:
    """Admits a call if its operation's window for this caller still has room."""

    def __init__(self, window_seconds: int, algorithm: str = "fixed"):
        self.window_seconds = window_seconds
        self._limiter = ALGORITHMS[algorithm](MemoryStorage())
        self._items: dict[str, RateLimitItemPerSecond] = {}

    def _item(self, operation: Operation) -> RateLimitItemPerSecond:
        item = self._items.get(operation.id)
        if item is None:
            assert operation.ceiling_per_minute is not None
            item = RateLimitItemPerSecond(operation.ceiling_per_minute, self.window_seconds)
            self._items[operation.id] = item
        return item

    def admit(self, operation: Operation, caller: str) -> bool:
        if operation.ceiling_per_minute is None:
            return True
        return self._limiter.hit(self._item(operation), operation.id, caller)

    def describe(self, operation: Operation) -> str:
        """The policy as the gateway words it in a 429 message."""
        return f"limit:{operation.ceiling_per_minute},time:{self.window_seconds} second"
