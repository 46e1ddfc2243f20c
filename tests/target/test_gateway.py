"""The gateway steps every call passes: auth, project, ceilings, routing, ambiguities."""

import time

import pytest

from bmscert.core.behaviours import resolve_behaviours
from tests.conftest import live_target


def test_a_call_without_token_gets_401_in_the_gateway_envelope(anonymous, seeded):
    reply = anonymous.get(f"/v1/{seeded['project_id']}/baremetalservers/limits")
    body = reply.json()
    assert reply.status_code == 401
    assert body["error_code"] == "APIGW.0301"
    assert body["request_id"] == reply.headers["x-request-id"]


def test_a_wrong_token_gets_401(bms, seeded):
    reply = bms.get(
        f"/v1/{seeded['project_id']}/baremetalservers/limits",
        headers={"X-Auth-Token": "wrong-token-value"},
    )
    assert reply.status_code == 401


def test_another_projects_url_is_refused(bms):
    reply = bms.get("/v1/0123456789abcdef0123456789abcdef/baremetalservers/limits")
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "Common.0018"


def test_the_version_documents_need_no_token_by_default(anonymous):
    assert anonymous.get("/").status_code == 200


def test_the_version_documents_can_be_made_to_need_a_token():
    behaviours = resolve_behaviours({"versions_need_auth": "yes"})
    with live_target(authenticated=False, behaviours=behaviours) as anonymous:
        assert anonymous.get("/v1").status_code == 401


def test_an_unpublished_path_or_method_gets_the_gateway_404(bms, seeded):
    for reply in (
        bms.get("/v3/nothing"),
        bms.delete(f"/v1/{seeded['project_id']}/baremetalservers/limits"),
    ):
        assert reply.status_code == 404
        assert reply.json()["error_code"] == "APIGW.0101"


def test_a_call_past_the_ceiling_gets_429_until_the_window_passes(seeded):
    path = f"/v1/{seeded['project_id']}/baremetalservers/{seeded['server_id']}/os-server-password"
    with live_target(window_seconds=1) as client:
        statuses = [client.get(path).status_code for _ in range(51)]
        throttled = client.get(path)
        time.sleep(1.1)
        recovered = client.get(path)
    assert statuses[:50] == [200] * 50
    assert statuses[50] == 429
    assert throttled.json()["error_code"] == "APIGW.0308"
    assert "limit:50" in throttled.json()["error_msg"]
    assert recovered.status_code == 200


@pytest.mark.parametrize(("choice", "status"), [("bms-0040-400", 400), ("not-found-404", 404)])
def test_an_unknown_server_is_answered_as_the_behaviour_says(seeded, choice, status):
    behaviours = resolve_behaviours({"unknown_server": choice})
    with live_target(behaviours=behaviours) as client:
        reply = client.get(
            f"/v1/{seeded['project_id']}/baremetalservers/00000000-0000-0000-0000-000000000000"
        )
    assert reply.status_code == status
    assert reply.json() == {"error": {"code": "BMS.0040", "message": "The server does not exist"}}


def test_an_unknown_job_is_answered_as_the_behaviour_says(bms, seeded):
    reply = bms.get(f"/v1/{seeded['project_id']}/jobs/ffffffffffffffffffffffffffffffff")
    assert reply.status_code == 404
    assert "error" in reply.json()
