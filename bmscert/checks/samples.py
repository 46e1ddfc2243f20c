"""Load samples: one row per planned arrival, as the load processes wrote them.

A sample is ``accepted`` (2xx), ``throttled`` (429), ``failed`` (anything else, including
a transport error, status 0) or ``dropped`` (the generator could not fire it on time; the
target never saw it). Whether the gateway *admitted* a call is a different question: every
reply but a 429 or a transport error means it passed the limiter.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

SAMPLE_COLUMNS = ("sent", "operation", "sequence", "step", "status", "ms", "outcome", "detail")


@dataclass(frozen=True)
class Sample:
    sent: float
    operation: str
    sequence: int
    step: str
    status: int
    ms: float
    outcome: str
    detail: str

    @property
    def decided(self) -> float:
        """When the gateway most likely decided: the reply's arrival, in plan seconds.

        Under load a call waits in queues before the limiter sees it; the reply's instant is
        much closer to the decision than the send instant, and keeps calls in the order the
        limiter saw them.
        """
        return self.sent + self.ms / 1000

    @property
    def admitted(self) -> bool:
        """The call passed the limiter (whatever the handler then answered)."""
        return self.status not in (0, 429)


def classify(status: int) -> str:
    """How the load analysis counts a reply."""
    if 200 <= status < 300:
        return "accepted"
    if status == 429:
        return "throttled"
    return "failed"


def read_samples(folder: Path) -> list[Sample]:
    """Every sample under ``folder`` (one CSV per load process), sorted by send instant."""
    samples = []
    for path in sorted(folder.glob("samples-*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                samples.append(
                    Sample(
                        sent=float(row["sent"]),
                        operation=row["operation"],
                        sequence=int(row["sequence"]),
                        step=row["step"],
                        status=int(row["status"]),
                        ms=float(row["ms"]),
                        outcome=row["outcome"],
                        detail=row["detail"],
                    )
                )
    samples.sort(key=lambda sample: sample.sent)
    return samples


def percentiles(values: list[float]) -> dict[str, float]:
    """Exact percentiles (nearest rank) of raw samples, in milliseconds."""
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def rank(fraction: float) -> float:
        return round(ordered[max(0, math.ceil(fraction * len(ordered)) - 1)], 3)

    return {
        "count": len(ordered),
        "p50_ms": rank(0.50),
        "p90_ms": rank(0.90),
        "p95_ms": rank(0.95),
        "p99_ms": rank(0.99),
        "max_ms": round(ordered[-1], 3),
    }
