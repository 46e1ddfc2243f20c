"""Every Nova operation refuses a request without a valid token before doing anything; the
refusal comes from the gateway, in its envelope, for both API families alike."""

import pytest

from bmscert.checks import expectations
from bmscert.core.catalogue import load_catalogue
from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)

CATALOGUE = load_catalogue()
VERSION_READS = {"list_api_versions", "show_api_version"}
# A body for each operation that takes one. Each names things that do not exist, so a target
# that skipped authentication would still change nothing.
BODIES = {
    "create_server": {
        "server": {
            "name": "x",
            "imageRef": "i",
            "flavorRef": "f",
            "availability_zone": "z",
            "networks": [{"uuid": "n"}],
        }
    },
    "start_server": {"os-start": None},
    "stop_server": {"os-stop": None},
    "reboot_server": {"reboot": {"type": "HARD"}},
    "update_server_metadata": {"metadata": {"k": "v"}},
    "replace_server_metadata": {"metadata": {"k": "v"}},
    "set_server_metadata_item": {"meta": {"k": "v"}},
    "attach_volume": {"volumeAttachment": {"volumeId": "v"}},
    "create_keypair": {"keypair": {"name": "bmscert/never"}},
    "replace_server_tags": {"tags": ["x"]},
}
# Unknown ids everywhere: a target that skipped authentication still changes nothing.
PATH = {
    "server_id": new_uuid(),
    "flavor_id": "physical.none",
    "key": "k",
    "network_label": "n",
    "flavor_extra_spec_key": "k",
    "port_id": new_uuid(),
    "volume_id": new_uuid(),
    "keypair_name": "bmscert-never",
    "tag": "x",
    "api_version": "v2.1",
}
OPERATIONS = [op.id for op in CATALOGUE.family("nova-v2.1") if op.id not in VERSION_READS]

pytestmark = pytest.mark.readonly


@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_a_call_without_token_is_refused_by_the_gateway(operation_id, nova, verify):
    names = CATALOGUE[operation_id].path_params
    path = {name: PATH[name] for name in names if name != "project_id"}
    extra = {"json_body": BODIES[operation_id]} if operation_id in BODIES else {}
    exchange = nova.send(operation_id, path=path, authenticated=False, **extra)
    expected = expectations.missing_token()
    verify.error(exchange, expected.status, expected.envelope, expected.code)


@pytest.mark.parametrize("operation_id", sorted(VERSION_READS))
def test_the_version_documents_need_a_token_only_if_the_behaviour_says(operation_id, nova, verify):
    path = {"api_version": "v2.1"} if operation_id == "show_api_version" else {}
    exchange = nova.send(operation_id, path=path, authenticated=False)
    if expectations.versions_need_token(verify.profile):
        expected = expectations.missing_token()
        verify.error(exchange, expected.status, expected.envelope, expected.code)
        return
    verify.success(exchange)
