"""What another tenant, or another user, may see of this one's resources: nothing.

Two ways to reach a resource of project A from project B, and what each must get:

- through A's URL with B's credentials: the project in the URL is not the caller's. The BMS
  pages document ``Common.0018`` (HTTP 400, BMS envelope); upstream Nova answers 400
  ``badRequest`` ("Malformed request URL"), which is what the Nova calls are held to;
- through B's own URL naming A's ids: A's resources must not exist for B, so the reply is
  exactly the one for an id that exists nowhere (``unknown_server``, ``unknown_job``, Nova's
  404 ``itemNotFound``), never a success;

and a list read by B must name none of A's resources. Key pairs belong to users, so the same
holds between two users of one project.
"""

from __future__ import annotations

import json
from collections.abc import Collection

from bmscert.checks.expectations import ExpectedError
from bmscert.checks.results import CheckResult
from bmscert.core.catalogue import Operation
from bmscert.core.client import Exchange

FOREIGN_PROJECT_FAULT = "badRequest"


def foreign_project(operation: Operation) -> ExpectedError:
    """The refusal of a call whose URL names a project that is not the caller's; on the
    Nova API the fault's name is ``FOREIGN_PROJECT_FAULT``."""
    if operation.is_bms:
        return ExpectedError(400, "bms", "Common.0018")
    return ExpectedError(400, "nova")


def no_foreign_resource_listed(
    exchange: Exchange, foreign: Collection[str], whose: str
) -> CheckResult:
    """A list read names none of ``foreign`` (ids or names of ``whose`` resources)."""
    text = json.dumps(exchange.json) if exchange.json is not None else ""
    leaked = sorted(item for item in foreign if item and item in text)
    expected = f"none of the {len(foreign)} resources of {whose}"
    if exchange.status >= 300:
        received = f"HTTP {exchange.status}, not a list"
        outcome = "failed"
    elif leaked:
        received = f"{len(leaked)} of them listed: {', '.join(leaked[:5])}"
        outcome = "failed"
    else:
        received = "none of them listed"
        outcome = "passed"
    return CheckResult(
        "no_foreign_resource_listed",
        exchange.operation,
        outcome,
        expected,
        received,
        request_id=exchange.request_id,
        curl=exchange.curl() if outcome == "failed" else "",
    )
