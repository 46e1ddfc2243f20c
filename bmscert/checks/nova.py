"""Checks that only Nova replies need: the microversion echo, the fault, the state named.

Nova answers in its own fault envelope (``{"itemNotFound": {"code": 404, ...}}``), names the
state that blocks a call in its 409 message, and echoes the microversion it used in two
headers. Each check here asserts one of those properties and, like every check, returns a
``CheckResult`` and never raises for a wrong target.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bmscert.checks.results import CheckResult, Outcome
from bmscert.core import microversion
from bmscert.core.client import Exchange


def _result(
    exchange: Exchange, check: str, passed: bool, expected: str, received: str
) -> CheckResult:
    outcome: Outcome = "passed" if passed else "failed"
    return CheckResult(
        check=check,
        operation=exchange.operation,
        outcome=outcome,
        expected=expected if not passed else "",
        received=received if not passed else "",
        request_id=exchange.request_id,
        curl=exchange.curl() if not passed else "",
    )


def microversion_is_echoed(exchange: Exchange, version: str) -> CheckResult:
    """The reply names the microversion it was served at, in both version headers."""
    new, legacy = microversion.echoed(exchange.response_headers)
    expected = (
        f"{microversion.HEADER}: {microversion.SERVICE} {version} and "
        f"{microversion.LEGACY_HEADER}: {version}"
    )
    received = f"{microversion.HEADER}: {new or '(absent)'}; "
    received += f"{microversion.LEGACY_HEADER}: {legacy or '(absent)'}"
    return _result(
        exchange,
        "microversion_is_echoed",
        new == version and legacy == version,
        expected,
        received,
    )


def no_microversion_echoed(exchange: Exchange) -> CheckResult:
    """A refused microversion is not echoed: the reply used none."""
    new, legacy = microversion.echoed(exchange.response_headers)
    return _result(
        exchange,
        "no_microversion_echoed",
        new is None and legacy is None,
        "no microversion headers (the version was refused)",
        f"{microversion.HEADER}: {new}; {microversion.LEGACY_HEADER}: {legacy}",
    )


def fault_of(body: Any) -> tuple[str, str]:
    """(fault name, message) of a Nova fault body, or empty texts when it is not one."""
    if isinstance(body, dict) and len(body) == 1:
        name, fault = next(iter(body.items()))
        if isinstance(fault, dict):
            return name, str(fault.get("message", ""))
    return "", ""


def fault_is(exchange: Exchange, name: str) -> CheckResult:
    """The Nova fault is the one documented for the status (itemNotFound for a 404, ...)."""
    received, _ = fault_of(exchange.json)
    return _result(
        exchange,
        "fault_is",
        received == name,
        f"a {name} fault",
        f"{received or 'no Nova fault'}: {exchange.redacted_response_body(limit=300)}",
    )


def fault_names(exchange: Exchange, words: Iterable[str]) -> CheckResult:
    """The fault's message names what blocked the call (the state, the key, ...)."""
    _, message = fault_of(exchange.json)
    missing = [word for word in words if word not in message]
    return _result(
        exchange,
        "fault_names_the_cause",
        not missing,
        "a message naming " + ", ".join(repr(word) for word in words),
        f"message {message!r}",
    )


def header_is_present(exchange: Exchange, name: str) -> CheckResult:
    """The reply carries a header the documents promise (Location on a created tag)."""
    return _result(
        exchange,
        "header_is_present",
        bool(exchange.response_headers.get(name.lower())),
        f"a {name} header",
        "no such header",
    )


def nothing_changed(exchange: Exchange, what: str, before: Any, after: Any) -> CheckResult:
    """A refused request left the state as it was; ``exchange`` is the refused request."""
    return _result(
        exchange,
        "refusal_changed_nothing",
        before == after,
        f"{what} unchanged: {before!r}",
        f"{what} became {after!r}",
    )


def effect_observed(exchange: Exchange, what: str, expected: Any, observed: Any) -> CheckResult:
    """A follow-up read shows the effect the call documents; ``exchange`` is the read."""
    return _result(
        exchange,
        "effect_observed",
        expected == observed,
        f"{what} {expected!r}",
        f"{what} {observed!r}",
    )
