"""Tempest's published response schemas accept every Nova reply of the reference target.

The schemas and the rules for picking one by microversion are Tempest's own
(``schema_versions_info`` of its compute clients, ``BaseComputeClient.get_schema``), and so is
the validation (``RestClient.validate_response``: status, body, headers) and the check that
a reply echoes the microversion asked for. No one here wrote them, so they cross-check both
the target and our schemas. They describe upstream Nova, so the target speaks the openstack
dialect here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from bmscert.core import microversion
from bmscert.core.catalogue import load_catalogue
from tests.conftest import live_target

rest_client = pytest.importorskip("tempest.lib.common.rest_client")
from tempest.lib.api_schema.response.compute.v2_1 import (  # noqa: E402
    flavors_extra_specs,
    versions,
)
from tempest.lib.api_schema.response.compute.v2_1 import servers as servers_v21  # noqa: E402
from tempest.lib.common.api_version_utils import (  # noqa: E402
    assert_version_header_matches_request,
)
from tempest.lib.services.compute import (  # noqa: E402
    base_compute_client,
    flavors_client,
    interfaces_client,
    keypairs_client,
    servers_client,
)

CATALOGUE = load_catalogue()
VERSIONS = ["2.1", "2.2", "2.3", "2.9", "2.16", "2.19", "2.26", "2.47", "2.55", "2.60"]
QUICK = dict.fromkeys(("create", "start", "stop", "reboot", "attach", "detach"), 0.05)

SERVERS = servers_client.ServersClient.schema_versions_info
FLAVORS = flavors_client.FlavorsClient.schema_versions_info
KEYPAIRS = keypairs_client.KeyPairsClient.schema_versions_info
INTERFACES = interfaces_client.InterfacesClient.schema_versions_info
# Where Tempest keeps the schema of each operation: a microversion table or a fixed module.
TEMPEST = {
    "list_servers": (SERVERS, "list_servers"),
    "list_servers_detail": (SERVERS, "list_servers_detail"),
    "show_server": (SERVERS, "get_server"),
    "create_server": (servers_v21, "create_server"),
    "delete_server": (servers_v21, "delete_server"),
    "start_server": (servers_v21, "server_actions_common_schema"),
    "stop_server": (servers_v21, "server_actions_common_schema"),
    "reboot_server": (servers_v21, "server_actions_common_schema"),
    "list_server_metadata": (servers_v21, "list_server_metadata"),
    "update_server_metadata": (servers_v21, "update_server_metadata"),
    "replace_server_metadata": (servers_v21, "set_server_metadata"),
    "show_server_metadata_item": (servers_v21, "set_show_server_metadata_item"),
    "set_server_metadata_item": (servers_v21, "set_show_server_metadata_item"),
    "delete_server_metadata_item": (servers_v21, "delete_server_metadata_item"),
    "list_server_ips": (servers_v21, "list_addresses"),
    "show_server_ips_by_network": (servers_v21, "list_addresses_by_network"),
    "list_flavors": (FLAVORS, "list_flavors"),
    "list_flavors_detail": (FLAVORS, "list_flavors_details"),
    "show_flavor": (FLAVORS, "create_update_get_flavor_details"),
    "list_flavor_extra_specs": (flavors_extra_specs, "set_get_flavor_extra_specs"),
    "show_flavor_extra_spec": (flavors_extra_specs, "set_get_flavor_extra_specs_key"),
    "list_server_interfaces": (INTERFACES, "list_interfaces"),
    "show_server_interface": (INTERFACES, "get_create_interfaces"),
    "list_volume_attachments": (SERVERS, "list_volume_attachments"),
    "show_volume_attachment": (SERVERS, "show_volume_attachment"),
    "attach_volume": (SERVERS, "attach_volume"),
    "detach_volume": (servers_v21, "detach_volume"),
    "list_keypairs": (KEYPAIRS, "list_keypairs"),
    "create_keypair": (KEYPAIRS, "create_keypair"),
    "show_keypair": (KEYPAIRS, "get_keypair"),
    "delete_keypair": (KEYPAIRS, "delete_keypair"),
    "list_server_tags": (SERVERS, "list_tags"),
    "replace_server_tags": (SERVERS, "update_all_tags"),
    "delete_all_server_tags": (SERVERS, "delete_all_tags"),
    "check_server_tag": (SERVERS, "check_tag_existence"),
    "add_server_tag": (SERVERS, "update_tag"),
    "delete_server_tag": (SERVERS, "delete_tag"),
    "list_api_versions": (versions, "list_versions"),
    "show_api_version": (versions, "get_one_version"),
}


class TempestResponse(dict):
    """What Tempest's validation expects of a response: the headers (lowercase) and a status."""

    def __init__(self, reply: httpx.Response):
        super().__init__({name.lower(): value for name, value in reply.headers.items()})
        self.status = reply.status_code


