"""The Nova fault kinds: parsed strictly, and each bends only the operation it names."""

import pytest

from bmscert.errors import ConfigError
from bmscert.target.faults import Faults
from bmscert.target.seed import seed_resources
from bmscert.target.settings import TargetSettings
from tests.conftest import live_target

IDS = seed_resources(TargetSettings())
BASE = f"/v2.1/{IDS['project_id']}"
SERVER = f"{BASE}/servers/{IDS['server_id']}"
AT_2_26 = {"X-OpenStack-Nova-API-Version": "2.26"}


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("skip-rule:replace_server_tags", "needs an argument"),
        ("no-microversion-echo:nothing", "unknown operation"),
        ("accept-everything:create_keypair", "unknown fault"),
    ],
)
def test_a_malformed_nova_fault_is_a_config_error(catalogue, spec, message):
    with pytest.raises(ConfigError, match=message):
        Faults.parse([spec], catalogue)


def test_ignore_min_microversion_serves_tags_below_2_26():
    with live_target(endpoint="ecs", faults=("ignore-min-microversion:list_server_tags",)) as nova:
        served = nova.get(f"{SERVER}/tags")
        still_gated = nova.get(f"{SERVER}/tags/env=prod")
    assert served.status_code == 200
    assert still_gated.status_code == 404


def test_no_microversion_echo_drops_the_headers_of_that_operation_only():
    with live_target(endpoint="ecs", faults=("no-microversion-echo:show_server",)) as nova:
        shown = nova.get(SERVER)
        listed = nova.get(f"{BASE}/servers")
    assert "X-OpenStack-Nova-API-Version" not in shown.headers
    assert listed.headers["X-OpenStack-Nova-API-Version"] == "2.1"


def test_skip_rule_lets_an_empty_tag_through():
    with live_target(endpoint="ecs", faults=("skip-rule:replace_server_tags:minLength",)) as nova:
        reply = nova.put(f"{SERVER}/tags", json={"tags": [""]}, headers=AT_2_26)
        too_long = nova.put(f"{SERVER}/tags", json={"tags": ["t" * 81]}, headers=AT_2_26)
    assert (reply.status_code, reply.json()) == (200, {"tags": [""]})
    assert too_long.status_code == 400


def test_accept_mismatched_key_stores_the_body_s_key():
    fault = "accept-mismatched-key:set_server_metadata_item"
    with live_target(endpoint="ecs", faults=(fault,)) as nova:
        reply = nova.put(f"{SERVER}/metadata/purpose", json={"meta": {"other": "x"}})
        metadata = nova.get(f"{SERVER}/metadata").json()["metadata"]
    assert reply.status_code == 200
    assert metadata["other"] == "x"


def test_accept_duplicate_replaces_a_keypair_of_the_same_name():
    with live_target(endpoint="ecs", faults=("accept-duplicate:create_keypair",)) as nova:
        first = nova.post(f"{BASE}/os-keypairs", json={"keypair": {"name": "twice"}}).json()
        second = nova.post(f"{BASE}/os-keypairs", json={"keypair": {"name": "twice"}})
    assert second.status_code == 200
    assert second.json()["keypair"]["fingerprint"] != first["keypair"]["fingerprint"]
