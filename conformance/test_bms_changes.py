"""Changing one owned server: name, metadata, volumes, passwords; each effect read back."""

import pytest

from bmscert.checks import effects, expectations
from bmscert.runners.fleet import new_password, unique_name
from bmscert.runners.pytest_plugin import new_uuid

RENAME = "ChangeBaremetalServerName"
METADATA = "UpdateBaremetalServerMetadata"
ATTACH = "AttachBaremetalServerVolume"
DETACH = "DetachBaremetalServerVolume"
VOLUMES = "ShowBaremetalServerVolumeInfo"
RESET = "ResetPwdOneClick"
RESET_FLAG = "ShowResetPwd"
SHOW_WINDOWS = "ShowWindowsBaremetalServerPwd"
DELETE_WINDOWS = "DeleteWindowsBareMetalServerPassword"


@pytest.mark.mutating
@pytest.mark.operation(RENAME)
def test_rename_answers_the_nova_shape_and_the_details_show_the_name(api, verify, fleet):
    server_id = fleet.owned(verify)
    name = unique_name("renamed")

    reply = verify.success(
        api.call(RENAME, path={"server_id": server_id}, json_body={"server": {"name": name}})
    )

    server, exchange = fleet.details(server_id)
    verify.settle(
        [
            effects.effect_is_visible(
                RENAME, "name in the reply", name, reply.json["server"]["name"], reply
            ),
            effects.effect_is_visible(
                RENAME, "name in the details", name, server.get("name"), exchange
            ),
        ]
    )


@pytest.mark.mutating
@pytest.mark.operation(METADATA)
def test_metadata_is_merged_and_shows_in_the_details(api, verify, fleet):
    server_id = fleet.owned(verify)
    pairs = {"bmscert-check": new_uuid()}
    before, _ = fleet.details(server_id)

    reply = verify.success(
        api.call(METADATA, path={"server_id": server_id}, json_body={"metadata": pairs})
    )

    server, exchange = fleet.details(server_id)
    kept = {key: server["metadata"].get(key) for key in before.get("metadata", {})}
    expected_kept = {
        key: value for key, value in before.get("metadata", {}).items() if key not in pairs
    }
    verify.settle(
        [
            effects.effect_is_visible(METADATA, "reply", pairs, reply.json["metadata"], reply),
            effects.effect_is_visible(
                METADATA,
                "the new pair in the details",
                pairs["bmscert-check"],
                server["metadata"].get("bmscert-check"),
                exchange,
            ),
            effects.effect_is_visible(
                METADATA,
                "the other pairs, kept",
                expected_kept,
                {k: v for k, v in kept.items() if k in expected_kept},
                exchange,
            ),
        ]
    )


def _attached_volumes(api, verify, server_id):
    reply = verify.success(api.call(VOLUMES, path={"server_id": server_id}))
    return {item["volumeId"] for item in reply.json["volumeAttachments"]}, reply


def _attach(api, verify, fleet, server_id, volume_id):
    body = {"volumeAttachment": {"volumeId": volume_id}}
    reply = verify.success(api.call(ATTACH, path={"server_id": server_id}, json_body=body))
    fleet.follow_job(verify, ATTACH, reply.json["job_id"], [server_id])


@pytest.mark.mutating
@pytest.mark.operation(ATTACH)
def test_attach_runs_a_job_and_the_volume_shows_on_the_server(api, verify, fleet):
    server_id = fleet.owned(verify)
    volume_id = fleet.ids("volume_id")["volume_id"]
    fleet.ensure(verify, server_id, "ACTIVE")
    attached, _ = _attached_volumes(api, verify, server_id)
    if volume_id in attached:
        pytest.skip(f"volume {volume_id} is already attached to the owned server")

    _attach(api, verify, fleet, server_id, volume_id)

    attached, reply = _attached_volumes(api, verify, server_id)
    server, exchange = fleet.details(server_id)
    in_details = {v["id"] for v in server.get("os-extended-volumes:volumes_attached", [])}
    verify.settle(
        [
            effects.effect_is_visible(
                ATTACH, "volume in os-volume_attachments", True, volume_id in attached, reply
            ),
            effects.effect_is_visible(
                ATTACH, "volume in the details", True, volume_id in in_details, exchange
            ),
        ]
    )


