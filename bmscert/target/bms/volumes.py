"""Attaching and detaching EVS volumes, each a job whose effect lands when it succeeds.

Between the call and the end of its job the volume shows ``attaching`` or ``detaching``, so
a second call for the same volume is refused (BMS.1011) instead of doubling the effect.
"""

from __future__ import annotations

import re

from bmscert.target.bms.lookup import new_job_id, server_of, state_conflict
from bmscert.target.http import Call, Reply, bms_error
from bmscert.target.lifecycle import Transition
from bmscert.target.model import Attachment, Server, Volume
from bmscert.target.registry import handles

_DEVICE = re.compile(r"^/dev/sd[a-z]+$")
_DATA_DEVICES = [f"/dev/sd{letter}" for letter in "bcdefghijklmnopqrstuvwxyz"]
SYSTEM_DEVICE = "/dev/sda"


def _volume_to_attach(call: Call, server: Server) -> Volume:
    volume = call.project.volumes.get(call.body["volumeAttachment"]["volumeId"])
    if volume is None:
        raise bms_error(400, "BMS.0103", "The volume to attach does not exist")
    if any(a.volume_id == volume.id for a in server.attachments):
        raise bms_error(400, "BMS.1009", "The volume is already attached to this server")
    if volume.status == "attaching":
        raise bms_error(400, "BMS.1011", "The volume is already being attached")
    if volume.status != "available" and not volume.shareable:
        raise bms_error(400, "BMS.1003", f"A volume in status {volume.status} cannot be attached")
    if volume.availability_zone != server.availability_zone:
        raise bms_error(400, "BMS.0106", "The volume is in another availability zone")
    return volume


def _check_server_takes_volumes(call: Call, server: Server) -> None:
    flavor = call.world.flavors[server.flavor_id]
    if flavor.extra_specs.get("baremetal:__support_evs") != "true":
        raise bms_error(400, "BMS.0315", "This flavor does not support EVS disks")
    if server.status not in ("ACTIVE", "SHUTOFF") or server.task_state is not None:
        raise bms_error(400, "BMS.1001", "Volumes attach only to a running or stopped server")


def _device(call: Call, server: Server) -> str:
    """The requested mount point if it is free and well formed, else the next free one."""
    taken = {a.device for a in server.attachments}
    wanted = call.body["volumeAttachment"].get("device") or ""
    if not wanted:
        free = [device for device in _DATA_DEVICES if device not in taken]
        if not free:
            raise bms_error(400, "BMS.1002", "The server cannot take more volumes")
        return free[0]
    if wanted == SYSTEM_DEVICE:
        raise bms_error(400, "BMS.0104", "A data volume cannot take the system disk's device")
    if not _DEVICE.match(wanted) or wanted in taken:
        raise bms_error(400, "BMS.0105", f"The device {wanted} is invalid or already used")
    return wanted


def _single_server_job(call: Call, transition: Transition, job_type: str) -> Reply:
    job = call.world.lifecycle.job_for(
        call.project, [transition], job_id=new_job_id(), job_type=job_type, now=call.now
    )
    job.operation = call.operation.id
    return Reply(202, {"job_id": job.job_id})


@handles("AttachBaremetalServerVolume")
def attach_volume(call: Call) -> Reply:
    server = server_of(call)
    _check_server_takes_volumes(call, server)
    volume = _volume_to_attach(call, server)
    device = _device(call, server)

    def land(transition: Transition) -> None:
        if transition.fails:
            volume.status = "available"
            return
        server.attachments.append(Attachment(volume.id, device))
        volume.status = "in-use"

    volume.status = "attaching"
    transition = call.world.lifecycle.begin_effect(server, "attach", call.now, land)
    return _single_server_job(call, transition, "baremetalAttachVolume")


@handles("DetachBaremetalServerVolume")
def detach_volume(call: Call) -> Reply:
    server = server_of(call)
    attachment_id = call.path["attachment_id"]
    attachment = next((a for a in server.attachments if a.volume_id == attachment_id), None)
    if attachment is None:
        raise bms_error(400, "BMS.0114", "The volume is not attached to this server")
    volume = call.project.volumes.get(attachment.volume_id)
    if volume is not None and volume.status == "detaching":
        raise state_conflict(call, "The volume is already being detached")
    if attachment.boot_index == "0" and server.status != "SHUTOFF":
        raise state_conflict(call, "The system disk detaches only from a stopped server")

    def land(transition: Transition) -> None:
        if volume is not None:
            volume.status = "in-use" if transition.fails else "available"
        if not transition.fails and attachment in server.attachments:
            server.attachments.remove(attachment)

    if volume is not None:
        volume.status = "detaching"
    transition = call.world.lifecycle.begin_effect(server, "detach", call.now, land)
    return _single_server_job(call, transition, "baremetalDetachVolume")
