"""Checks on a single reply, each named for the property it asserts.

Every check takes an ``Exchange`` and what the documents say, and returns a ``CheckResult``;
none raises for a wrong target. Deciding what to do with a failure is the runner's job.
"""

from __future__ import annotations

from collections.abc import Collection

from bmscert.checks.results import CheckResult, Outcome
from bmscert.core.client import Exchange
from bmscert.core.schemas import SchemaStore
from bmscert.core.views import SchemaView

_MAX_PROBLEMS_SHOWN = 5


def _result(
    exchange: Exchange, check: str, outcome: Outcome, expected: str = "", received: str = ""
) -> CheckResult:
    failed_or_warned = outcome != "passed"
    return CheckResult(
        check=check,
        operation=exchange.operation,
        outcome=outcome,
        expected=expected,
        received=received,
        request_id=exchange.request_id,
        curl=exchange.curl() if failed_or_warned else "",
    )


def _summarise(problems: list) -> str:
    shown = "; ".join(str(problem) for problem in problems[:_MAX_PROBLEMS_SHOWN])
    hidden = len(problems) - _MAX_PROBLEMS_SHOWN
    return shown + (f"; and {hidden} more" if hidden > 0 else "")


def _status_text(statuses: Collection[int]) -> str:
    return " or ".join(str(status) for status in sorted(statuses))


def status_is_documented(exchange: Exchange, documented: Collection[int]) -> CheckResult:
    """The reply's status is one the documents give for this case."""
    outcome: Outcome = "passed" if exchange.status in documented else "failed"
    received = f"HTTP {exchange.status}"
    if outcome == "failed" and exchange.response_body:
        received += f" with body {exchange.redacted_response_body(limit=600)}"
    return _result(
        exchange, "status_is_documented", outcome, f"HTTP {_status_text(documented)}", received
    )


def body_is_json(exchange: Exchange) -> CheckResult:
    """The reply carries a JSON document."""
    if exchange.json is not None:
        return _result(exchange, "body_is_json", "passed")
    preview = exchange.response_body[:200].decode("utf-8", "replace") or "(empty body)"
    return _result(exchange, "body_is_json", "failed", "a JSON body", preview)


def body_is_empty(exchange: Exchange) -> CheckResult:
    """A reply documented without a body carries none."""
    if not exchange.response_body.strip():
        return _result(exchange, "body_is_empty", "passed")
    return _result(
        exchange,
        "body_is_empty",
        "failed",
        "no body",
        exchange.redacted_response_body(limit=600),
    )


def body_matches_schema(
    exchange: Exchange, store: SchemaStore, schema: str, view: SchemaView | None = None
) -> CheckResult:
    """The reply body satisfies every documented rule of its schema (as ``view`` reads it)."""
    problems = store.problems(schema, exchange.json, view=view)
    if not problems:
        return _result(exchange, "body_matches_schema", "passed")
    reading = f" as {view.dialect} reads it at {view.microversion}" if view else ""
    return _result(
        exchange,
        "body_matches_schema",
        "failed",
        f"a body valid against schemas/{schema}{reading}",
        _summarise(problems),
    )


def no_undocumented_members(
    exchange: Exchange,
    store: SchemaStore,
    schema: str,
    *,
    strict: bool,
    view: SchemaView | None = None,
) -> CheckResult:
    """The reply carries no member the documents do not list (a warning unless strict)."""
    extra = store.undocumented_members(schema, exchange.json, view=view)
    if not extra:
        return _result(exchange, "no_undocumented_members", "passed")
    return _result(
        exchange,
        "no_undocumented_members",
        "failed" if strict else "warning",
        f"only the members schemas/{schema} lists",
        _summarise(extra),
    )


def carries_request_id(exchange: Exchange) -> CheckResult:
    """Every reply names its request with an ``X-Request-Id`` header."""
    if exchange.response_headers.get("x-request-id"):
        return _result(exchange, "carries_request_id", "passed")
    return _result(
        exchange, "carries_request_id", "failed", "an X-Request-Id header", "no such header"
    )


def error_envelope_matches(
    exchange: Exchange, store: SchemaStore, envelope: str, code: str | None = None
) -> CheckResult:
    """An error reply uses the documented envelope, and the documented code when one is due."""
    schema = f"errors/{envelope}.json"
    body = exchange.json
    problems = store.problems(schema, body) if body is not None else ["(no JSON body)"]
    expected = f"the {envelope} error envelope" + (f" with code {code}" if code else "")
    if problems:
        return _result(
            exchange, "error_envelope_matches", "failed", expected, _summarise(problems)
        )
    received_code = error_code_of(body)
    if code is not None and received_code != code:
        return _result(
            exchange, "error_envelope_matches", "failed", expected, f"code {received_code}"
        )
    return _result(exchange, "error_envelope_matches", "passed")


def error_code_of(body: object) -> str | None:
    """The error code in any of the three envelopes, or None."""
    if not isinstance(body, dict):
        return None
    if "error_code" in body:
        return str(body["error_code"])
    nested = body.get("error")
    if isinstance(nested, dict) and "code" in nested:
        return str(nested["code"])
    for fault in body.values():
        if isinstance(fault, dict) and "code" in fault:
            return str(fault["code"])
    return None
