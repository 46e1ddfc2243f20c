"""Creating and deleting servers through Nova, observed by polling them and through the BMS
native API; a create body of the wrong shape or naming what does not exist gets a 400 and
creates nothing (the server list proves it).
"""

import pytest

from bmscert.checks import expectations
from bmscert.runners.nova_fixtures import create_server, new_name, server_body
from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)


def _server_ids(nova):
    return sorted(server["id"] for server in nova.ok("list_servers").json["servers"])


@pytest.mark.mutating
@pytest.mark.operation("create_server")
def test_a_created_server_builds_then_runs_as_both_apis_see(nova, api):
    name = new_name()
    created = nova.ok("create_server", json_body=server_body(nova.ids, name))
    server_id = created.json["server"]["id"]
    try:
        if expectations.created_server_gives_location(nova.verify.profile):
            nova.header(created, "Location")
        building = nova.ok("show_server", path={"server_id": server_id})
        nova.observe(
            building, "status just after create", "BUILD", building.json["server"]["status"]
        )

        nova.servers.wait_until(server_id, "ACTIVE")
        shown = nova.ok("show_server", path={"server_id": server_id})
        nova.observe(shown, "name", name, shown.json["server"]["name"])
        native = api.call("ListBareMetalServerDetails", path={"server_id": server_id})
        status = native.json.get("server", {}).get("status") if native.status == 200 else None
        nova.observe(native, "status through the BMS API", "ACTIVE", status)
    finally:
        api.call("delete_server", path={"server_id": server_id})


@pytest.mark.destructive
@pytest.mark.operation("delete_server")
def test_a_deleted_server_is_gone_from_both_apis(nova, api, bmscert_profile):
    server_id = create_server(api, nova.ids)
    nova.servers.wait_until(server_id, "ACTIVE")

    nova.ok("delete_server", path={"server_id": server_id})

    nova.fails("show_server", 404, "itemNotFound", path={"server_id": server_id})
    gone = nova.ok("list_servers")
    nova.observe(gone, "listed", False, server_id in {s["id"] for s in gone.json["servers"]})
    expected = expectations.unknown_server(bmscert_profile)
    native = api.call("ListBareMetalServerDetails", path={"server_id": server_id})
    nova.verify.error(native, expected.status, expected.envelope, expected.code)


@pytest.mark.destructive
@pytest.mark.parametrize("operation_id", ["delete_server"])
def test_deleting_an_unknown_server_is_a_404(nova, operation_id):
    nova.fails(operation_id, 404, "itemNotFound", path={"server_id": new_uuid()})


def _bad_create_bodies(ids):
    def body(**changes):
        server = server_body(ids, "bmscert-never")["server"]
        for key, value in changes.items():
            if value is None:
                server.pop(key)
            else:
                server[key] = value
        return {"server": server}

    return {
        "name-missing": body(name=None),
        "empty-name": body(name=""),
        "image-missing": body(imageRef=None),
        "unknown-image": body(imageRef=new_uuid()),
        "unknown-flavor": body(flavorRef="physical.none.nowhere"),
        "networks-missing": body(networks=None),
        "no-network": body(networks=[]),
        "five-networks": body(networks=[{"uuid": ids.network_id}] * 5),
        "unknown-network": body(networks=[{"uuid": new_uuid()}]),
        "two-security-groups": body(security_groups=[{"name": "a"}, {"name": "b"}]),
        "unknown-key-pair": body(key_name="bmscert-no-such-key"),
        "unknown-availability-zone": body(availability_zone="nowhere-9z"),
        "extra-member": body(min_count=2),
        "server-as-a-list": {"server": [body()["server"]]},
        "server-missing": {"name": "bmscert-never"},
    }


CASES = [
    "name-missing",
    "empty-name",
    "image-missing",
    "unknown-image",
    "unknown-flavor",
    "networks-missing",
    "no-network",
    "five-networks",
    "unknown-network",
    "two-security-groups",
    "unknown-key-pair",
    "unknown-availability-zone",
    "extra-member",
    "server-as-a-list",
    "server-missing",
]


@pytest.mark.mutating
@pytest.mark.parametrize("operation_id", ["create_server"])
@pytest.mark.parametrize("case", CASES)
def test_a_create_body_that_cannot_be_served_is_a_400_that_creates_nothing(
    nova, operation_id, case
):
    before = _server_ids(nova)
    refused = nova.fails(
        operation_id, 400, "badRequest", json_body=_bad_create_bodies(nova.ids)[case]
    )
    nova.unchanged(refused, "servers", before, _server_ids(nova))


@pytest.mark.mutating
@pytest.mark.operation("create_server")
def test_a_create_without_availability_zone_is_refused_only_by_the_bms_pages(nova, api):
    body = server_body(nova.ids, new_name())
    del body["server"]["availability_zone"]
    if nova.verify.profile.dialect == "huawei":
        before = _server_ids(nova)
        refused = nova.fails("create_server", 400, "badRequest", json_body=body)
        nova.unchanged(refused, "servers", before, _server_ids(nova))
        return
    created = nova.ok("create_server", json_body=body)
    api.call("delete_server", path={"server_id": created.json["server"]["id"]})
