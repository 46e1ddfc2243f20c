"""Volume attachments through the Nova API.

Attaching and detaching are timed effects of the shared lifecycle: the volume turns
``attaching`` (``detaching``) at once and the attachment appears (disappears) when the
effect ends, so a client polls the attachment list, as it must on the real cloud. The
device name is the one asked for when it is free, else the next free ``/dev/sdX``.
"""

from __future__ import annotations

import string

from bmscert.target.http import Call, Reply, nova_fault
from bmscert.target.lifecycle import Transition
from bmscert.target.model import Attachment, Server, Volume
from bmscert.target.nova import render
from bmscert.target.nova.lookup import server_of, status_for
from bmscert.target.nova.states import conflict
from bmscert.target.registry import handles


def _attachment_of(call: Call, server: Server) -> Attachment:
    volume_id = call.path["volume_id"]
    for attachment in server.attachments:
        if attachment.volume_id == volume_id:
            return attachment
    raise nova_fault(404, f"Instance {server.id} is not attached to volume {volume_id}.")


# What the server detail shows as OS-EXT-SRV-ATTR:root_device_name (render.py).
ROOT_DEVICE = "/dev/sda"


def _device_for(server: Server, asked: str | None) -> str:
    """The device asked for when it is free, else the next free one; never the root device
    name the server detail shows, even on a server whose boot volume is not listed."""
    used = {attachment.device for attachment in server.attachments} | {ROOT_DEVICE}
    if asked and asked not in used:
        return asked
    return next(
        f"/dev/sd{letter}" for letter in string.ascii_lowercase if f"/dev/sd{letter}" not in used
    )


def _volume_to_attach(call: Call, volume_id: str) -> Volume:
    volume = call.project.volumes.get(volume_id)
    if volume is None:
        raise nova_fault(404, f"Volume {volume_id} could not be found.")
    if volume.status != "available" and not volume.shareable:
        raise nova_fault(409, f"Volume {volume_id} is {volume.status}, not available")
    return volume


@handles("list_volume_attachments")
def list_attachments(call: Call) -> Reply:
    server = server_of(call)
    attachments = [
        render.volume_attachment(server, a.volume_id, a.device) for a in server.attachments
    ]
    return Reply(200, {"volumeAttachments": attachments})


@handles("show_volume_attachment")
def show_attachment(call: Call) -> Reply:
    server = server_of(call)
    attachment = _attachment_of(call, server)
    shown = render.volume_attachment(server, attachment.volume_id, attachment.device)
    return Reply(200, {"volumeAttachment": shown})


@handles("attach_volume")
def attach_volume(call: Call) -> Reply:
    server = server_of(call)
    if server.task_state is not None:
        raise conflict(server, "attach_volume", by_task=True)
    wanted = call.body["volumeAttachment"]
    volume = _volume_to_attach(call, wanted["volumeId"])
    device = _device_for(server, wanted.get("device"))

    def land(_: Transition) -> None:
        if call.project.servers.get(server.id) is not server:
            volume.status = "available"
            return
        server.attachments.append(Attachment(volume.id, device))
        volume.status = "in-use"

    volume.status = "attaching"
    call.world.lifecycle.begin_effect(server, "attach", call.now, land)
    shown = render.volume_attachment(server, volume.id, device)
    return Reply(status_for(call), {"volumeAttachment": shown})


@handles("detach_volume")
def detach_volume(call: Call) -> Reply:
    server = server_of(call)
    attachment = _attachment_of(call, server)
    if attachment.boot_index == "0":
        raise nova_fault(400, "Can't detach root device volume")
    volume = call.project.volumes.get(attachment.volume_id)
    if volume is not None and volume.status == "detaching":
        raise nova_fault(409, f"Volume {volume.id} is already detaching")

    def land(_: Transition) -> None:
        if attachment in server.attachments:
            server.attachments.remove(attachment)
        if volume is not None:
            volume.status = "available"

    if volume is not None:
        volume.status = "detaching"
    call.world.lifecycle.begin_effect(server, "detach", call.now, land)
    return Reply(status_for(call))
