"""openstacksdk, a client no one here wrote, works against the reference target's Nova API.

The SDK discovers the microversion range from the version document, negotiates the newest
it knows, and parses every reply with its own resource models, so it catches a target that
only our schemas would accept. It is pointed at the ECS endpoint with a static token, as a
tenant would point it at a region's ECS endpoint.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Iterator

import pytest

from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import TargetSettings

openstack_connection = pytest.importorskip("openstack.connection")
from keystoneauth1 import session as keystone_session  # noqa: E402
from keystoneauth1.token_endpoint import Token  # noqa: E402

# The SDK warns about its own internals (a method it calls itself is marked for removal).
pytestmark = pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning")
TOKEN = "sdk-token-0123456789"
QUICK = dict.fromkeys(("create", "start", "stop", "reboot"), 0.05)


@pytest.fixture(scope="module", params=["openstack", "huawei"])
def cloud(request) -> Iterator[tuple]:
    """A connection to a fresh target speaking each dialect, and the target's seeded ids."""
    settings = TargetSettings(token=TOKEN, dialect=request.param, job_seconds=QUICK)
    with ThreadedTarget(settings) as running:
        resources = running.info["resources"]
        ecs = running.info["endpoints"]["ecs"]
        session = keystone_session.Session(auth=Token(ecs, TOKEN))
        connection = openstack_connection.Connection(
            session=session,
            compute_endpoint_override=f"{ecs}/v2.1/{resources['project_id']}",
            compute_api_version="2",
        )
        yield connection, running, resources
        connection.close()


def test_the_sdk_negotiates_the_newest_microversion_the_target_offers(cloud):
    connection, _, _ = cloud
    assert connection.compute.get_endpoint_data().max_microversion == (2, 60)


def test_the_sdk_lists_and_shows_the_target_s_servers(cloud):
    connection, running, resources = cloud
    listed = {server.id: server.name for server in connection.compute.servers()}
    shown = connection.compute.get_server(resources["server_id"])

    project = running.target.world.project(resources["project_id"])
    assert listed == {server.id: server.name for server in project.servers.values()}
    assert shown.name == project.servers[resources["server_id"]].name
    assert shown.flavor.original_name == "physical.s4.medium"


def test_the_sdk_lists_and_shows_flavors_with_their_bms_extra_specs(cloud):
    connection, _, _ = cloud
    names = sorted(flavor.name for flavor in connection.compute.flavors())
    flavor = connection.compute.get_flavor("physical.o2.medium")
    specs = connection.compute.fetch_flavor_extra_specs(flavor).extra_specs

    assert names == ["physical.kl1.3xlarge", "physical.o2.medium", "physical.s4.medium"]
    assert (flavor.vcpus, flavor.ram) == (48, 393216)
    assert specs["baremetal:extBootType"] == "Volume"


def test_the_sdk_stops_and_starts_a_server_and_sees_it_settle(cloud):
    connection, running, resources = cloud
    server = connection.compute.get_server(resources["server_id"])

    native = running.target.world.project(resources["project_id"]).servers[server.id]

    connection.compute.stop_server(server)
    wait = {"interval": 0.05, "wait": 10}
    stopped = connection.compute.wait_for_server(server, status="SHUTOFF", **wait).status
    native_when_stopped = native.status
    connection.compute.start_server(server)
    started = connection.compute.wait_for_server(server, status="ACTIVE", **wait).status

    assert (stopped, native_when_stopped, started) == ("SHUTOFF", "SHUTOFF", "ACTIVE")


def _ed25519_public_key() -> str:
    def string(data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + data

    blob = string(b"ssh-ed25519") + string(bytes(range(32)))
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} sdk"


def test_the_sdk_creates_imports_lists_and_deletes_keypairs(cloud):
    connection, _, _ = cloud
    created = connection.compute.create_keypair(name="sdk-created")
    imported = connection.compute.create_keypair(
        name="sdk-imported", public_key=_ed25519_public_key()
    )
    listed = sorted(keypair.name for keypair in connection.compute.keypairs())
    shown = connection.compute.get_keypair("sdk-imported")
    connection.compute.delete_keypair(created)
    connection.compute.delete_keypair(imported)
    left = sorted(keypair.name for keypair in connection.compute.keypairs())

    assert created.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert imported.private_key is None
    assert shown.fingerprint == imported.fingerprint
    assert listed == ["bmscert-seed-key", "sdk-created", "sdk-imported"]
    assert left == ["bmscert-seed-key"]


def test_the_sdk_manages_a_server_s_tags(cloud):
    connection, _, resources = cloud
    server = connection.compute.get_server(resources["server_id"])
    original = list(server.tags)

    server.add_tag(connection.compute, "sdk-tag")
    with_tag = list(server.fetch_tags(connection.compute).tags)
    server.remove_tag(connection.compute, "sdk-tag")
    server.set_tags(connection.compute, [*original, "sdk-replaced"])
    replaced = list(connection.compute.get_server(server.id).tags)
    server.set_tags(connection.compute, original)

    assert with_tag == [*original, "sdk-tag"]
    assert replaced == [*original, "sdk-replaced"]
