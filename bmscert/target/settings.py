"""Settings of the reference target: where it listens, its token, its window, its choices.

``dialect`` picks which documents the Nova API follows where they disagree (``huawei``: the
BMS pages; ``openstack``: upstream Nova). ``min_microversion`` and ``max_microversion`` are
the range the ECS endpoint advertises and accepts; 2.60 is the newest a Huawei page names.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from bmscert.core.behaviours import resolve_behaviours

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class TargetSettings:
    """Everything that shapes the target's behaviour; tests shorten the window."""

    host: str = LOOPBACK
    bms_port: int = 0
    ecs_port: int = 0
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    window_seconds: int = 60
    behaviours: dict[str, str] = field(default_factory=lambda: resolve_behaviours(None))
    faults: tuple[str, ...] = ()
    seed: str = "bmscert"
    region: str = "cn-north-4"
    job_seconds: dict[str, float] = field(default_factory=dict)
    limiter: str = "fixed"
    job_failure_rate: float = 0.0
    quota_instances: int | None = None
    undocumented_ceilings: dict[str, int] = field(default_factory=dict)
    access_keys: tuple[str, ...] = ()
    dialect: str = "huawei"
    min_microversion: str = "2.1"
    max_microversion: str = "2.60"
