"""Changing one server: its name, its metadata, its operating system."""

from __future__ import annotations

from bmscert.target.bms import render
from bmscert.target.bms.lookup import new_job_id, refused, server_of, state_conflict
from bmscert.target.http import Call, Reply
from bmscert.target.lifecycle import Transition, refusal
from bmscert.target.registry import handles

# vm_state values in which the metadata page allows an update.
_METADATA_STATES = frozenset({"active", "stopped", "shutoff", "paused", "suspended"})


@handles("ChangeBaremetalServerName")
def rename_server(call: Call) -> Reply:
    """Only the display name changes; the reply is the Nova-like server shape."""
    server = server_of(call)
    server.name = call.body["server"]["name"]
    server.updated = call.now
    return Reply(200, {"server": render.renamed_server(server, call.world, call.base_url)})


@handles("UpdateBaremetalServerMetadata")
def update_metadata(call: Call) -> Reply:
    """Merge the pairs; keys not named keep their values; the reply echoes what was sent."""
    server = server_of(call)
    if server.vm_state not in _METADATA_STATES or server.task_state == "scheduling":
        raise state_conflict(call, f"Metadata cannot change while the server is {server.status}")
    pairs = dict(call.body["metadata"])
    server.user_metadata.update(pairs)
    server.updated = call.now
    return Reply(200, {"metadata": pairs})


def _reinstall_job_type(call: Call, flavor_id: str) -> str:
    boot = call.world.flavors[flavor_id].extra_specs.get("baremetal:extBootType")
    return "baremetalVolumeBootReinstallOs" if boot == "Volume" else "baremetalReinstallOs"


@handles("ReinstallBaremetalServerOs")
def reinstall_os(call: Call) -> Reply:
    """Only a stopped server, or one whose last reinstall failed; the key lands on success."""
    server = server_of(call)
    reason = refusal(server, "reinstall")
    if reason is not None:
        raise refused(call, reason)

    key_name = call.body["os-reinstall"].get("keyname", "")

    def land(transition: Transition) -> None:
        if not transition.fails:
            server.key_name = key_name

    lifecycle = call.world.lifecycle
    transition = lifecycle.begin(server, "reinstall", call.now, on_finish=land)
    job = lifecycle.job_for(
        call.project,
        [transition],
        job_id=new_job_id(),
        job_type=_reinstall_job_type(call, server.flavor_id),
        now=call.now,
    )
    job.operation = call.operation.id
    return Reply(200, {"job_id": job.job_id})
