"""Volume attachments through Nova: attaching and detaching are observed by polling the
attachment list; an unknown volume, a volume in use, the root volume and a malformed body are
refused and change nothing.
"""

import pytest

from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)

pytestmark = pytest.mark.mutating


def _attached(nova, server_id):
    reply = nova.ok("list_volume_attachments", path={"server_id": server_id})
    return sorted(item["volumeId"] for item in reply.json["volumeAttachments"])


def _wait_until_attached(nova, server_id, volume_id, attached=True):
    """Poll the attachments until the volume is (or is no longer) among them."""
    return nova.wait_for_list(
        "list_volume_attachments",
        {"server_id": server_id},
        "volumeAttachments",
        lambda items: (volume_id in {item["volumeId"] for item in items}) == attached,
    )


def _detach_if_attached(nova, server_id, volume_id):
    if volume_id in _attached(nova, server_id):
        nova.send("detach_volume", path={"server_id": server_id, "volume_id": volume_id})
    _wait_until_attached(nova, server_id, volume_id, attached=False)


@pytest.mark.operation("attach_volume")
def test_an_attached_volume_appears_in_the_attachments(nova, own_server):
    volume_id = nova.ids.spare_volume_id
    _detach_if_attached(nova, own_server, volume_id)

    attached = nova.ok(
        "attach_volume",
        path={"server_id": own_server},
        json_body={"volumeAttachment": {"volumeId": volume_id}},
    )
    try:
        nova.observe(
            attached,
            "server of the attachment",
            own_server,
            attached.json["volumeAttachment"]["serverId"],
        )
        listed = _wait_until_attached(nova, own_server, volume_id)
        nova.observe(listed, "volume attached", True, volume_id in _attached(nova, own_server))
        shown = nova.ok(
            "show_volume_attachment", path={"server_id": own_server, "volume_id": volume_id}
        )
        nova.observe(
            shown,
            "device",
            attached.json["volumeAttachment"]["device"],
            shown.json["volumeAttachment"]["device"],
        )
    finally:
        _detach_if_attached(nova, own_server, volume_id)


@pytest.mark.operation("detach_volume")
def test_a_detached_volume_leaves_the_attachments(nova, own_server):
    volume_id = nova.ids.spare_volume_id
    _detach_if_attached(nova, own_server, volume_id)
    nova.send(
        "attach_volume",
        path={"server_id": own_server},
        json_body={"volumeAttachment": {"volumeId": volume_id}},
    )
    _wait_until_attached(nova, own_server, volume_id)

    nova.ok("detach_volume", path={"server_id": own_server, "volume_id": volume_id})

    _wait_until_attached(nova, own_server, volume_id, attached=False)
    gone = nova.fails(
        "show_volume_attachment",
        404,
        "itemNotFound",
        path={"server_id": own_server, "volume_id": volume_id},
    )
    nova.observe(gone, "volume attached", False, volume_id in _attached(nova, own_server))


BAD_BODIES = [
    pytest.param({"volumeAttachment": {}}, id="volume-id-missing"),
    pytest.param({"volumeAttachment": {"volumeId": 7}}, id="volume-id-not-text"),
    pytest.param({"volumeAttachment": "volume"}, id="attachment-as-text"),
    pytest.param({"volumeAttachment": {"volumeId": "v", "bus": "ide"}}, id="extra-member"),
    pytest.param({"volumeId": "v"}, id="attachment-missing"),
]


@pytest.mark.parametrize("operation_id", ["attach_volume"])
@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_malformed_attach_body_is_a_400_that_changes_nothing(
    nova, own_server, operation_id, body
):
    before = _attached(nova, own_server)
    refused = nova.fails(
        operation_id, 400, "badRequest", path={"server_id": own_server}, json_body=body
    )
    nova.unchanged(refused, "attachments", before, _attached(nova, own_server))


@pytest.mark.operation("attach_volume")
def test_attaching_an_unknown_volume_is_a_404_that_changes_nothing(nova, own_server):
    before = _attached(nova, own_server)
    refused = nova.fails(
        "attach_volume",
        404,
        "itemNotFound",
        path={"server_id": own_server},
        json_body={"volumeAttachment": {"volumeId": new_uuid()}},
    )
    nova.unchanged(refused, "attachments", before, _attached(nova, own_server))


@pytest.mark.operation("attach_volume")
def test_attaching_a_volume_in_use_is_a_409_that_changes_nothing(nova, own_server):
    in_use = nova.ids.volume_id
    before = _attached(nova, own_server)
    refused = nova.fails(
        "attach_volume",
        409,
        "conflictingRequest",
        path={"server_id": own_server},
        json_body={"volumeAttachment": {"volumeId": in_use}},
        naming=(in_use,),
    )
    nova.unchanged(refused, "attachments", before, _attached(nova, own_server))


@pytest.mark.parametrize("operation_id", ["detach_volume"])
def test_detaching_a_volume_not_attached_is_a_404(nova, own_server, operation_id):
    nova.fails(
        operation_id, 404, "itemNotFound", path={"server_id": own_server, "volume_id": new_uuid()}
    )


@pytest.mark.destructive
@pytest.mark.operation("detach_volume")
def test_detaching_the_root_volume_is_a_400_that_changes_nothing(nova):
    server_id = nova.ids.server_id
    shown = nova.ok("show_server", at="2.3", path={"server_id": server_id}).json["server"]
    listed = nova.ok("list_volume_attachments", path={"server_id": server_id}).json
    roots = [
        item["volumeId"]
        for item in listed["volumeAttachments"]
        if item["device"] == shown["OS-EXT-SRV-ATTR:root_device_name"]
    ]
    if not roots:
        pytest.skip("the server has no root volume attached")
    root = roots[0]
    before = _attached(nova, server_id)
    refused = nova.fails(
        "detach_volume", 400, "badRequest", path={"server_id": server_id, "volume_id": root}
    )
    nova.unchanged(refused, "attachments", before, _attached(nova, server_id))