def tempest_schema(operation_id: str, version: str, monkeypatch) -> dict[str, Any]:
    """The schema Tempest would pick for ``operation_id`` at ``version``."""
    source, name = TEMPEST[operation_id]
    if isinstance(source, list):
        monkeypatch.setattr(base_compute_client, "COMPUTE_MICROVERSION", version)
        source = base_compute_client.BaseComputeClient.get_schema(None, source)
    return getattr(source, name)


class Compute:
    """An httpx client of the target's ECS endpoint that asks for one microversion."""

    def __init__(self, client: httpx.Client, resources: dict[str, str]):
        self.client = client
        self.project = resources["project_id"]
        self.server_id = resources["server_id"]
        self.spare_volume = resources["volume_id"]
        self.version = "2.1"

    def url(self, operation_id: str, **params: str) -> str:
        defaults = {"project_id": self.project, "server_id": self.server_id}
        return CATALOGUE[operation_id].render_path({**defaults, **params})

    def __call__(self, operation_id: str, body: Any = None, **params: str) -> httpx.Response:
        operation = CATALOGUE[operation_id]
        headers = microversion.request_headers(self.version, "legacy")
        return self.client.request(
            operation.method, self.url(operation_id, **params), json=body, headers=headers
        )

    def server(self, server_id: str) -> dict[str, Any]:
        return self.client.get(self.url("show_server", server_id=server_id)).json()["server"]

    def wait(self, server_id: str, status: str | None = None) -> str:
        """Wait until no task runs on the server (and it has ``status``); its status."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            server = self.server(server_id)
            settled = server["OS-EXT-STS:task_state"] is None
            if settled and status in (None, server["status"]):
                return server["status"]
            time.sleep(0.02)
        raise AssertionError(f"server {server_id} never settled in {status}")

    def attachments(self, server_id: str) -> set[str]:
        reply = self.client.get(self.url("list_volume_attachments", server_id=server_id))
        return {item["volumeId"] for item in reply.json()["volumeAttachments"]}

    def wait_attachment(self, server_id: str, volume_id: str, present: bool) -> None:
        deadline = time.monotonic() + 10
        while (volume_id in self.attachments(server_id)) != present:
            assert time.monotonic() < deadline, f"volume {volume_id} never settled"
            time.sleep(0.02)

    def create_body(self) -> dict[str, Any]:
        """A create body built from the seeded server's image, flavor, zone and network."""
        template = self.server(self.server_id)
        interface = self.client.get(self.url("list_server_interfaces")).json()
        return {
            "server": {
                "name": unique("tempest"),
                "imageRef": template["image"]["id"],
                "flavorRef": template["flavor"]["id"],
                "availability_zone": template["OS-EXT-AZ:availability_zone"],
                "networks": [{"uuid": interface["interfaceAttachments"][0]["net_id"]}],
            }
        }

    def create_server(self) -> str:
        reply = self.client.post(self.url("create_server"), json=self.create_body())
        return reply.json()["server"]["id"]

    def settle(self, server_id: str, status: str) -> None:
        if self.wait(server_id) != status:
            action = {"ACTIVE": {"os-start": None}, "SHUTOFF": {"os-stop": None}}[status]
            self.client.post(self.url("start_server", server_id=server_id), json=action)
            self.wait(server_id, status)


def unique(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}"


def _create_server(nova: Compute, own: str) -> httpx.Response:
    reply = nova("create_server", nova.create_body())
    nova.client.delete(nova.url("delete_server", server_id=reply.json()["server"]["id"]))
    return reply


