"""The BMS native JSON shapes, exactly as the documents give them.

Several members change type between shapes (flavor ``ram`` is text in server details and a
number in the flavor list; an address ``version`` is the text ``"4"`` here). These functions
are the one place that knows, so handlers never format a field themselves.
"""

from __future__ import annotations

from typing import Any

from bmscert.target.model import Flavor, Job, Server, SubJob, World
from bmscert.target.timefmt import micros_no_zone, millis_z, seconds_z


def _flag(value: bool) -> str:
    return "true" if value else "false"


def system_metadata(server: Server, world: World) -> dict[str, str]:
    flavor = world.flavors[server.flavor_id]
    image = world.images[server.image_id]
    ports = ",".join(nic.port_id for nic in server.nics)
    return {
        "chargingMode": "1",
        "metering.order_id": f"CS{server.id[:8].upper()}",
        "metering.product_id": f"OFFI{server.id[-8:]}",
        "vpc_id": server.vpc_id,
        "metering.image_id": image.id,
        "metering.imagetype": image.image_type,
        "baremetalPortIDList": f"[{ports}]",
        "metering.resourcespeccode": f"{flavor.id}.{image.os_type.lower()}",
        "metering.resourcetype": "__type_baremetal",
        "image_name": image.name,
        "op_svc_userid": server.user_id,
        "os_type": image.os_type,
        "__bms_support_evs": flavor.extra_specs.get("baremetal:__support_evs", "false"),
        "os_bit": image.os_bit,
    }


def addresses(server: Server) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for nic in server.nics:
        grouped.setdefault(nic.vpc_id, []).append(
            {
                "version": "4",
                "addr": nic.ip,
                "OS-EXT-IPS:type": "fixed",
                "OS-EXT-IPS-MAC:mac_addr": nic.mac,
                "OS-EXT-IPS:port_id": nic.port_id,
            }
        )
    return grouped


def server_details(server: Server, world: World) -> dict[str, Any]:
    """A server as ListBareMetalServers and ListBareMetalServerDetails show it."""
    flavor = world.flavors[server.flavor_id]
    return {
        "id": server.id,
        "name": server.name,
        "status": server.status,
        "created": seconds_z(server.created),
        "updated": seconds_z(server.updated),
        "tenant_id": server.project_id,
        "user_id": server.user_id,
        "hostId": server.host_id,
        "addresses": addresses(server),
        "key_name": server.key_name,
        "image": {"id": server.image_id},
        "flavor": {
            "id": flavor.id,
            "name": flavor.name,
            "disk": str(flavor.disk_gb),
            "vcpus": str(flavor.vcpus),
            "ram": str(flavor.ram_mb),
        },
        "security_groups": [dict(group) for group in server.security_groups],
        "accessIPv4": "",
        "accessIPv6": "",
        "progress": 0,
        "config_drive": "",
        "metadata": {**system_metadata(server, world), **server.user_metadata},
        "OS-EXT-STS:task_state": server.task_state,
        "OS-EXT-STS:vm_state": server.vm_state,
        "OS-EXT-STS:power_state": server.power_state,
        "OS-EXT-SRV-ATTR:host": server.host,
        "OS-EXT-SRV-ATTR:instance_name": server.instance_name,
        "OS-EXT-SRV-ATTR:hypervisor_hostname": f"nova-{server.host_id[:6]}",
        "OS-EXT-AZ:availability_zone": server.availability_zone,
        "OS-DCF:diskConfig": "MANUAL",
        "OS-SRV-USG:launched_at": micros_no_zone(server.launched_at),
        "OS-SRV-USG:terminated_at": None,
        "os-extended-volumes:volumes_attached": [
            {
                "id": attachment.volume_id,
                "delete_on_termination": _flag(attachment.delete_on_termination),
                "bootIndex": attachment.boot_index,
                "device": attachment.device,
            }
            for attachment in server.attachments
        ],
        "description": server.description,
        "host_status": "UP",
        "OS-EXT-SRV-ATTR:hostname": server.hostname,
        "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
        "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
        "OS-EXT-SRV-ATTR:kernel_id": "",
        "OS-EXT-SRV-ATTR:ramdisk_id": "",
        "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda",
        "OS-EXT-SRV-ATTR:user_data": server.user_data,
        "locked": server.locked,
        "tags": list(server.tags),
        "os:scheduler_hints": {},
        "enterprise_project_id": "0",
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
    }


