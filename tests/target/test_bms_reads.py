"""The reference target answers every BMS read in the documented shape, with nothing extra."""

import re

import pytest

from bmscert.core.catalogue import load_catalogue

CATALOGUE = load_catalogue()
READS = [op for op in CATALOGUE.family("bms-v1") if op.method == "GET"]


def _url(operation, seeded, **overrides):
    return operation.render_path({**seeded, **overrides})


@pytest.mark.parametrize("operation", READS, ids=lambda op: op.id)
def test_every_read_answers_its_documented_shape_with_no_undocumented_member(
    operation, bms, seeded, store
):
    reply = bms.get(_url(operation, seeded))
    assert reply.status_code == 200
    assert store.problems(operation.response_schema, reply.json()) == []
    assert store.undocumented_members(operation.response_schema, reply.json()) == []


def test_every_reply_carries_a_32_hex_request_id(bms, seeded):
    for path in ("/", "/nope", f"/v1/{seeded['project_id']}/baremetalservers/limits"):
        assert re.fullmatch(r"[0-9a-f]{32}", bms.get(path).headers["x-request-id"])


def test_the_server_list_pages_by_page_number(bms, seeded):
    base = f"/v1/{seeded['project_id']}/baremetalservers/detail"
    first = bms.get(base, params={"limit": 1}).json()
    second = bms.get(base, params={"limit": 1, "offset": 2}).json()
    everything = bms.get(base, params={"offset": 1}).json()
    assert first["count"] == second["count"] == 3
    assert len(first["servers"]) == len(second["servers"]) == 1
    assert first["servers"][0]["id"] != second["servers"][0]["id"]
    assert len(everything["servers"]) == 3


def test_the_server_list_filters_by_status_and_name(bms, seeded):
    base = f"/v1/{seeded['project_id']}/baremetalservers/detail"
    stopped = bms.get(base, params={"status": "SHUTOFF"}).json()
    named = bms.get(base, params={"name": "web"}).json()
    assert [s["status"] for s in stopped["servers"]] == ["SHUTOFF"]
    assert [s["name"] for s in named["servers"]] == ["bms-web-01"]


@pytest.mark.parametrize("limit", ["0", "1001", "ten"])
def test_a_page_size_outside_the_documented_range_is_refused(bms, seeded, limit):
    reply = bms.get(f"/v1/{seeded['project_id']}/baremetalservers/detail?limit={limit}")
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "BMS.0018"


def test_the_flavor_list_types_ram_as_a_number_and_details_as_text(bms, seeded):
    project = seeded["project_id"]
    flavor = bms.get(f"/v1/{project}/baremetalservers/flavors").json()["flavors"][0]
    server = bms.get(f"/v1/{project}/baremetalservers/{seeded['server_id']}").json()["server"]
    assert isinstance(flavor["ram"], int)
    assert isinstance(server["flavor"]["ram"], str)


def test_the_seeded_job_has_finished_with_one_sub_job(bms, seeded):
    job = bms.get(f"/v1/{seeded['project_id']}/jobs/{seeded['job_id']}").json()
    assert job["status"] == "SUCCESS"
    assert job["end_time"] >= job["begin_time"]
    assert job["error_code"] is None
    assert [sub["entities"]["server_id"] for sub in job["entities"]["sub_jobs"]] == [
        seeded["server_id"]
    ]