def _delete_server(nova: Compute, own: str) -> httpx.Response:
    return nova("delete_server", server_id=nova.create_server())


def _power(action: str, before: str, body: dict[str, Any]) -> Callable:
    def scenario(nova: Compute, own: str) -> httpx.Response:
        nova.settle(own, before)
        return nova(action, body, server_id=own)

    return scenario


def _delete_metadata_item(nova: Compute, own: str) -> httpx.Response:
    url = nova.url("set_server_metadata_item", server_id=own, key="gone")
    nova.client.put(url, json={"meta": {"gone": "v"}})
    return nova("delete_server_metadata_item", server_id=own, key="gone")


def _first_label(nova: Compute) -> str:
    return next(iter(nova.client.get(nova.url("list_server_ips")).json()["addresses"]))


def _first_port(nova: Compute) -> str:
    listed = nova.client.get(nova.url("list_server_interfaces")).json()
    return listed["interfaceAttachments"][0]["port_id"]


def _attach(nova: Compute, own: str) -> httpx.Response:
    nova.wait_attachment(own, nova.spare_volume, present=False)
    reply = nova(
        "attach_volume", {"volumeAttachment": {"volumeId": nova.spare_volume}}, server_id=own
    )
    nova.wait_attachment(own, nova.spare_volume, present=True)
    nova.client.delete(nova.url("detach_volume", server_id=own, volume_id=nova.spare_volume))
    nova.wait_attachment(own, nova.spare_volume, present=False)
    return reply


def _detach(nova: Compute, own: str) -> httpx.Response:
    nova.wait_attachment(own, nova.spare_volume, present=False)
    body = {"volumeAttachment": {"volumeId": nova.spare_volume}}
    nova.client.post(nova.url("attach_volume", server_id=own), json=body)
    nova.wait_attachment(own, nova.spare_volume, present=True)
    reply = nova("detach_volume", server_id=own, volume_id=nova.spare_volume)
    nova.wait_attachment(own, nova.spare_volume, present=False)
    return reply


def _attached_volume(nova: Compute) -> str:
    return sorted(nova.attachments(nova.server_id))[0]


def _create_keypair(nova: Compute, own: str) -> httpx.Response:
    name = unique("tempest-key")
    reply = nova("create_keypair", {"keypair": {"name": name}})
    nova.client.delete(nova.url("delete_keypair", keypair_name=name))
    return reply


def _delete_keypair(nova: Compute, own: str) -> httpx.Response:
    name = unique("tempest-key")
    nova.client.post(nova.url("create_keypair"), json={"keypair": {"name": name}})
    return nova("delete_keypair", keypair_name=name)


def _first_keypair(nova: Compute) -> str:
    return nova.client.get(nova.url("list_keypairs")).json()["keypairs"][0]["keypair"]["name"]


def _with_tag(action: str) -> Callable:
    def scenario(nova: Compute, own: str) -> httpx.Response:
        tag = unique("t")
        headers = microversion.request_headers("2.26")
        nova.client.put(nova.url("add_server_tag", server_id=own, tag=tag), headers=headers)
        return nova(action, server_id=own, tag=tag)

    return scenario


