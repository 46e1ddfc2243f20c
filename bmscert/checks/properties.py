"""Checks for the properties generated requests and stateful models assert.

A hand-written case knows the one answer it expects. A generated request does not; what it
can assert is a property that holds for every request of its kind:

- the target never answers 5xx (``no_server_error``);
- a valid request gets a documented success or a documented refusal (a 4xx in the family's
  envelope, a state conflict say), never another status (``answer_is_documented``);
- an invalid request changes nothing (``refusal_changed_nothing``, read back);
- two reads in a row agree (``reads_are_repeatable``);
- the same write twice leaves the same state (``repeating_changes_nothing``);
- after every step of a stateful model, what the target shows is what the model holds
  (``observed_state_matches_model``).

Like every check, each returns a ``CheckResult`` and never raises for a wrong target.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from bmscert.checks import expectations
from bmscert.checks.results import CheckResult, judged
from bmscert.core.catalogue import Operation
from bmscert.core.client import Exchange
from bmscert.core.profile import Profile

REFUSALS = frozenset({400, 403, 404, 409})
_VERSION_READS = {"ShowSpecifiedVersion", "show_api_version"}
_SHOWN = 300


def _status_text(statuses: Collection[int]) -> str:
    return " or ".join(str(status) for status in sorted(statuses))


def refusal_envelope(profile: Profile, operation: Operation, status: int) -> str:
    """The envelope of a documented refusal: the family's, except that an unknown version
    is an unknown API, which the gateway answers (or the BMS envelope, as the profile says)."""
    if operation.id in _VERSION_READS and status == 404:
        if operation.is_bms:
            return expectations.unknown_version(profile).envelope
        return "gateway"
    return operation.error_envelope


def no_server_error(exchange: Exchange, what: str = "request") -> CheckResult:
    """Whatever it is sent, the target answers; a 5xx is never a documented answer."""
    received = f"HTTP {exchange.status}"
    if exchange.status >= 500:
        received += f" with body {exchange.redacted_response_body(limit=_SHOWN)}"
    return judged(
        exchange.operation,
        "no_server_error",
        exchange.status < 500,
        f"a documented answer to a generated {what}, never a 5xx",
        received,
        exchange,
    )


def answer_is_documented(
    exchange: Exchange, successes: Collection[int], refusals: Collection[int] = REFUSALS
) -> CheckResult:
    """A valid request gets a documented success, or a documented refusal (a 4xx)."""
    allowed = set(successes) | set(refusals)
    received = f"HTTP {exchange.status}"
    if exchange.status not in allowed and exchange.response_body:
        received += f" with body {exchange.redacted_response_body(limit=_SHOWN)}"
    return judged(
        exchange.operation,
        "answer_is_documented",
        exchange.status in allowed,
        f"HTTP {_status_text(successes)} (documented success) or a documented refusal "
        f"({_status_text(refusals)})",
        received,
        exchange,
    )


def refused_as_invalid(exchange: Exchange, broken: str) -> CheckResult:
    """A request that breaks a documented rule is refused with a 4xx."""
    received = f"HTTP {exchange.status}"
    if exchange.response_body:
        received += f" with body {exchange.redacted_response_body(limit=_SHOWN)}"
    return judged(
        exchange.operation,
        "invalid_request_refused",
        400 <= exchange.status < 500,
        f"a 4xx refusal of a request that breaks a documented rule: {broken}",
        received,
        exchange,
    )


def refusal_changed_nothing(
    operation: str, before: Any, after: Any, exchange: Exchange, what: str = "state"
) -> CheckResult:
    """After a refused request, a follow-up read shows the state as it was."""
    return judged(
        operation,
        "refusal_changed_nothing",
        before == after,
        f"{what} unchanged by the refused request: {_shown(before)}",
        f"{what} became {_shown(after)}",
        exchange,
    )


def reads_are_repeatable(first: Exchange, second: Exchange) -> CheckResult:
    """Two identical reads in a row give the same status and the same body (apart from the
    id a gateway error names its own request by)."""
    bodies = _without_request_id(first.json), _without_request_id(second.json)
    same = first.status == second.status and bodies[0] == bodies[1]
    received = f"HTTP {first.status}, then HTTP {second.status}"
    if first.status == second.status:
        received += f"; bodies differ: {_difference(*bodies)}"
    return judged(
        first.operation,
        "reads_are_repeatable",
        same,
        "the same answer to the same read, twice in a row",
        received,
        second,
    )


def repeating_changes_nothing(
    operation: str, once: Any, twice: Any, exchange: Exchange, what: str
) -> CheckResult:
    """Sending the same replacement again leaves the state the first one left."""
    return judged(
        operation,
        "repeating_changes_nothing",
        once == twice,
        f"{what} after the same write twice as after once: {_shown(once)}",
        f"{what} {_shown(twice)}",
        exchange,
    )


def observed_state_matches_model(
    operation: str, what: str, model: Any, observed: Any, exchange: Exchange | None
) -> CheckResult:
    """After a step, what a read shows is what the model of the documented rules holds.

    ``operation`` is the step whose effect is judged; ``exchange`` is the read that shows it.
    """
    return judged(
        operation,
        "observed_state_matches_model",
        model == observed,
        f"{what} {_shown(model)}",
        f"{what} {_shown(observed)}",
        exchange,
    )


def _without_request_id(body: Any) -> Any:
    if isinstance(body, dict) and "request_id" in body:
        return {key: value for key, value in body.items() if key != "request_id"}
    return body


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _difference(first: Any, second: Any) -> str:
    if isinstance(first, dict) and isinstance(second, dict):
        changed = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
        return "members " + ", ".join(changed[:5])
    return f"{_shown(first)} against {_shown(second)}"
