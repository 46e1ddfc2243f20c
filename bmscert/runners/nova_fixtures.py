"""Fixtures and helpers the Nova conformance suites share (``conformance/test_nova_*.py``).

The test modules load this module with ``pytest_plugins``. It gives them:

- ``nova``: sends a Nova operation at a microversion with its path filled from known ids,
  and verifies the reply (``ok`` for the documented success, ``fails`` for a fault);
- ``nova_ids``: ids of existing resources, from the profile or discovered by reading;
- ``nova_versions``: the microversion range the target advertises in its version document;
- ``own_server``: a server the harness creates for the session and deletes at the end, so
  that tests which change a server never touch one the tenant depends on. Like every name
  the suites give, its name carries the run id, and its metadata a ``bmscert-run`` key.

Every test that changes ``own_server`` first puts it in the state it needs, so no test
depends on another having run.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

import pytest

from bmscert.checks import nova as nova_checks
from bmscert.checks.verifier import Verifier
from bmscert.core import microversion
from bmscert.core.catalogue import Catalogue
from bmscert.core.client import ApiClient, Exchange
from bmscert.core.naming import RUN_TAG_KEY, current_run_id, resource_name
from bmscert.core.profile import Profile

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.2
SETTLE_SECONDS = 60.0
# Path parameters whose values come from ``NovaIds`` attributes of another name.
PATH_SOURCES = {"key": "metadata_key"}


class NovaVersions:
    """The range of microversions the target's v2.1 version document advertises."""

    def __init__(self, api: ApiClient):
        reply = api.call("list_api_versions")
        versions = reply.json.get("versions", []) if isinstance(reply.json, dict) else []
        current = [v for v in versions if isinstance(v, dict) and v.get("id") == "v2.1"]
        self.min = (current[0].get("min_version") if current else "") or microversion.DEFAULT
        self.max = (current[0].get("version") if current else "") or microversion.DEFAULT

    def offers(self, version: str) -> bool:
        return microversion.in_range(version, self.min, self.max)


class NovaIds:
    """Ids of existing resources to read: the profile's first, discovered ones otherwise.

    An id that cannot be found skips the tests that need it, with the reason: the
    environment blocks them, the target is not wrong.
    """

    def __init__(self, profile: Profile, api: ApiClient):
        self._profile = profile
        self._api = api

    def _read(self, operation_id: str, path: dict[str, str] | None = None, **kwargs) -> Any:
        reply = self._api.call(operation_id, path=path, **kwargs)
        if reply.status != 200 or not isinstance(reply.json, dict):
            pytest.skip(f"cannot discover ids: {operation_id} answered HTTP {reply.status}")
        return reply.json

    def _first(self, items: Any, what: str, hint: str = "") -> Any:
        if not items:
            pytest.skip(f"no {what} to read" + (f": {hint}" if hint else ""))
        return items[0]

    @cached_property
    def server_id(self) -> str:
        given = self._profile.resources.get("server_id")
        if given:
            return given
        servers = self._read("list_servers", query={"limit": 1}).get("servers")
        return self._first(servers, "server", "set resources.server_id in the profile")["id"]

    @cached_property
    def server(self) -> dict[str, Any]:
        return self._read("show_server", {"server_id": self.server_id})["server"]

    @property
    def flavor_id(self) -> str:
        return self.server["flavor"]["id"]

    @property
    def image_id(self) -> str:
        return self.server["image"]["id"]

    @property
    def availability_zone(self) -> str:
        return self.server["OS-EXT-AZ:availability_zone"]

    @cached_property
    def interface(self) -> dict[str, Any]:
        body = self._read("list_server_interfaces", {"server_id": self.server_id})
        return self._first(body.get("interfaceAttachments"), "interface")

    @property
    def port_id(self) -> str:
        return self.interface["port_id"]

    @property
    def network_id(self) -> str:
        return self.interface["net_id"]

    @cached_property
    def network_label(self) -> str:
        body = self._read("list_server_ips", {"server_id": self.server_id})
        return self._first(sorted(body.get("addresses", {})), "network")

    @cached_property
    def volume_id(self) -> str:
        body = self._read("list_volume_attachments", {"server_id": self.server_id})
        return self._first(body.get("volumeAttachments"), "volume attachment")["volumeId"]

    @property
    def spare_volume_id(self) -> str:
        given = self._profile.resources.get("volume_id")
        if not given:
            pytest.skip("no volume to attach: set resources.volume_id in the profile")
        return given

    @cached_property
    def keypair_name(self) -> str:
        body = self._read("list_keypairs")
        return self._first(body.get("keypairs"), "key pair")["keypair"]["name"]

    @cached_property
    def metadata_key(self) -> str:
        body = self._read("list_server_metadata", {"server_id": self.server_id})
        return self._first(sorted(body.get("metadata", {})), "metadata item")

    @cached_property
    def flavor_extra_spec_key(self) -> str:
        body = self._read("list_flavor_extra_specs", {"flavor_id": self.flavor_id})
        return self._first(sorted(body.get("extra_specs", {})), "extra spec")

    @cached_property
    def tag(self) -> str:
        headers = microversion.request_headers("2.26")
        body = self._read("list_server_tags", {"server_id": self.server_id}, headers=headers)
        return self._first(body.get("tags"), "tag")

    @property
    def api_version(self) -> str:
        return "v2.1"

    def path_for(self, names: tuple[str, ...]) -> dict[str, str]:
        return {
            name: getattr(self, PATH_SOURCES.get(name, name))
            for name in names
            if name != "project_id"
        }


