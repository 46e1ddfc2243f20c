"""Enforcing each operation's documented per-minute ceiling, per project.

The count per window is always the documented ceiling; only the window's length is a
setting, so a test can use a few seconds where the real cloud uses a minute.

How the gateway counts is not documented, so the shape of the limiter is a setting, and the
load analysis must tell the shapes apart from traffic alone:

- ``fixed``: a counter per window that starts at the first call and resets when it ends;
- ``moving``: a log of calls; a call is admitted if fewer than the ceiling fall in the last
  window;
- ``sliding``: the weighted two-window counter many gateways use as a cheap moving window;
- ``token-bucket``: a bucket refilled at ceiling/window per second, holding a tenth of the
  ceiling as burst allowance.

A real gateway may also throttle what the documents give no ceiling (the Nova subset); the
target can be given such undocumented limits, so that the load phase's discovery mode has
something to find.

Start, reboot and stop share one URI; whether they share one counter is the behaviour
``action_counters`` (``separate`` by default: the documents give each its own ceiling).

Counting comes from libraries: ``limits`` for the window shapes, ``token-bucket`` for the
bucket.
"""

from __future__ import annotations

import token_bucket
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

from bmscert.core.catalogue import Operation

WINDOW_ALGORITHMS = {
    "fixed": FixedWindowRateLimiter,
    "moving": MovingWindowRateLimiter,
    "sliding": SlidingWindowCounterRateLimiter,
}
ALGORITHMS = (*WINDOW_ALGORITHMS, "token-bucket")
BURST_FRACTION = 0.1
SHARED_ACTION_KEY = "baremetalservers/action"
_ACTIONS = frozenset(
    {"BatchStartBaremetalServers", "BatchRebootBaremetalServers", "BatchStopBaremetalServers"}
)


class CeilingEnforcer:
    """Admits a call if its operation's counter for this caller still has room."""

    def __init__(
        self,
        window_seconds: int,
        algorithm: str = "fixed",
        shared_actions: bool = False,
        scales: dict[str, float] | None = None,
        undocumented: dict[str, int] | None = None,
    ):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown limiter algorithm {algorithm!r}")
        self.window_seconds = window_seconds
        self.algorithm = algorithm
        self.shared_actions = shared_actions
        self.scales = scales or {}
        self.undocumented = undocumented or {}
        self._limiter = WINDOW_ALGORITHMS.get(algorithm, FixedWindowRateLimiter)(MemoryStorage())
        self._items: dict[str, RateLimitItemPerSecond] = {}
        self._buckets: dict[str, token_bucket.Limiter] = {}

    def counter_key(self, operation: Operation) -> str:
        """The counter a call draws on: its operation's own, or the shared action counter."""
        if self.shared_actions and operation.id in _ACTIONS:
            return SHARED_ACTION_KEY
        return operation.id

    def admit(self, operation: Operation, caller: str) -> bool:
        ceiling = self.ceiling_of(operation)
        if ceiling is None:
            return True
        key = self.counter_key(operation)
        if self.algorithm == "token-bucket":
            return self._bucket(key, ceiling).consume(f"{key}/{caller}")
        item = self._items.get(key)
        if item is None:
            item = self._items[key] = RateLimitItemPerSecond(ceiling, self.window_seconds)
        return self._limiter.hit(item, key, caller)

    def ceiling_of(self, operation: Operation) -> int | None:
        """The documented ceiling, unless a deliberate fault scales it; for an operation with
        none documented, the undocumented limit the target was given, if any."""
        if operation.ceiling_per_minute is None:
            return self.undocumented.get(operation.id)
        return max(1, round(operation.ceiling_per_minute * self.scales.get(operation.id, 1.0)))

    def _bucket(self, key: str, ceiling: int) -> token_bucket.Limiter:
        bucket = self._buckets.get(key)
        if bucket is None:
            rate = ceiling / self.window_seconds
            capacity = max(1, int(ceiling * BURST_FRACTION))
            bucket = token_bucket.Limiter(rate, capacity, token_bucket.MemoryStorage())
            self._buckets[key] = bucket
        return bucket

    def describe(self, operation: Operation) -> str:
        """The policy as the gateway words it in a 429 message."""
        return f"limit:{self.ceiling_of(operation)},time:{self.window_seconds} second"
