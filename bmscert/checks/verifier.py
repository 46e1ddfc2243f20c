"""Running the usual group of checks on an exchange, and recording every verdict.

A conformance test sends a request, then asks the verifier whether the reply is a documented
success or a documented error. The verifier runs the checks that apply, records each result
as a ``check`` event, hands failures and warnings to an attachment hook (allure, in the pytest
plugin), and fails the test with a message that names the operation, what was documented,
what came back, the request id and a redacted curl line.

A Nova reply is also checked for the microversion it echoes, and its body is read as the
profile's dialect reads the schema at that microversion (``bmscert.core.views``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import NoReturn

from bmscert.checks import nova, responses
from bmscert.checks.results import CheckResult
from bmscert.core.catalogue import Catalogue
from bmscert.core.client import Exchange
from bmscert.core.events import EventRecorder
from bmscert.core.profile import Profile
from bmscert.core.schemas import SchemaStore
from bmscert.core.views import SchemaView


class CheckFailed(AssertionError):
    """The target departed from the documents; the message says where and how."""


def _raise(message: str) -> NoReturn:
    raise CheckFailed(message)


class Verifier:
    def __init__(
        self,
        profile: Profile,
        catalogue: Catalogue,
        store: SchemaStore,
        recorder: EventRecorder,
        *,
        attach: Callable[[CheckResult, Exchange | None], None] | None = None,
        fail: Callable[[str], NoReturn] = _raise,
    ):
        self.profile = profile
        self.catalogue = catalogue
        self.store = store
        self.recorder = recorder
        self._attach = attach
        self._fail = fail
        self.test_id = ""

    def success(
        self,
        exchange: Exchange,
        *,
        microversion: str = "2.1",
        documented: Collection[int] | None = None,
    ) -> Exchange:
        """The reply is the documented success: status, body shape, request id.

        ``documented`` replaces the catalogue's success statuses where a behaviour of the
        profile chooses between documented readings (the password reset's 204 or 200).
        """
        operation = self.catalogue[exchange.operation]
        if documented is None:
            documented = operation.expected_statuses(self.profile.dialect, microversion)
        results = [
            responses.status_is_documented(exchange, documented),
            responses.carries_request_id(exchange),
        ]
        view = None
        if not operation.is_bms:
            results.append(nova.microversion_is_echoed(exchange, microversion))
            view = SchemaView(self.profile.dialect, microversion)
        if results[0].failed:
            self.settle(results, exchange)
        if operation.response_schema is None:
            results.append(responses.body_is_empty(exchange))
        else:
            results.append(responses.body_is_json(exchange))
            if not results[-1].failed:
                results += [
                    responses.body_matches_schema(
                        exchange, self.store, operation.response_schema, view
                    ),
                    responses.no_undocumented_members(
                        exchange,
                        self.store,
                        operation.response_schema,
                        strict=self.profile.strict,
                        view=view,
                    ),
                ]
        self.settle(results, exchange)
        return exchange

    def error(
        self,
        exchange: Exchange,
        statuses: int | Collection[int],
        envelope: str,
        code: str | None = None,
    ) -> Exchange:
        """The reply is the documented error: status, envelope, code, request id."""
        documented = {statuses} if isinstance(statuses, int) else set(statuses)
        results = [
            responses.status_is_documented(exchange, documented),
            responses.error_envelope_matches(exchange, self.store, envelope, code),
            responses.carries_request_id(exchange),
        ]
        self.settle(results, exchange)
        return exchange

    def nova_error(
        self,
        exchange: Exchange,
        status: int,
        fault: str,
        *,
        microversion: str | None,
        naming: Iterable[str] = (),
    ) -> Exchange:
        """The reply is the documented Nova fault, echoing ``microversion`` (None: a refused
        version, which nothing echoes), and its message names ``naming``."""
        results = [
            responses.status_is_documented(exchange, {status}),
            responses.error_envelope_matches(exchange, self.store, "nova"),
            nova.fault_is(exchange, fault),
            responses.carries_request_id(exchange),
        ]
        if microversion is None:
            results.append(nova.no_microversion_echoed(exchange))
        else:
            results.append(nova.microversion_is_echoed(exchange, microversion))
        words = list(naming)
        if words:
            results.append(nova.fault_names(exchange, words))
        self.settle(results, exchange)
        return exchange

    def settle(self, results: Iterable[CheckResult], exchange: Exchange | None = None) -> None:
        """Record every result; fail the test if any result failed."""
        failures = []
        for result in results:
            self.recorder.emit("check", test=self.test_id, **result.as_event())
            if result.outcome != "passed" and self._attach is not None:
                self._attach(result, exchange)
            if result.failed:
                failures.append(result)
        if failures:
            self._fail("\n".join(failure.describe() for failure in failures))
