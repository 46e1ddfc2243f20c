"""Another tenant (a user of another project) cannot reach this project's resources.

Naming them from its own project finds nothing: every read and write of a server, and every
poll of a job, gets exactly the reply for an id that exists nowhere. None of them appear in
its lists. Reads name the profile's existing resources; writes name only servers the run
created, each read back afterwards by its owner to show nothing changed. (Calls through
this project's URL with the other tenant's credentials are refused in ``test_*_auth.py``.)
"""

import pytest

from bmscert.checks import effects, expectations
from bmscert.checks.isolation import no_foreign_resource_listed
from bmscert.core.catalogue import load_catalogue
from bmscert.runners.auth_cases import ABSENT_ID, NOVA_BODIES
from bmscert.runners.fleet import valid_body

pytest_plugins = ("bmscert.runners.auth_fixtures", "bmscert.runners.nova_fixtures")

CATALOGUE = load_catalogue()
BMS_SERVER_READS = [
    "ListBareMetalServerDetails",
    "ShowBaremetalServerInterfaceAttachments",
    "ShowBaremetalServerVolumeInfo",
    "ShowResetPwd",
    "ShowWindowsBaremetalServerPwd",
]
BMS_SERVER_WRITES = [
    "ChangeBaremetalServerName",
    "ReinstallBaremetalServerOs",
    "BatchStartBaremetalServers",
    "BatchRebootBaremetalServers",
    "BatchStopBaremetalServers",
    "AttachBaremetalServerVolume",
    "DetachBaremetalServerVolume",
    "UpdateBaremetalServerMetadata",
    "ResetPwdOneClick",
    "DeleteWindowsBareMetalServerPassword",
]
NOVA_SERVER_READS = [
    "show_server",
    "list_server_metadata",
    "show_server_metadata_item",
    "list_server_ips",
    "show_server_ips_by_network",
    "list_server_interfaces",
    "show_server_interface",
    "list_volume_attachments",
    "show_volume_attachment",
    "list_server_tags",
    "check_server_tag",
]
NOVA_SERVER_WRITES = [
    "start_server",
    "stop_server",
    "reboot_server",
    "update_server_metadata",
    "replace_server_metadata",
    "set_server_metadata_item",
    "delete_server_metadata_item",
    "attach_volume",
    "detach_volume",
    "replace_server_tags",
    "delete_all_server_tags",
    "add_server_tag",
    "delete_server_tag",
    "delete_server",
]
NOVA_WRITE_BODIES = {**NOVA_BODIES, "attach_volume": {"volumeAttachment": {"volumeId": ABSENT_ID}}}
LISTS = ["ListBareMetalServers", "list_servers", "list_servers_detail"]
TAGS_FROM = "2.26"


def _in_other_project(profile, path):
    return {**path, "project_id": profile.other_project_id}


@pytest.mark.readonly
@pytest.mark.parametrize("operation_id", BMS_SERVER_READS)
def test_another_tenant_finds_no_server_of_this_project(
    operation_id, api, verify, resources, identities, bmscert_profile
):
    path = resources.path_for(CATALOGUE[operation_id].path_params)

    exchange = api.call(
        operation_id, path=_in_other_project(bmscert_profile, path), auth=identities.other
    )

    expected = expectations.unknown_server(bmscert_profile)
    verify.error(exchange, expected.status, expected.envelope, expected.code)


@pytest.mark.readonly
@pytest.mark.parametrize("operation_id", ["ShowJobInfos"])
def test_another_tenant_cannot_poll_a_job_of_this_project(
    operation_id, api, verify, resources, identities, bmscert_profile
):
    path = _in_other_project(bmscert_profile, {"job_id": resources.job_id})

    exchange = api.call(operation_id, path=path, auth=identities.other)

    expected = expectations.unknown_job(bmscert_profile)
    verify.error(exchange, expected.status, expected.envelope, expected.code)