class Servers:
    """Reading servers and waiting for their state, by polling as a Nova client must.

    Polls are not recorded: a wait would flood the event stream with identical reads.
    """

    def __init__(self, api: ApiClient):
        self.api = api

    def read(self, server_id: str) -> dict[str, Any]:
        reply = self.api.call("show_server", path={"server_id": server_id}, recorded=False)
        if reply.status != 200 or not isinstance(reply.json, dict):
            pytest.fail(f"server {server_id} could not be read: HTTP {reply.status}")
        return reply.json["server"]

    def wait_until(self, server_id: str, status: str, timeout: float = SETTLE_SECONDS) -> dict:
        """Poll until the server has ``status`` and no task under way; the last reading."""
        deadline = time.monotonic() + timeout
        server = self.read(server_id)
        while not (server["status"] == status and server["OS-EXT-STS:task_state"] is None):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"server {server_id} did not reach {status} within {timeout:.0f} s; "
                    f"it is {server['status']} (task {server['OS-EXT-STS:task_state']})"
                )
            time.sleep(POLL_SECONDS)
            server = self.read(server_id)
        return server

    def settle(self, server_id: str, status: str) -> dict:
        """Put a server into ``status`` (ACTIVE or SHUTOFF), whatever it was doing before."""
        server = self.read(server_id)
        deadline = time.monotonic() + SETTLE_SECONDS
        while server["OS-EXT-STS:task_state"] is not None and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            server = self.read(server_id)
        if server["status"] != status:
            operation, action = {
                "ACTIVE": ("start_server", {"os-start": None}),
                "SHUTOFF": ("stop_server", {"os-stop": None}),
            }[status]
            self.api.call(operation, path={"server_id": server_id}, json_body=action)
        return self.wait_until(server_id, status)


