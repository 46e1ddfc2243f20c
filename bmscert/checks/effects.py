"""Checks on what a call did to the target, observed through a follow-up read.

A 200 with a well-formed body proves little if the server did not stop, the name did not
change or the quota did not move. These checks compare what a later read shows with what
the documents say the call does, and, for a refused call, that nothing changed at all.
Each result names the operation whose effect it judges.
"""

from __future__ import annotations

from typing import Any

from bmscert.checks.results import CheckResult, judged
from bmscert.core.client import Exchange


def server_reaches_state(
    operation: str, server_id: str, wanted: str, server: dict[str, Any], exchange: Exchange
) -> CheckResult:
    """After the call's job succeeded, the server shows the documented end state."""
    status, task = server.get("status"), server.get("OS-EXT-STS:task_state")
    return judged(
        operation,
        "server_reaches_state",
        status == wanted and task is None,
        f"server {server_id} {wanted} with no task once {operation}'s job succeeded",
        f"status {status}, task_state {task}",
        exchange,
    )


def effect_is_visible(
    operation: str, what: str, expected: Any, observed: Any, exchange: Exchange | None
) -> CheckResult:
    """A follow-up read shows the change the call made (a name, a metadata pair, a disk)."""
    return judged(
        operation,
        "effect_is_visible",
        observed == expected,
        f"{what}: {expected!r}",
        f"{what}: {observed!r}",
        exchange,
    )


def quota_is_consumed(
    operation: str, before: int, after: int, created: int, exchange: Exchange
) -> CheckResult:
    """Servers being created count against the project's quota at once."""
    return judged(
        operation,
        "quota_is_consumed",
        after == before + created,
        f"totalInstancesUsed {before} + {created} = {before + created}",
        f"totalInstancesUsed {after}",
        exchange,
    )


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    keys = sorted(set(before) | set(after))
    return [
        f"{key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in keys
        if before.get(key) != after.get(key)
    ]


def state_is_unchanged(
    operation: str, before: dict[str, Any], after: dict[str, Any], exchange: Exchange
) -> CheckResult:
    """A refused call changed nothing: the same reads give the same answers afterwards."""
    changes = _differences(before, after)
    return judged(
        operation,
        "state_is_unchanged",
        not changes,
        "no change after a refused call",
        "; ".join(changes[:5]),
        exchange,
    )
