"""Keeping the harness's own traffic under a fraction of every documented ceiling.

A certification run against a real region must never trip a ceiling by accident: that would
throttle the tenant's own workloads and make the run's results meaningless. Each operation
gets a moving-window budget of ``fraction x ceiling`` per rate window; a call that would
exceed it waits. The limiter comes from the ``limits`` library.
"""

from __future__ import annotations

import math
import threading
import time

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from bmscert.core.catalogue import Operation


class Pacer:
    """Blocks until an operation may be called again within its budget."""

    def __init__(self, fraction: float, window_seconds: int):
        self.fraction = fraction
        self.window_seconds = window_seconds
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[str, RateLimitItemPerSecond] = {}
        self._lock = threading.Lock()

    def budget(self, operation: Operation) -> int | None:
        """Calls allowed per window, or None when the operation has no documented ceiling."""
        if operation.ceiling_per_minute is None:
            return None
        return max(1, math.floor(operation.ceiling_per_minute * self.fraction))

    @staticmethod
    def _key(operation: Operation) -> str:
        """Operations on one URI share a budget: whether start, stop and reboot share one
        ceiling is undocumented, and pacing must stay under it either way."""
        return f"{operation.method} {operation.path}"

    def _item(self, operation: Operation) -> RateLimitItemPerSecond | None:
        key = self._key(operation)
        with self._lock:
            if key not in self._items:
                budget = self.budget(operation)
                if budget is None:
                    return None
                self._items[key] = RateLimitItemPerSecond(budget, self.window_seconds)
            return self._items[key]

    def wait_turn(self, operation: Operation) -> float:
        """Wait until ``operation`` fits its budget; returns the seconds spent waiting."""
        item = self._item(operation)
        if item is None:
            return 0.0
        key = self._key(operation)
        waited = 0.0
        while not self._limiter.hit(item, key):
            reset_at = self._limiter.get_window_stats(item, key).reset_time
            pause = min(max(reset_at - time.time(), 0.01), 1.0)
            time.sleep(pause)
            waited += pause
        return waited