@pytest.mark.mutating
@pytest.mark.parametrize("operation_id", BMS_SERVER_WRITES)
def test_another_tenant_cannot_act_on_a_server_of_this_project(
    operation_id, api, verify, fleet, identities, bmscert_profile
):
    server_id = fleet.owned(verify)
    before = fleet.snapshot([server_id])
    names = CATALOGUE[operation_id].path_params
    path = {"server_id": server_id, "attachment_id": ABSENT_ID}
    path = {name: value for name, value in path.items() if name in names}
    body = _bms_body(operation_id, server_id)

    exchange = api.call(
        operation_id,
        path=_in_other_project(bmscert_profile, path),
        auth=identities.other,
        **({"json_body": body} if body is not None else {}),
    )

    expected = expectations.unknown_server(bmscert_profile)
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    after = fleet.snapshot([server_id])
    verify.settle([effects.state_is_unchanged(operation_id, before, after, exchange)])


def _bms_body(operation_id, server_id):
    try:
        return valid_body(operation_id, {"server_id": server_id, "volume_id": ABSENT_ID})
    except KeyError:
        return None


@pytest.mark.readonly
@pytest.mark.parametrize("operation_id", NOVA_SERVER_READS)
def test_another_tenant_finds_no_nova_server_of_this_project(
    operation_id, nova, identities, bmscert_profile
):
    names = [n for n in CATALOGUE[operation_id].path_params if n != "project_id"]
    path = _in_other_project(bmscert_profile, nova.ids.path_for(tuple(names)))

    nova.fails(operation_id, 404, "itemNotFound", path=path, auth=identities.other)


def _as_owner_sees_it(nova, server_id):
    server = nova.servers.read(server_id)
    tags = nova.send("list_server_tags", at=TAGS_FROM, path={"server_id": server_id})
    return {
        "status": server["status"],
        "task_state": server["OS-EXT-STS:task_state"],
        "metadata": server["metadata"],
        "tags": (tags.json or {}).get("tags"),
        "volumes": sorted(v["id"] for v in server["os-extended-volumes:volumes_attached"]),
    }


@pytest.mark.mutating
@pytest.mark.parametrize("operation_id", NOVA_SERVER_WRITES)
def test_another_tenant_cannot_act_on_a_nova_server_of_this_project(
    operation_id, nova, own_server, identities, bmscert_profile
):
    nova.servers.settle(own_server, "ACTIVE")
    before = _as_owner_sees_it(nova, own_server)
    names = [n for n in CATALOGUE[operation_id].path_params if n != "project_id"]
    path = {"server_id": own_server, "key": "k", "volume_id": ABSENT_ID, "tag": "x"}
    path = _in_other_project(bmscert_profile, {n: path[n] for n in names})
    body = NOVA_WRITE_BODIES.get(operation_id)

    refused = nova.fails(
        operation_id,
        404,
        "itemNotFound",
        path=path,
        auth=identities.other,
        **({"json_body": body} if body is not None else {}),
    )

    after = _as_owner_sees_it(nova, own_server)
    nova.unchanged(refused, "the server as its owner reads it", before, after)


def _own_server_ids(api, operation_id):
    reply = api.call(operation_id, query={"limit": 1000})
    servers = (reply.json or {}).get("servers", []) if reply.status == 200 else []
    return {server["id"] for server in servers}


@pytest.mark.readonly
@pytest.mark.parametrize("operation_id", LISTS)
def test_another_tenant_lists_none_of_this_projects_servers(
    operation_id, api, verify, identities, bmscert_profile
):
    ours = _own_server_ids(api, operation_id)
    if not ours:
        pytest.skip("this project has no server to look for in another tenant's list")
    path = {"project_id": bmscert_profile.other_project_id}

    listed = verify.success(api.call(operation_id, path=path, auth=identities.other))

    verify.settle([no_foreign_resource_listed(listed, ours, "this project")], listed)
