"""The properties every operation must keep, checked over requests drawn from its schema.

The property suites (``conformance/test_properties_*.py``) load this module with
``pytest_plugins``; their tests ask the ``properties`` fixture to check one property of one
operation:

- ``valid_requests_get_documented_answers``: no 5xx; a documented success (whose body is
  checked like any other, and whose job or status change is waited to its end) or a
  documented refusal in the family's envelope; a read twice in a row answers the same;
- ``invalid_requests_are_refused_without_effect``: a request that breaks one documented rule
  gets a 4xx in the family's envelope, and a follow-up read shows nothing changed;
- ``the_same_write_twice_leaves_the_same_state``: replacing (or merging) the same value
  again leaves the state the first write left.

Nova requests are drawn at the lowest microversion the operation exists at and at the newest
the target offers, each read through the profile's dialect. Writes act only on what the
harness owns (``bmscert.runners.workbench``), and each test puts the server back afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

from bmscert.checks import expectations
from bmscert.checks import properties as checks
from bmscert.checks.strategies import (
    ABSENT,
    GeneratedRequest,
    RequestStrategies,
    is_segment_safe,
    wire_query,
)
from bmscert.core import microversion
from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.client import Exchange
from bmscert.core.profile import Profile
from bmscert.core.schemas import SchemaStore
from bmscert.core.views import SchemaView
from bmscert.runners.generation import Example, Generation
from bmscert.runners.machines import follow_job
from bmscert.runners.nova_fixtures import NovaVersions
from bmscert.runners.selection import writes
from bmscert.runners.workbench import Workbench, resource_of

logger = logging.getLogger(__name__)


def key_from_body(request: GeneratedRequest) -> GeneratedRequest:
    """The item PUT's one body key is the URL's key (a rule only the handler states)."""
    meta = request.body.get("meta") if isinstance(request.body, dict) else None
    if not isinstance(meta, dict) or len(meta) != 1:
        return request
    (key,) = meta
    if not is_segment_safe(key):
        return request
    return GeneratedRequest({**request.path, "key": key}, request.query, request.body)


ADJUSTED: dict[str, Callable[[GeneratedRequest], GeneratedRequest]] = {
    "set_server_metadata_item": key_from_body,
}


class PropertyRunner:
    """Checks one property of one operation over generated requests."""

    def __init__(
        self,
        generation: Generation,
        bench: Workbench,
        strategies: RequestStrategies,
        versions: Callable[[], NovaVersions],
        server_for: Callable[[Operation], str],
    ):
        self.generation = generation
        self.bench = bench
        self.strategies = strategies
        self.versions = versions
        self.server_for = server_for
        self.profile: Profile = generation.profile
        self.catalogue: Catalogue = generation.catalogue

    # ------------------------------------------------------------------ the properties

    def valid_requests_get_documented_answers(self, operation_id: str) -> None:
        operation = self.catalogue[operation_id]
        server_id = self.server_for(operation)
        requests = self._drawn(operation, server_id, self.strategies.valid)

        def example(drawn: tuple[str | None, GeneratedRequest], run: Example) -> None:
            version, request = drawn
            exchange = self._send(run, operation, version, request)
            self._judge_valid(run, operation, version, request, exchange, server_id)
            if operation.method == "GET":
                self._judge_repeated_read(run, operation, version, request, exchange)

        self._with_restore(operation, server_id, requests, example, "valid requests")

    def invalid_requests_are_refused_without_effect(self, operation_id: str) -> None:
        operation = self.catalogue[operation_id]
        server_id = self.server_for(operation)
        requests = self._drawn(operation, server_id, self.strategies.invalid)

        def example(drawn: tuple[str | None, GeneratedRequest], run: Example) -> None:
            version, request = drawn
            before = self._state(operation, server_id)
            exchange = self._send(run, operation, version, request)
            run.settle([checks.no_server_error(exchange, "invalid request")], exchange)
            run.settle([checks.refused_as_invalid(exchange, request.broken)], exchange)
            run.verify.error(exchange, exchange.status, operation.error_envelope)
            if before is not None:
                after = self._state(operation, server_id)
                change = checks.refusal_changed_nothing(operation.id, before, after, exchange)
                run.settle([change], exchange)

        self._with_restore(operation, server_id, requests, example, "invalid requests")

    def the_same_write_twice_leaves_the_same_state(self, operation_id: str) -> None:
        operation = self.catalogue[operation_id]
        server_id = self.server_for(operation)
        requests = self._drawn(operation, server_id, self.strategies.valid)

        def example(drawn: tuple[str | None, GeneratedRequest], run: Example) -> None:
            version, request = drawn
            first = self._send(run, operation, version, request)
            self._judge_valid(run, operation, version, request, first, server_id)
            if first.status not in self._successes(operation, version):
                return
            once, _ = self.bench.snapshot(operation, server_id)
            again = self._send(run, operation, version, request)
            self._judge_valid(run, operation, version, request, again, server_id)
            twice, read = self.bench.snapshot(operation, server_id)
            what = f"{resource_of(operation)} state"
            repeat = checks.repeating_changes_nothing(operation.id, once, twice, again, what)
            run.settle([repeat], read)

        self._with_restore(operation, server_id, requests, example, "a write sent twice")

    # ------------------------------------------------------------------ drawing and sending

    def _drawn(self, operation: Operation, server_id: str, kind: Callable) -> st.SearchStrategy:
        """(microversion, request) pairs: every version drawn has its own schema reading."""
        pins = self.bench.pins(operation, server_id)
        adjust = ADJUSTED.get(operation.id)
        choices = [
            kind(operation, self._view(version), pins, adjust).map(
                lambda request, version=version: (version, request)
            )
            for version in self._versions(operation)
        ]
        return st.one_of(choices)

    def _versions(self, operation: Operation) -> list[str | None]:
        if operation.is_bms:
            return [None]
        floor = operation.min_microversion or microversion.DEFAULT
        newest = self.versions().max
        return [floor] if floor == newest else [floor, newest]

    def _view(self, version: str | None) -> SchemaView | None:
        return None if version is None else SchemaView(self.profile.dialect, version)

    def _send(
        self, run: Example, operation: Operation, version: str | None, request: GeneratedRequest
    ) -> Exchange:
        kwargs: dict[str, Any] = {"path": dict(request.path)}
        if request.query:
            kwargs["query"] = wire_query(request.query)
        if request.body is not ABSENT:
            kwargs["json_body"] = request.body
        if version is not None:
            kwargs["headers"] = microversion.request_headers(version)
        return run.api.call(operation.id, **kwargs)

    def _successes(self, operation: Operation, version: str | None) -> frozenset[int]:
        if operation.id == "ResetPwdOneClick":
            return frozenset({expectations.reset_password_status(self.profile)})
        return operation.expected_statuses(self.profile.dialect, version or microversion.DEFAULT)

    # ------------------------------------------------------------------ judging

    def _judge_valid(
        self,
        run: Example,
        operation: Operation,
        version: str | None,
        request: GeneratedRequest,
        exchange: Exchange,
        server_id: str,
    ) -> None:
        run.settle([checks.no_server_error(exchange)], exchange)
        successes = self._successes(operation, version)
        run.settle([checks.answer_is_documented(exchange, successes)], exchange)
        if exchange.status in successes:
            at = version or microversion.DEFAULT
            run.verify.success(exchange, microversion=at, documented=successes)
            self._await_effect(run, operation, request, exchange, server_id)
            return
        envelope = checks.refusal_envelope(self.profile, operation, exchange.status)
        run.verify.error(exchange, exchange.status, envelope)

    def _judge_repeated_read(
        self,
        run: Example,
        operation: Operation,
        version: str | None,
        request: GeneratedRequest,
        first: Exchange,
    ) -> None:
        """Two reads in a row agree; one more pair is allowed when the state moved between
        the first two (a job ending), but a target that keeps changing its answer fails."""
        second = self._send(run, operation, version, request)
        result = checks.reads_are_repeatable(first, second)
        if result.failed:
            third = self._send(run, operation, version, request)
            result = checks.reads_are_repeatable(
                third, self._send(run, operation, version, request)
            )
        run.settle([result])

    def _await_effect(
        self,
        run: Example,
        operation: Operation,
        request: GeneratedRequest,
        exchange: Exchange,
        server_id: str,
    ) -> None:
        """Wait for what an accepted write set going: its job, the server's state, a volume."""
        body = exchange.json if isinstance(exchange.json, dict) else {}
        if operation.is_bms and body.get("job_id"):
            named = _servers_acted_on(operation, request, server_id)
            follow_job(run, self.profile, operation.id, str(body["job_id"]), named)
        elif operation.id in ("start_server", "stop_server", "reboot_server"):
            self.bench.settle(server_id)
        elif operation.id in ("attach_volume", "detach_volume"):
            attached = operation.id == "attach_volume"
            self.bench.wait_for_attachment(server_id, self.bench.spare_volume, attached)

    def _state(self, operation: Operation, server_id: str) -> dict[str, Any] | None:
        """What the operation could have changed, or None for a read."""
        if not writes(operation):
            return None
        return self.bench.snapshot(operation, server_id)[0]

    # ------------------------------------------------------------------ around a test

    def _with_restore(
        self,
        operation: Operation,
        server_id: str,
        requests: st.SearchStrategy,
        example: Callable[[Any, Example], None],
        what: str,
    ) -> None:
        """Run the property; a write's server is put back afterwards, whatever happened."""
        if not writes(operation):
            self.generation.check(requests, example, what=f"{operation.id}: {what}")
            return
        checkpoint = self.bench.checkpoint(server_id)

        def remembering(drawn: Any, run: Example) -> None:
            try:
                example(drawn, run)
            finally:
                checkpoint.created_keypairs |= _created_keypairs(run)

        try:
            self.generation.check(requests, remembering, what=f"{operation.id}: {what}")
        finally:
            self.bench.restore(checkpoint)


