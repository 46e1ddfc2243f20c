"""The reference target's Nova API: negotiation, dialects, shared state, refusals."""

from __future__ import annotations

import time

import pytest

from bmscert.core.behaviours import resolve_behaviours
from bmscert.target.seed import seed_resources
from bmscert.target.settings import TargetSettings
from tests.conftest import live_target

QUICK = dict.fromkeys(("create", "start", "stop", "reboot", "attach", "detach"), 0.05)
IDS = seed_resources(TargetSettings())
PROJECT, SERVER = IDS["project_id"], IDS["server_id"]
BASE = f"/v2.1/{PROJECT}"
AT_2_26 = {"X-OpenStack-Nova-API-Version": "2.26"}
ROOT_DEVICE = "/dev/sda"  # what a BMS server detail names as its root device


def nova_target(dialect: str = "huawei", **settings):
    return live_target(endpoint="ecs", dialect=dialect, job_seconds=QUICK, **settings)


@pytest.fixture
def huawei():
    with nova_target("huawei") as client:
        yield client


@pytest.fixture
def openstack():
    with nova_target("openstack") as client:
        yield client


def wait_settled(client, server_id=SERVER):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        server = client.get(f"{BASE}/servers/{server_id}").json()["server"]
        if server["OS-EXT-STS:task_state"] is None:
            return server
        time.sleep(0.02)
    raise AssertionError("the server never settled")


# ---------------------------------------------------------------- microversions


def test_a_request_without_a_version_is_served_at_2_1_and_says_so(huawei):
    reply = huawei.get(f"{BASE}/servers/{SERVER}")
    assert reply.headers["OpenStack-API-Version"] == "compute 2.1"
    assert reply.headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert "tags" not in reply.json()["server"]


def test_latest_is_served_at_the_configured_maximum():
    with nova_target(max_microversion="2.30") as client:
        reply = client.get(f"{BASE}/servers", headers={"OpenStack-API-Version": "compute latest"})
        refused = client.get(f"{BASE}/servers", headers={"OpenStack-API-Version": "compute 2.31"})
    assert reply.headers["X-OpenStack-Nova-API-Version"] == "2.30"
    assert refused.status_code == 406
    assert "maximum is 2.30" in refused.json()["computeFault"]["message"]


@pytest.mark.parametrize(("version", "status"), [("2.x", 400), ("2.01", 400), ("3.0", 406)])
def test_a_refused_version_echoes_nothing(huawei, version, status):
    reply = huawei.get(f"{BASE}/servers", headers={"X-OpenStack-Nova-API-Version": version})
    assert reply.status_code == status
    assert "X-OpenStack-Nova-API-Version" not in reply.headers
    assert set(reply.json()) == {"badRequest" if status == 400 else "computeFault"}


def test_an_error_echoes_the_version_it_was_served_at(huawei):
    reply = huawei.get(f"{BASE}/servers/{'0' * 8}", headers=AT_2_26)
    assert reply.status_code == 404
    assert reply.json()["itemNotFound"]["code"] == 404
    assert reply.headers["X-OpenStack-Nova-API-Version"] == "2.26"


def test_tags_are_an_unknown_resource_below_2_26(huawei):
    below = huawei.put(
        f"{BASE}/servers/{SERVER}/tags",
        json={"tags": []},
        headers={"X-OpenStack-Nova-API-Version": "2.25"},
    )
    after = huawei.get(f"{BASE}/servers/{SERVER}/tags", headers=AT_2_26)
    assert below.status_code == 404
    assert "itemNotFound" in below.json()
    assert after.json()["tags"] == ["__type_baremetal", "env=prod"]


def test_a_member_newer_than_the_version_asked_for_is_left_out(openstack):
    old = openstack.get(f"{BASE}/servers/{SERVER}").json()["server"]
    new = openstack.get(
        f"{BASE}/servers/{SERVER}", headers={"X-OpenStack-Nova-API-Version": "2.47"}
    )
    server = new.json()["server"]
    assert {"locked", "description", "tags", "OS-EXT-SRV-ATTR:hostname"}.isdisjoint(old)
    assert {"locked", "description", "tags", "OS-EXT-SRV-ATTR:hostname"} <= set(server)
    assert set(old["flavor"]) == {"id", "links"}
    assert server["flavor"]["original_name"] == "physical.s4.medium"


