"""Two projects and two users per project: each sees only its own, unless a deliberate
fault opens a door."""

import time

import httpx
import pytest

from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import Account, TargetSettings

ACCOUNTS = {role: Account(token=f"{role}-token-0123456789") for role in ("main", "peer", "other")}


@pytest.fixture
def world_of():
    def start(*faults):
        return ThreadedTarget(TargetSettings(accounts=ACCOUNTS, faults=faults))

    return start


def _get(running, endpoint, path, role):
    url = running.info["endpoints"][endpoint] + path
    return httpx.get(url, headers={"X-Auth-Token": ACCOUNTS[role].token})


def test_another_project_lists_its_own_servers_only(world_of):
    with world_of() as running:
        ours = running.info["resources"]
        other = running.info["identities"]["other"]["project_id"]
        listed = _get(running, "bms", f"/v1/{other}/baremetalservers/detail", "other").json()
    assert listed["count"] == 1
    assert ours["server_id"] not in str(listed)


def test_another_project_finds_neither_a_server_nor_a_job_of_this_one(world_of):
    with world_of() as running:
        ours = running.info["resources"]
        other = running.info["identities"]["other"]["project_id"]
        server = _get(running, "bms", f"/v1/{other}/baremetalservers/{ours['server_id']}", "other")
        job = _get(running, "bms", f"/v1/{other}/jobs/{ours['job_id']}", "other")
        nova = _get(running, "ecs", f"/v2.1/{other}/servers/{ours['server_id']}", "other")
    assert (server.status_code, server.json()["error"]["code"]) == (400, "BMS.0040")
    assert job.status_code == 404
    assert nova.status_code == 404


def test_the_cross_project_fault_lets_another_project_poll_a_job(world_of):
    with world_of("cross-project:ShowJobInfos") as running:
        ours = running.info["resources"]
        other = running.info["identities"]["other"]["project_id"]
        job = _get(running, "bms", f"/v1/{other}/jobs/{ours['job_id']}", "other")
    assert job.status_code == 200


def test_the_ignore_url_project_fault_serves_another_projects_url(world_of):
    with world_of("ignore-url-project:ShowTenantQuota") as running:
        ours = running.info["resources"]["project_id"]
        reply = _get(running, "bms", f"/v1/{ours}/baremetalservers/limits", "other")
    assert reply.status_code == 200


def test_a_users_key_pairs_are_hidden_from_another_user_of_the_project(world_of):
    with world_of() as running:
        project = running.info["resources"]["project_id"]
        mine = _get(running, "ecs", f"/v2.1/{project}/os-keypairs", "main").json()
        peers = _get(running, "ecs", f"/v2.1/{project}/os-keypairs", "peer").json()
        shown = _get(running, "ecs", f"/v2.1/{project}/os-keypairs/bmscert-seed-key", "peer")
    assert [pair["keypair"]["name"] for pair in mine["keypairs"]] == ["bmscert-seed-key"]
    assert peers["keypairs"] == []
    assert shown.status_code == 404


def test_the_shared_keypairs_fault_shows_them_to_the_other_user(world_of):
    with world_of("shared-keypairs:list_keypairs") as running:
        project = running.info["resources"]["project_id"]
        peers = _get(running, "ecs", f"/v2.1/{project}/os-keypairs", "peer").json()
    assert [pair["keypair"]["name"] for pair in peers["keypairs"]] == ["bmscert-seed-key"]


def test_a_job_finishes_when_another_project_called_in_the_meantime():
    quick = {"create": 0.05}
    with ThreadedTarget(TargetSettings(accounts=ACCOUNTS, job_seconds=quick)) as running:
        ids = running.info["resources"]
        other = running.info["identities"]["other"]["project_id"]
        created = httpx.post(
            f"{running.info['endpoints']['ecs']}/v2.1/{ids['project_id']}/servers",
            headers={"X-Auth-Token": ACCOUNTS["main"].token},
            json={
                "server": {
                    "name": "bmscert-adhoc-isolation",
                    "imageRef": ids["image_id"],
                    "flavorRef": ids["flavor_id"],
                    "networks": [{"uuid": ids["subnet_id"]}],
                    "availability_zone": ids["availability_zone"],
                }
            },
        ).json()["server"]["id"]
        time.sleep(0.2)
        _get(running, "bms", f"/v1/{other}/baremetalservers/limits", "other")
        shown = _get(running, "ecs", f"/v2.1/{ids['project_id']}/servers/{created}", "main")
    assert shown.json()["server"]["status"] == "ACTIVE"