def flavor_extended(flavor: Flavor, base_url: str, project_id: str) -> dict[str, Any]:
    """A flavor as ListBaremetalFlavorDetailExtends shows it (``ram`` is a number here)."""
    href = f"{base_url}/v1/{project_id}/baremetalservers/flavors/{flavor.id}"
    return {
        "id": flavor.id,
        "name": flavor.name,
        "vcpus": str(flavor.vcpus),
        "ram": flavor.ram_mb,
        "disk": str(flavor.disk_gb),
        "swap": "",
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": False,
        "rxtx_factor": 1.0,
        "rxtx_quota": None,
        "rxtx_cap": None,
        "os-flavor-access:is_public": True,
        "links": [{"rel": "self", "href": href, "type": None}],
        "os_extra_specs": dict(flavor.extra_specs),
    }


def interfaces(server: Server) -> list[dict[str, Any]]:
    return [
        {
            "port_state": nic.port_state,
            "fixed_ips": [{"subnet_id": nic.subnet_id, "ip_address": nic.ip}],
            "net_id": nic.network_id,
            "port_id": nic.port_id,
            "mac_addr": nic.mac,
            "driver_mode": nic.driver_mode,
            "pci_address": nic.pci_address,
        }
        for nic in server.nics
    ]


def volume_attachments(server: Server) -> list[dict[str, Any]]:
    return [
        {
            "id": attachment.volume_id,
            "serverId": server.id,
            "volumeId": attachment.volume_id,
            "device": attachment.device,
        }
        for attachment in server.attachments
    ]


def _time_or_empty(epoch: float | None) -> str:
    return millis_z(epoch) if epoch is not None else ""


def _sub_job(sub_job: SubJob) -> dict[str, Any]:
    return {
        "status": sub_job.status,
        "entities": {"server_id": sub_job.server_id},
        "job_id": sub_job.job_id,
        "job_type": sub_job.job_type,
        "begin_time": millis_z(sub_job.begin),
        "end_time": _time_or_empty(sub_job.end),
        "error_code": sub_job.error_code,
        "fail_reason": sub_job.fail_reason,
    }


def job(job: Job) -> dict[str, Any]:
    """A job as ShowJobInfos shows it; ``end_time`` is empty text until the job ends."""
    entities: dict[str, Any] = {
        "sub_jobs_total": len(job.sub_jobs),
        "sub_jobs": [_sub_job(sub_job) for sub_job in job.sub_jobs],
    }
    if job.server_id is not None:
        entities["server_id"] = job.server_id
    return {
        "status": job.status,
        "entities": entities,
        "job_id": job.job_id,
        "job_type": job.job_type,
        "begin_time": millis_z(job.begin),
        "end_time": _time_or_empty(job.end),
        "error_code": job.error_code,
        "fail_reason": job.fail_reason,
    }


def _nova_addresses(server: Server) -> dict[str, list[dict[str, Any]]]:
    """Addresses in the rename reply: the same records with an integer ``version``."""
    grouped = addresses(server)
    for records in grouped.values():
        for record in records:
            record["version"] = int(record["version"])
    return grouped


def renamed_server(server: Server, world: World, base_url: str) -> dict[str, Any]:
    """A server as ChangeBaremetalServerName answers it: the Nova-like shape.

    flavor and image carry links, address versions are integers, delete_on_termination is
    a boolean, and the server carries its own links; the details shape differs on each.
    """
    details = server_details(server, world)
    prefix = f"{base_url}/v1/{server.project_id}"
    details.update(
        {
            "flavor": {
                "id": server.flavor_id,
                "links": _bookmark(f"{prefix}/flavors/{server.flavor_id}"),
            },
            "image": {
                "id": server.image_id,
                "links": _bookmark(f"{prefix}/images/{server.image_id}"),
            },
            "addresses": _nova_addresses(server),
            "security_groups": [{"name": group["name"]} for group in server.security_groups],
            "links": [
                {"rel": "self", "href": f"{prefix}/servers/{server.id}"},
                {"rel": "bookmark", "href": f"{prefix}/servers/{server.id}"},
            ],
            "os-extended-volumes:volumes_attached": [
                {"id": a.volume_id, "delete_on_termination": a.delete_on_termination}
                for a in server.attachments
            ],
            "metadata": {**system_metadata(server, world), **server.user_metadata},
            "os:scheduler_hints": {},
        }
    )
    return details


def _bookmark(href: str) -> list[dict[str, str]]:
    return [{"rel": "bookmark", "href": href}]