def test_an_unknown_status_matches_nothing_below_2_38_and_is_refused_from_it(huawei):
    below = huawei.get(
        f"{BASE}/servers?status=NOPE", headers={"X-OpenStack-Nova-API-Version": "2.37"}
    )
    from_ = huawei.get(
        f"{BASE}/servers?status=NOPE", headers={"X-OpenStack-Nova-API-Version": "2.38"}
    )
    assert (below.status_code, below.json()["servers"]) == (200, [])
    assert from_.status_code == 400


def test_a_full_page_links_to_the_next_by_marker(huawei):
    first = huawei.get(f"{BASE}/servers?limit=2").json()
    rest = huawei.get(first["servers_links"][0]["href"]).json()
    everything = huawei.get(f"{BASE}/servers").json()["servers"]
    assert [s["id"] for s in first["servers"] + rest["servers"]] == [s["id"] for s in everything]
    assert "servers_links" not in rest


# ---------------------------------------------------------------- dialects


@pytest.mark.parametrize(("dialect", "status"), [("huawei", 204), ("openstack", 202)])
def test_an_action_answers_the_dialect_s_status(dialect, status):
    with nova_target(dialect) as client:
        reply = client.post(f"{BASE}/servers/{SERVER}/action", json={"os-stop": None})
    assert (reply.status_code, reply.content) == (status, b"")


@pytest.mark.parametrize(("dialect", "power_state"), [("huawei", 3), ("openstack", 4)])
def test_a_stopped_server_is_numbered_as_the_dialect_numbers_it(dialect, power_state):
    with nova_target(dialect) as client:
        client.post(f"{BASE}/servers/{SERVER}/action", json={"os-stop": None})
        server = wait_settled(client)
    assert (server["status"], server["OS-EXT-STS:power_state"]) == ("SHUTOFF", power_state)


@pytest.mark.parametrize(
    ("dialect", "status"), [("huawei", "HARD_REBOOT"), ("openstack", "REBOOT")]
)
def test_a_soft_reboot_is_forced_only_on_the_bms_pages(dialect, status):
    with nova_target(dialect) as client:
        client.post(f"{BASE}/servers/{SERVER}/action", json={"reboot": {"type": "SOFT"}})
        server = client.get(f"{BASE}/servers/{SERVER}").json()["server"]
    assert server["status"] == status


def test_adding_a_tag_answers_as_each_dialect_documents(huawei, openstack):
    url = f"{BASE}/servers/{SERVER}/tags/fresh"
    huawei_new = huawei.put(url, headers=AT_2_26)
    openstack_new, openstack_again = (openstack.put(url, headers=AT_2_26) for _ in range(2))
    assert huawei_new.status_code == 204
    assert (openstack_new.status_code, openstack_again.status_code) == (201, 204)
    assert openstack_again.headers["Location"].endswith(f"/servers/{SERVER}/tags/fresh")


@pytest.mark.parametrize(("dialect", "status"), [("huawei", 200), ("openstack", 400)])
def test_a_tag_of_70_characters_is_taken_only_on_the_bms_pages(dialect, status):
    with nova_target(dialect) as client:
        reply = client.put(
            f"{BASE}/servers/{SERVER}/tags", json={"tags": ["t" * 70]}, headers=AT_2_26
        )
    assert reply.status_code == status


def test_the_bms_members_of_the_detail_list_appear_only_in_the_huawei_dialect(huawei, openstack):
    bms = huawei.get(f"{BASE}/servers/detail").json()["servers"][0]
    upstream = openstack.get(f"{BASE}/servers/detail").json()["servers"][0]
    shown = huawei.get(f"{BASE}/servers/{SERVER}").json()["server"]
    assert {"sys_tags", "enterprise_project_id", "os:scheduler_hints"} <= set(bms)
    assert "sys_tags" not in upstream
    assert "sys_tags" not in shown


# ---------------------------------------------------------------- one world, two APIs


def test_a_server_stopped_through_nova_is_stopped_through_the_bms_api():
    with nova_target() as client:
        client.post(f"{BASE}/servers/{SERVER}/action", json={"os-stop": None})
        wait_settled(client)
        bms = client.get(
            f"{client.running.info['endpoints']['bms']}/v1/{PROJECT}/baremetalservers/{SERVER}"
        )
    assert bms.json()["server"]["status"] == "SHUTOFF"