class Nova:
    """Sends Nova operations at a microversion and verifies what comes back."""

    def __init__(
        self,
        api: ApiClient,
        verify: Verifier,
        ids: NovaIds,
        versions: NovaVersions,
        catalogue: Catalogue,
    ):
        self.api = api
        self.verify = verify
        self.ids = ids
        self.versions = versions
        self.catalogue = catalogue
        self.servers = Servers(api)

    def floor(self, operation_id: str) -> str:
        """The lowest microversion at which the operation exists."""
        return self.catalogue[operation_id].min_microversion or microversion.DEFAULT

    def require(self, version: str) -> None:
        """Skip unless the target offers ``version``: the environment, not the target."""
        if not self.versions.offers(version):
            pytest.skip(
                f"the target offers microversions {self.versions.min} to "
                f"{self.versions.max}, not {version}"
            )

    def send(
        self,
        operation_id: str,
        *,
        at: str | None = None,
        path: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Exchange:
        """Send at ``at`` (default: the operation's floor); missing path ids are filled in."""
        version = at or self.floor(operation_id)
        names = self.catalogue[operation_id].path_params
        given = path or {}
        filled = {**self.ids.path_for(tuple(n for n in names if n not in given)), **given}
        sent = {**microversion.request_headers(version), **(headers or {})}
        return self.api.call(operation_id, path=filled, headers=sent, **kwargs)

    def ok(self, operation_id: str, *, at: str | None = None, **kwargs: Any) -> Exchange:
        version = at or self.floor(operation_id)
        self.require(version)
        exchange = self.send(operation_id, at=version, **kwargs)
        return self.verify.success(exchange, microversion=version)

    def fails(
        self,
        operation_id: str,
        status: int,
        fault: str,
        *,
        at: str | None = None,
        naming: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Exchange:
        version = at or self.floor(operation_id)
        exchange = self.send(operation_id, at=version, **kwargs)
        return self.verify.nova_error(exchange, status, fault, microversion=version, naming=naming)

    def observe(self, exchange: Exchange, what: str, expected: Any, observed: Any) -> None:
        """Record that a follow-up read (``exchange``) shows the documented effect."""
        self.verify.settle([nova_checks.effect_observed(exchange, what, expected, observed)])

    def unchanged(self, refused: Exchange, what: str, before: Any, after: Any) -> None:
        """Record that the refused request ``refused`` left ``what`` as it was."""
        self.verify.settle([nova_checks.nothing_changed(refused, what, before, after)])

    def header(self, exchange: Exchange, name: str) -> None:
        self.verify.settle([nova_checks.header_is_present(exchange, name)])

    def wait_for_list(
        self,
        operation_id: str,
        path: dict[str, str],
        member: str,
        test: Callable[[list[Any]], bool],
        timeout: float = 30.0,
    ) -> Exchange:
        """Poll a list read until ``test(items)`` holds; the last exchange."""
        deadline = time.monotonic() + timeout
        while True:
            reply = self.send(operation_id, path=path, recorded=False)
            items = reply.json.get(member, []) if isinstance(reply.json, dict) else []
            if test(items) or time.monotonic() > deadline:
                return reply
            time.sleep(POLL_SECONDS)


def new_name(prefix: str = "bmscert") -> str:
    """A fresh name no other run uses, carrying the run id: ``new_name("bmscert-key")`` is
    ``bmscert-<run id>-key-<random>``."""
    role = prefix.removeprefix("bmscert").strip("-") or "nova"
    return resource_name(role)


@pytest.fixture(scope="session")
def nova_versions(api: ApiClient) -> NovaVersions:
    return NovaVersions(api)


@pytest.fixture(scope="session")
def nova_ids(bmscert_profile: Profile, api: ApiClient) -> NovaIds:
    return NovaIds(bmscert_profile, api)


@pytest.fixture
def nova(
    api: ApiClient,
    verify: Verifier,
    nova_ids: NovaIds,
    nova_versions: NovaVersions,
    catalogue: Catalogue,
) -> Nova:
    return Nova(api, verify, nova_ids, nova_versions, catalogue)


def create_server(api: ApiClient, ids: NovaIds) -> str:
    """Create a server (unverified: the create tests verify the call) and return its id."""
    reply = api.call("create_server", json_body=server_body(ids, new_name()))
    body = reply.json if isinstance(reply.json, dict) else {}
    if reply.status not in (200, 202) or "server" not in body:
        pytest.fail(f"the harness could not create a server: HTTP {reply.status}")
    return body["server"]["id"]


def server_body(ids: NovaIds, name: str) -> dict[str, Any]:
    """A create_server body every dialect accepts, built from an existing server's choices."""
    return {
        "server": {
            "name": name,
            "imageRef": ids.image_id,
            "flavorRef": ids.flavor_id,
            "availability_zone": ids.availability_zone,
            "networks": [{"uuid": ids.network_id}],
            "metadata": {RUN_TAG_KEY: current_run_id()},
        }
    }


@pytest.fixture(scope="session")
def own_server(api: ApiClient, nova_ids: NovaIds) -> Iterator[str]:
    """A server the harness creates for the session (ACTIVE) and deletes afterwards."""
    server_id = create_server(api, nova_ids)
    try:
        Servers(api).wait_until(server_id, "ACTIVE")
        yield server_id
    finally:
        api.call("delete_server", path={"server_id": server_id})