@pytest.mark.mutating
@pytest.mark.operation(DETACH)
def test_detach_runs_a_job_and_the_volume_leaves_the_server(api, verify, fleet):
    server_id = fleet.owned(verify)
    volume_id = fleet.ids("volume_id")["volume_id"]
    fleet.ensure(verify, server_id, "ACTIVE")
    attached, _ = _attached_volumes(api, verify, server_id)
    if volume_id not in attached:
        _attach(api, verify, fleet, server_id, volume_id)

    path = {"server_id": server_id, "attachment_id": volume_id}
    reply = verify.success(api.call(DETACH, path=path))
    fleet.follow_job(verify, DETACH, reply.json["job_id"], [server_id])

    attached, listing = _attached_volumes(api, verify, server_id)
    verify.settle(
        [
            effects.effect_is_visible(
                DETACH, "volume still attached", False, volume_id in attached, listing
            )
        ]
    )


@pytest.mark.mutating
@pytest.mark.operation(DETACH)
def test_detach_of_a_volume_not_on_the_server_is_refused(api, verify, fleet):
    server_id = fleet.owned(verify)
    before = fleet.snapshot([server_id])

    exchange = api.call(DETACH, path={"server_id": server_id, "attachment_id": new_uuid()})

    expected = expectations.volume_not_attached()
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    verify.settle(
        [effects.state_is_unchanged(DETACH, before, fleet.snapshot([server_id]), exchange)]
    )


@pytest.mark.mutating
@pytest.mark.operation(ATTACH)
def test_attach_of_an_unknown_volume_is_refused(api, verify, fleet):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "ACTIVE")
    before = fleet.snapshot([server_id])
    body = {"volumeAttachment": {"volumeId": new_uuid()}}

    exchange = api.call(ATTACH, path={"server_id": server_id}, json_body=body)

    expected = expectations.volume_not_found()
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    verify.settle(
        [effects.state_is_unchanged(ATTACH, before, fleet.snapshot([server_id]), exchange)]
    )


@pytest.mark.destructive
@pytest.mark.operation(RESET)
def test_one_click_reset_answers_the_chosen_status_without_a_body(
    api, verify, fleet, bmscert_profile
):
    server_id = fleet.owned(verify)
    body = {"reset-password": {"new_password": new_password()}}

    exchange = api.call(RESET, path={"server_id": server_id}, json_body=body)

    verify.success(exchange, documented={expectations.reset_password_status(bmscert_profile)})
    flag = verify.success(api.call(RESET_FLAG, path={"server_id": server_id}))
    verify.settle(
        [
            effects.effect_is_visible(
                RESET, "reset flag afterwards", "True", flag.json["resetpwd_flag"], flag
            )
        ]
    )


@pytest.mark.destructive
@pytest.mark.operation(DELETE_WINDOWS)
def test_deleting_the_windows_password_empties_what_the_query_returns(api, verify, fleet):
    server_id = fleet.owned(verify, "windows")
    shown = verify.success(api.call(SHOW_WINDOWS, path={"server_id": server_id}))
    verify.settle(
        [
            effects.effect_is_visible(
                SHOW_WINDOWS,
                "a password before the delete",
                True,
                bool(shown.json["password"]),
                shown,
            )
        ]
    )

    verify.success(api.call(DELETE_WINDOWS, path={"server_id": server_id}))

    after = verify.success(api.call(SHOW_WINDOWS, path={"server_id": server_id}))
    verify.settle(
        [
            effects.effect_is_visible(
                DELETE_WINDOWS, "password afterwards", "", after.json["password"], after
            )
        ]
    )


SERVER_CHANGES = [
    pytest.param(RENAME, {"server": {"name": "bmscert-unknown"}}, marks=pytest.mark.mutating),
    pytest.param(METADATA, {"metadata": {"bmscert": "x"}}, marks=pytest.mark.mutating),
    pytest.param(
        "ReinstallBaremetalServerOs",
        {"os-reinstall": {"adminpass": "Bc-0123456789x"}},
        marks=pytest.mark.destructive,
    ),
    pytest.param(
        ATTACH,
        {"volumeAttachment": {"volumeId": "8c2a5d1e-0b7f-4c3d-9e6a-1f2b3c4d5e6f"}},
        marks=pytest.mark.mutating,
    ),
    pytest.param(
        RESET,
        {"reset-password": {"new_password": "Bc-0123456789x"}},
        marks=pytest.mark.destructive,
    ),
    pytest.param(DELETE_WINDOWS, None, marks=pytest.mark.destructive),
    pytest.param(DETACH, None, marks=pytest.mark.mutating),
]


@pytest.mark.parametrize(("operation_id", "body"), SERVER_CHANGES)
def test_a_change_to_an_unknown_server_is_refused(
    operation_id, body, api, verify, bmscert_profile
):
    path = {"server_id": new_uuid(), "attachment_id": new_uuid()}
    extra = {} if body is None else {"json_body": body}

    exchange = api.call(operation_id, path=path, **extra)

    expected = expectations.unknown_server(bmscert_profile)
    verify.error(exchange, expected.status, expected.envelope, expected.code)