def test_a_created_server_builds_then_runs_and_a_deleted_one_frees_its_volumes(huawei):
    template = huawei.get(f"{BASE}/servers/{SERVER}").json()["server"]
    port = huawei.get(f"{BASE}/servers/{SERVER}/os-interface").json()["interfaceAttachments"][0]
    body = {
        "server": {
            "name": "made-by-nova",
            "imageRef": template["image"]["id"],
            "flavorRef": template["flavor"]["id"],
            "availability_zone": template["OS-EXT-AZ:availability_zone"],
            "networks": [{"uuid": port["net_id"]}],
        }
    }
    created = huawei.post(f"{BASE}/servers", json=body)
    server_id = created.json()["server"]["id"]
    building = huawei.get(f"{BASE}/servers/{server_id}").json()["server"]["status"]
    running = wait_settled(huawei, server_id)["status"]
    volume = {"volumeAttachment": {"volumeId": IDS["volume_id"]}}
    huawei.post(f"{BASE}/servers/{server_id}/os-volume_attachments", json=volume)
    time.sleep(0.1)
    attached = huawei.get(f"{BASE}/servers/{server_id}/os-volume_attachments").json()
    deleted = huawei.delete(f"{BASE}/servers/{server_id}")
    world = huawei.running.target.world.project(PROJECT)

    assert (created.status_code, building, running) == (200, "BUILD", "ACTIVE")
    assert [a["volumeId"] for a in attached["volumeAttachments"]] == [IDS["volume_id"]]
    assert attached["volumeAttachments"][0]["device"] != ROOT_DEVICE
    assert deleted.status_code == 204
    assert huawei.get(f"{BASE}/servers/{server_id}").status_code == 404
    assert world.volumes[IDS["volume_id"]].status == "available"


# ---------------------------------------------------------------- refusals


def test_a_power_action_the_state_forbids_is_a_409_naming_the_state(huawei):
    reply = huawei.post(f"{BASE}/servers/{SERVER}/action", json={"os-start": None})
    assert reply.status_code == 409
    assert "while it is in vm_state active" in reply.json()["conflictingRequest"]["message"]


def test_an_item_put_whose_body_key_differs_from_the_url_is_a_400(huawei):
    reply = huawei.put(f"{BASE}/servers/{SERVER}/metadata/purpose", json={"meta": {"owner": "x"}})
    metadata = huawei.get(f"{BASE}/servers/{SERVER}/metadata").json()["metadata"]
    assert reply.status_code == 400
    assert reply.json()["badRequest"]["message"] == "Request body and URI mismatch"
    assert metadata == {"purpose": "web", "owner": "platform-team"}


def test_metadata_past_the_quota_is_a_403(huawei):
    many = {f"k{n}": "v" for n in range(129)}
    reply = huawei.post(f"{BASE}/servers/{SERVER}/metadata", json={"metadata": many})
    assert reply.status_code == 403
    assert "forbidden" in reply.json()


def test_a_generated_keypair_returns_its_private_key_once_and_a_duplicate_is_a_409(huawei):
    created = huawei.post(f"{BASE}/os-keypairs", json={"keypair": {"name": "k1"}}).json()
    again = huawei.post(f"{BASE}/os-keypairs", json={"keypair": {"name": "k1"}})
    shown = huawei.get(f"{BASE}/os-keypairs/k1").json()["keypair"]
    assert created["keypair"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert again.status_code == 409
    assert "private_key" not in shown
    assert shown["fingerprint"] == created["keypair"]["fingerprint"]


def test_an_imported_key_that_is_not_an_ssh_key_is_a_400(huawei):
    body = {"keypair": {"name": "k2", "public_key": "ssh-rsa bm90IGEga2V5 x"}}
    reply = huawei.post(f"{BASE}/os-keypairs", json=body)
    assert reply.status_code == 400
    assert "Keypair data is invalid" in reply.json()["badRequest"]["message"]


def test_the_unknown_version_behaviour_leaves_the_nova_version_documents_alone():
    behaviours = resolve_behaviours({"unknown_version": "bms-404"})
    with live_target(endpoint="ecs", behaviours=behaviours) as client:
        reply = client.get("/v9.9")
    assert (reply.status_code, reply.json()["error_code"]) == (404, "APIGW.0101")
