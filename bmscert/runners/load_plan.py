"""What the load phase drives, at what rate, and how its samples are tallied.

This module never imports Locust: Locust patches the standard library with gevent on
import, so everything a test or the orchestrator needs lives here, and only
``bmscert.runners.locust_users`` (loaded by ``load/locustfile.py``) touches Locust.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.profile import Profile

PLAN_ENV = "BMSCERT_LOAD_PLAN"
EVENTS_ENV = "BMSCERT_LOAD_EVENTS"


@dataclass(frozen=True)
class PlannedLoad:
    """One operation's share of the load: where to send it and how often."""

    operation_id: str
    method: str
    base_url: str
    path: str
    rate_per_second: float
    ceiling_per_window: int

    @property
    def expected_per_window(self) -> float:
        return self.rate_per_second


def _loadable(operation: Operation, resources: dict[str, str]) -> bool:
    """Read-only BMS operations with a ceiling whose path ids the profile supplies."""
    if not (operation.is_bms and operation.safety == "readonly"):
        return False
    if operation.ceiling_per_minute is None:
        return False
    needed = [name for name in operation.path_params if name != "project_id"]
    return all(resources.get(name) for name in needed)


def plan_load(
    profile: Profile, catalogue: Catalogue, operations: Iterable[str] = ()
) -> list[PlannedLoad]:
    """The operations to drive at ``load_fraction`` of their ceilings, in catalogue order."""
    wanted = set(operations)
    resources = {"project_id": profile.project_id, **profile.resources}
    plan = []
    for operation in catalogue:
        if wanted and operation.id not in wanted:
            continue
        if not _loadable(operation, resources):
            continue
        ceiling = operation.ceiling_per_minute
        assert ceiling is not None
        plan.append(
            PlannedLoad(
                operation_id=operation.id,
                method=operation.method,
                base_url=profile.endpoint(operation.endpoint),
                path=operation.render_path(resources),
                rate_per_second=profile.load_fraction * ceiling / profile.window_seconds,
                ceiling_per_window=ceiling,
            )
        )
    return plan


def classify(status: int) -> str:
    """How the load analysis counts a reply."""
    if 200 <= status < 300:
        return "accepted"
    if status == 429:
        return "throttled"
    return "failed"


class LoadTally:
    """Counts replies per operation, per second of the run, per outcome."""

    def __init__(self, started: float):
        self.started = started
        self._counts: dict[tuple[str, int], Counter] = defaultdict(Counter)
        self._statuses: dict[str, Counter] = defaultdict(Counter)
        self._latencies: dict[str, list[float]] = defaultdict(list)

    def add(self, operation_id: str, status: int, elapsed_ms: float, at: float) -> None:
        second = max(0, math.floor(at - self.started))
        self._counts[(operation_id, second)][classify(status)] += 1
        self._statuses[operation_id][status] += 1
        self._latencies[operation_id].append(elapsed_ms)

    def events(self) -> Iterator[dict[str, Any]]:
        for (operation_id, second), counts in sorted(self._counts.items()):
            yield {
                "kind": "load_sample",
                "operation": operation_id,
                "second": second,
                "accepted": counts["accepted"],
                "throttled": counts["throttled"],
                "failed": counts["failed"],
            }
        for operation_id, latencies in sorted(self._latencies.items()):
            yield {
                "kind": "load_latency",
                "operation": operation_id,
                "statuses": {str(k): v for k, v in self._statuses[operation_id].items()},
                **percentiles(latencies),
            }


def percentiles(samples: list[float]) -> dict[str, float]:
    """Exact percentiles (nearest rank) of raw samples, in milliseconds."""
    if not samples:
        return {"count": 0}
    ordered = sorted(samples)

    def rank(fraction: float) -> float:
        index = max(0, math.ceil(fraction * len(ordered)) - 1)
        return round(ordered[index], 3)

    return {
        "count": len(ordered),
        "p50_ms": rank(0.50),
        "p90_ms": rank(0.90),
        "p99_ms": rank(0.99),
        "max_ms": round(ordered[-1], 3),
    }
