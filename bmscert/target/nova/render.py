"""The Nova JSON shapes of the shared model, for one dialect at one microversion.

The servers are the same objects the BMS native view renders; only the shape differs. Members
appear from the microversion that introduced them, and where the two dialects disagree
(power_state numbering, the BMS-only members of the detail list) the dialect decides.
"""

from __future__ import annotations

from typing import Any

from bmscert.core.microversion import at_least
from bmscert.target.http import Call
from bmscert.target.model import Attachment, Flavor, Keypair, Nic, Server
from bmscert.target.nova.lookup import bookmark_url, links
from bmscert.target.timefmt import micros_no_zone, seconds_z

# The model keeps upstream Nova's numbering (0 no state, 1 running, 3 paused, 4 shut down,
# 6 crashed, 7 suspended); the BMS pages number the same states 0 to 4 and have no
# suspended state, which the reference target never enters.
HUAWEI_POWER_STATES = {0: 0, 1: 1, 3: 2, 4: 3, 6: 4}
PROGRESS_STATUSES = frozenset({"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE"})


def power_state(server: Server, dialect: str) -> int:
    if dialect == "huawei":
        return HUAWEI_POWER_STATES[server.power_state]
    return server.power_state


def _since(call: Call, floor: str) -> bool:
    return at_least(call.microversion or "2.1", floor)