SCENARIOS: dict[str, Callable[[Compute, str], httpx.Response]] = {
    "list_servers": lambda nova, own: nova("list_servers"),
    "list_servers_detail": lambda nova, own: nova("list_servers_detail"),
    "show_server": lambda nova, own: nova("show_server"),
    "create_server": _create_server,
    "delete_server": _delete_server,
    "start_server": _power("start_server", "SHUTOFF", {"os-start": None}),
    "stop_server": _power("stop_server", "ACTIVE", {"os-stop": None}),
    "reboot_server": _power("reboot_server", "ACTIVE", {"reboot": {"type": "SOFT"}}),
    "list_server_metadata": lambda nova, own: nova("list_server_metadata"),
    "update_server_metadata": lambda nova, own: nova(
        "update_server_metadata", {"metadata": {"k": "v"}}, server_id=own
    ),
    "replace_server_metadata": lambda nova, own: nova(
        "replace_server_metadata", {"metadata": {"k": "v"}}, server_id=own
    ),
    "show_server_metadata_item": lambda nova, own: nova(
        "show_server_metadata_item", key="purpose"
    ),
    "set_server_metadata_item": lambda nova, own: nova(
        "set_server_metadata_item", {"meta": {"k": "w"}}, server_id=own, key="k"
    ),
    "delete_server_metadata_item": _delete_metadata_item,
    "list_server_ips": lambda nova, own: nova("list_server_ips"),
    "show_server_ips_by_network": lambda nova, own: nova(
        "show_server_ips_by_network", network_label=_first_label(nova)
    ),
    "list_flavors": lambda nova, own: nova("list_flavors"),
    "list_flavors_detail": lambda nova, own: nova("list_flavors_detail"),
    "show_flavor": lambda nova, own: nova("show_flavor", flavor_id="physical.s4.medium"),
    "list_flavor_extra_specs": lambda nova, own: nova(
        "list_flavor_extra_specs", flavor_id="physical.s4.medium"
    ),
    "show_flavor_extra_spec": lambda nova, own: nova(
        "show_flavor_extra_spec",
        flavor_id="physical.s4.medium",
        flavor_extra_spec_key="capabilities:cpu_arch",
    ),
    "list_server_interfaces": lambda nova, own: nova("list_server_interfaces"),
    "show_server_interface": lambda nova, own: nova(
        "show_server_interface", port_id=_first_port(nova)
    ),
    "list_volume_attachments": lambda nova, own: nova("list_volume_attachments"),
    "show_volume_attachment": lambda nova, own: nova(
        "show_volume_attachment", volume_id=_attached_volume(nova)
    ),
    "attach_volume": _attach,
    "detach_volume": _detach,
    "list_keypairs": lambda nova, own: nova("list_keypairs"),
    "create_keypair": _create_keypair,
    "show_keypair": lambda nova, own: nova("show_keypair", keypair_name=_first_keypair(nova)),
    "delete_keypair": _delete_keypair,
    "list_server_tags": lambda nova, own: nova("list_server_tags"),
    "replace_server_tags": lambda nova, own: nova(
        "replace_server_tags", {"tags": ["__type_baremetal", "tempest"]}, server_id=own
    ),
    "delete_all_server_tags": lambda nova, own: nova("delete_all_server_tags", server_id=own),
    "check_server_tag": lambda nova, own: nova("check_server_tag", tag="__type_baremetal"),
    "add_server_tag": lambda nova, own: nova("add_server_tag", server_id=own, tag=unique("t")),
    "delete_server_tag": _with_tag("delete_server_tag"),
    "list_api_versions": lambda nova, own: nova("list_api_versions"),
    "show_api_version": lambda nova, own: nova("show_api_version", api_version="v2.1"),
}
CASES = [
    pytest.param(operation_id, version, id=f"{operation_id}@{version}")
    for operation_id in TEMPEST
    for version in VERSIONS
    if microversion.at_least(version, CATALOGUE[operation_id].min_microversion or "2.1")
]


@pytest.fixture(scope="module")
def compute() -> Iterator[tuple[Compute, str]]:
    with live_target(endpoint="ecs", dialect="openstack", job_seconds=QUICK) as client:
        nova = Compute(client, client.running.info["resources"])
        own = nova.create_server()
        nova.wait(own, "ACTIVE")
        yield nova, own


def test_every_nova_operation_has_a_tempest_schema_and_a_scenario():
    nova_ids = {op.id for op in CATALOGUE.family("nova-v2.1")}
    assert set(TEMPEST) == nova_ids
    assert set(SCENARIOS) == nova_ids


@pytest.mark.parametrize(("operation_id", "version"), CASES)
def test_tempest_accepts_the_reply_at_the_matching_microversion(
    compute, monkeypatch, operation_id, version
):
    nova, own = compute
    nova.version = version

    reply = SCENARIOS[operation_id](nova, own)

    body = reply.json() if reply.content else ""
    response = TempestResponse(reply)
    rest_client.RestClient.validate_response(
        tempest_schema(operation_id, version, monkeypatch), response, body
    )
    assert_version_header_matches_request(microversion.LEGACY_HEADER, version, response)
