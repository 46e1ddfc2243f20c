"""Settings of the reference target: where it listens, its credentials, its window, its
choices.

``dialect`` picks which documents the Nova API follows where they disagree (``huawei``: the
BMS pages; ``openstack``: upstream Nova). ``min_microversion`` and ``max_microversion`` are
the range the ECS endpoint advertises and accepts; 2.60 is the newest a Huawei page names.

``accounts`` gives the secrets of the seeded users by role (``main`` and ``peer`` in the first
project, ``other`` and ``other_peer`` in the second); whatever an account leaves empty is
generated when the target starts. ``token`` is the main user's ready token. Tokens IAM issues
live ``token_seconds``; ``clock_offset_seconds`` sets the target's clock apart from the
host's (its ``Date`` header, token expiry and the AK/SK clock window all follow it), so a
test can show what a skewed client sees.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from bmscert.core.behaviours import resolve_behaviours

LOOPBACK = "127.0.0.1"
ROLES = ("main", "peer", "other", "other_peer")


@dataclass(frozen=True)
class Account:
    """The secrets of one seeded user; an empty field is generated at start."""

    password: str = ""
    token: str = ""
    expired_token: str = ""
    access_key: str = ""
    secret_key: str = ""
    security_token: str = ""


@dataclass(frozen=True)
class TargetSettings:
    """Everything that shapes the target's behaviour; tests shorten the window."""

    host: str = LOOPBACK
    bms_port: int = 0
    ecs_port: int = 0
    iam_port: int = 0
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
    accounts: dict[str, Account] = field(default_factory=dict)
    token_seconds: float = 24 * 3600.0
    clock_offset_seconds: float = 0.0
    dialect: str = "huawei"
    min_microversion: str = "2.1"
    max_microversion: str = "2.60"

    def now(self) -> float:
        """The target's clock, which a test may set apart from the host's."""
        return time.time() + self.clock_offset_seconds