def _servers_acted_on(operation: Operation, request: GeneratedRequest, server_id: str) -> set[str]:
    """The servers a job must name: a batch's listed servers, else the one in the path."""
    if operation.body_selector is None:
        return {server_id}
    action = request.body.get(operation.body_selector) if isinstance(request.body, dict) else {}
    listed = action.get("servers", []) if isinstance(action, dict) else []
    return {entry["id"] for entry in listed if isinstance(entry, dict) and "id" in entry}


def _created_keypairs(run: Example) -> set[str]:
    created = set()
    for exchange in run.trace:
        body = exchange.json if isinstance(exchange.json, dict) else {}
        if exchange.operation == "create_keypair" and exchange.status in (200, 201):
            created.add(str(body.get("keypair", {}).get("name", "")))
    return created


@pytest.fixture(scope="session")
def request_strategies(schema_store: SchemaStore) -> RequestStrategies:
    """The run's strategies, built once: hypothesis-jsonschema reads each schema once."""
    return RequestStrategies(schema_store)


@pytest.fixture
def bench(bmscert_profile: Profile, api, resources, nova_ids) -> Workbench:
    return Workbench(bmscert_profile, api, resources, nova_ids)


@pytest.fixture
def properties(
    request: pytest.FixtureRequest,
    generation: Generation,
    bench: Workbench,
    request_strategies: RequestStrategies,
    resources,
    nova_ids,
    verify,
    fleet,
) -> PropertyRunner:
    """Checks properties of one operation; writes act on the harness's own servers."""

    def server_for(operation: Operation) -> str:
        if not writes(operation):
            return resources.server_id if operation.is_bms else nova_ids.server_id
        if operation.is_bms:
            return fleet.owned(verify)
        return request.getfixturevalue("own_server")

    def versions() -> NovaVersions:
        return request.getfixturevalue("nova_versions")

    return PropertyRunner(generation, bench, request_strategies, versions, server_for)