def addresses(server: Server, *, detailed: bool) -> dict[str, list[dict[str, Any]]]:
    """Addresses keyed by VPC id; the /ips calls show only the address and its version."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for nic in server.nics:
        entry: dict[str, Any] = {"version": 4, "addr": nic.ip}
        if detailed:
            entry["OS-EXT-IPS:type"] = "fixed"
            entry["OS-EXT-IPS-MAC:mac_addr"] = nic.mac
        grouped.setdefault(nic.vpc_id, []).append(entry)
    return grouped


def server_summary(call: Call, server: Server) -> dict[str, Any]:
    return {"id": server.id, "name": server.name, "links": links(call, "servers", server.id)}


def _server_flavor(call: Call, flavor: Flavor) -> dict[str, Any]:
    if not _since(call, "2.47"):
        return {"id": flavor.id, "links": links(call, "flavors", flavor.id)[1:]}
    return {
        "vcpus": flavor.vcpus,
        "ram": flavor.ram_mb,
        "disk": flavor.disk_gb,
        "ephemeral": 0,
        "swap": 0,
        "original_name": flavor.name,
        "extra_specs": dict(flavor.extra_specs),
    }


def _volume_attached(call: Call, attachment: Attachment) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": attachment.volume_id}
    if _since(call, "2.3"):
        entry["delete_on_termination"] = attachment.delete_on_termination
    return entry


def _base_detail(call: Call, server: Server) -> dict[str, Any]:
    image_href = f"{bookmark_url(call)}/images/{server.image_id}"
    detail: dict[str, Any] = {
        "id": server.id,
        "name": server.name,
        "status": server.status,
        "created": seconds_z(server.created),
        "updated": seconds_z(server.updated),
        "tenant_id": server.project_id,
        "user_id": server.user_id,
        "hostId": server.host_id,
        "image": {"id": server.image_id, "links": [{"rel": "bookmark", "href": image_href}]},
        "flavor": _server_flavor(call, call.world.flavors[server.flavor_id]),
        "metadata": dict(server.user_metadata),
        "links": links(call, "servers", server.id),
        "addresses": addresses(server, detailed=True),
        "key_name": server.key_name or None,
        "security_groups": [{"name": group["name"]} for group in server.security_groups],
        "accessIPv4": "",
        "accessIPv6": "",
        "config_drive": "",
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": server.availability_zone,
        "OS-EXT-SRV-ATTR:host": server.host,
        "OS-EXT-SRV-ATTR:instance_name": server.instance_name,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": f"nova-{server.host_id[:6]}",
        "OS-EXT-STS:task_state": server.task_state,
        "OS-EXT-STS:vm_state": server.vm_state,
        "OS-EXT-STS:power_state": power_state(server, call.settings.dialect),
        "OS-SRV-USG:launched_at": micros_no_zone(server.launched_at),
        "OS-SRV-USG:terminated_at": None,
        "os-extended-volumes:volumes_attached": [
            _volume_attached(call, attachment) for attachment in server.attachments
        ],
    }
    _show_stale_state(call, server, detail)
    if server.status in PROGRESS_STATUSES:
        detail["progress"] = 0
    if server.status == "ERROR":
        detail["fault"] = {
            "code": 500,
            "created": seconds_z(server.updated),
            "message": "The server could not be built",
        }
    return detail


def _show_stale_state(call: Call, server: Server, detail: dict[str, Any]) -> None:
    """The deliberate fault ``stale-nova-view``: an earlier power state shown through Nova."""
    faults = call.world.faults
    stale = faults.nova_state(server.id, server.updated) if faults else None
    if stale is None:
        return
    status, vm_state, task_state, number = stale
    detail["status"] = status
    detail["OS-EXT-STS:vm_state"] = vm_state
    detail["OS-EXT-STS:task_state"] = task_state
    huawei = call.settings.dialect == "huawei"
    detail["OS-EXT-STS:power_state"] = HUAWEI_POWER_STATES[number] if huawei else number


def _microversioned_members(call: Call, server: Server) -> dict[str, Any]:
    members: dict[str, Any] = {}
    if _since(call, "2.3"):
        members.update(
            {
                "OS-EXT-SRV-ATTR:hostname": server.hostname,
                "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
                "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
                "OS-EXT-SRV-ATTR:kernel_id": "",
                "OS-EXT-SRV-ATTR:ramdisk_id": "",
                "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
                "OS-EXT-SRV-ATTR:user_data": server.user_data or None,
            }
        )
    if _since(call, "2.9"):
        members["locked"] = server.locked
    if _since(call, "2.16"):
        members["host_status"] = "UP"
    if _since(call, "2.19"):
        members["description"] = server.description
    if _since(call, "2.26"):
        members["tags"] = list(server.tags)
    return members


def _bms_list_members() -> dict[str, Any]:
    """Members only the BMS detail-list page documents (huawei dialect only)."""
    return {
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
        "enterprise_project_id": "0",
        "os:scheduler_hints": {},
    }


def server_detail(call: Call, server: Server, *, in_list: bool = False) -> dict[str, Any]:
    detail = {**_base_detail(call, server), **_microversioned_members(call, server)}
    if in_list and call.settings.dialect == "huawei":
        detail.update(_bms_list_members())
    return detail


def flavor_summary(call: Call, flavor: Flavor) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "id": flavor.id,
        "name": flavor.name,
        "links": links(call, "flavors", flavor.id),
    }
    if _since(call, "2.55"):
        summary["description"] = None
    return summary


def flavor_detail(call: Call, flavor: Flavor) -> dict[str, Any]:
    return {
        **flavor_summary(call, flavor),
        "vcpus": flavor.vcpus,
        "ram": flavor.ram_mb,
        "disk": flavor.disk_gb,
        "swap": "",
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": False,
        "rxtx_factor": 1.0,
        "os-flavor-access:is_public": True,
    }


def interface(nic: Nic) -> dict[str, Any]:
    return {
        "port_state": nic.port_state,
        "fixed_ips": [{"subnet_id": nic.subnet_id, "ip_address": nic.ip}],
        "net_id": nic.network_id,
        "port_id": nic.port_id,
        "mac_addr": nic.mac,
    }


def volume_attachment(server: Server, volume_id: str, device: str) -> dict[str, Any]:
    return {"id": volume_id, "volumeId": volume_id, "serverId": server.id, "device": device}


def keypair_listed(call: Call, keypair: Keypair) -> dict[str, Any]:
    listed: dict[str, Any] = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    if _since(call, "2.2"):
        listed["type"] = keypair.type
    return listed


def keypair_created(call: Call, keypair: Keypair, private_key: str | None) -> dict[str, Any]:
    created = {**keypair_listed(call, keypair), "user_id": keypair.user_id}
    if private_key is not None:
        created["private_key"] = private_key
    return created


def keypair_shown(call: Call, keypair: Keypair) -> dict[str, Any]:
    return {
        **keypair_listed(call, keypair),
        "user_id": keypair.user_id,
        "created_at": micros_no_zone(keypair.created),
        "updated_at": None,
        "deleted": False,
        "deleted_at": None,
        "id": keypair.id,
    }
