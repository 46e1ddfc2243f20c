"""Ordering servers: checks first, then BUILD servers and their creation job.

Everything that can refuse the order (flavor, image, batch-only limits, quota) is checked
before anything changes, so a refused order leaves no server, volume or job behind. The
servers count against the quota from the moment the order is accepted, as the quota page's
"used" figures imply for servers still being built.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from typing import Any

from bmscert.target.bms.lookup import fault_active, new_job_id
from bmscert.target.http import Call, Reply, bms_error
from bmscert.target.model import Attachment, Flavor, Image, Nic, Project, Server, Volume
from bmscert.target.registry import handles

_QUOTA_CODES = {
    frozenset({"instances"}): "BMS.0025",
    frozenset({"cores"}): "BMS.0026",
    frozenset({"ram"}): "BMS.0027",
    frozenset({"instances", "cores"}): "BMS.0028",
    frozenset({"instances", "ram"}): "BMS.0029",
    frozenset({"ram", "cores"}): "BMS.0030",
    frozenset({"instances", "cores", "ram"}): "BMS.0031",
}
_DATA_DEVICES = [f"/dev/sd{letter}" for letter in "bcdefghijklmnopqrstuvwxyz"]


def _flavor_and_image(call: Call, spec: dict[str, Any]) -> tuple[Flavor, Image]:
    flavor = call.world.flavors.get(spec["flavorRef"])
    if flavor is None:
        raise bms_error(400, "BMS.0008", f"Flavor {spec['flavorRef']} could not be found")
    image = call.world.images.get(spec["imageRef"])
    if image is None:
        raise bms_error(400, "BMS.0010", f"Image {spec['imageRef']} could not be found")
    return flavor, image


def _check_batch_limits(spec: dict[str, Any], flavor: Flavor, count: int) -> None:
    """Fixed IPs and existing EIPs belong to one server; quick provisioning needs a disk."""
    if count > 1 and any(nic.get("ip_address") for nic in spec["nics"]):
        raise bms_error(400, "BMS.0207", "A fixed IP address cannot be given for several servers")
    if count > 1 and spec.get("publicip", {}).get("id"):
        raise bms_error(400, "BMS.0072", "An existing EIP cannot be bound to several servers")
    quick = flavor.extra_specs.get("baremetal:extBootType") == "Volume"
    if quick and "root_volume" not in spec:
        raise bms_error(400, "BMS.0047", "This flavor boots from EVS and needs root_volume")


def _exceeded(limit: int, used: int, wanted: int) -> bool:
    return limit != -1 and used + wanted > limit


def _check_quota(call: Call, flavor: Flavor, count: int) -> None:
    quota = call.project.quota
    servers, cores, ram = call.project.used(call.world.flavors)
    over = {
        name
        for name, limit, used, wanted in (
            ("instances", quota.max_instances, servers, count),
            ("cores", quota.max_cores, cores, count * flavor.vcpus),
            ("ram", quota.max_ram_mb, ram, count * flavor.ram_mb),
        )
        if _exceeded(limit, used, wanted)
    }
    if over:
        message = f"Quota exceeded: {', '.join(sorted(over))}"
        raise bms_error(400, _QUOTA_CODES[frozenset(over)], message)


def _mac() -> str:
    return "fa:16:3e:" + ":".join(f"{byte:02x}" for byte in secrets.token_bytes(3))


def _addresses_in_use(project: Project) -> set[str]:
    return {nic.ip for server in project.servers.values() for nic in server.nics}


def _nics(spec: dict[str, Any], vpc_id: str, taken: set[str]) -> list[Nic]:
    nics = []
    for index, wanted in enumerate(spec["nics"]):
        address = wanted.get("ip_address") or _free_address(index, taken)
        taken.add(address)
        nics.append(
            Nic(
                port_id=str(uuid.uuid4()),
                mac=_mac(),
                vpc_id=vpc_id,
                subnet_id=wanted["subnet_id"],
                network_id=wanted["subnet_id"],
                ip=address,
                pci_address=f"0000:00:0{index + 1}.0",
            )
        )
    return nics


def _free_address(subnet: int, taken: set[str]) -> str:
    for host in range(10, 255):
        address = f"192.168.{subnet}.{host}"
        if address not in taken:
            return address
    raise bms_error(400, "BMS.0012", "The subnet has no free IP address left")


def _disks(spec: dict[str, Any], zone: str) -> list[tuple[Volume, Attachment]]:
    """The system and data disks the order creates, each with its attachment."""
    disks = []
    root = spec.get("root_volume")
    if root is not None:
        volume = Volume(str(uuid.uuid4()), root["size"], root["volumetype"], zone, "in-use")
        volume.bootable = True
        disks.append((volume, Attachment(volume.id, "/dev/sda", "0", True)))
    for device, data in zip(_DATA_DEVICES, spec.get("data_volumes", []), strict=False):
        volume = Volume(str(uuid.uuid4()), data["size"], data["volumetype"], zone, "in-use")
        volume.shareable = bool(data.get("shareable", False))
        disks.append((volume, Attachment(volume.id, device, "-1", True)))
    return disks


def _user_metadata(spec: dict[str, Any]) -> dict[str, str]:
    """Creation metadata worth showing back; the admin password never is."""
    given = spec["metadata"]
    return {key: given[key] for key in ("BYOL", "agency_name") if key in given}


def _tags(spec: dict[str, Any]) -> list[str]:
    user = [f"{tag['key']}={tag.get('value', '')}" for tag in spec.get("server_tags", [])]
    return ["__type_baremetal", *user]


def _name(spec: dict[str, Any], count: int, index: int) -> str:
    """Several servers of one order get a four-digit suffix, as the create page says."""
    return spec["name"] if count == 1 else f"{spec['name']}-{index + 1:04d}"


def _new_server(call: Call, spec: dict[str, Any], image: Image, index: int, order: dict):
    count = order["count"]
    server_id = str(uuid.uuid4())
    zone = spec["availability_zone"]
    groups = [{"name": g["id"], "id": g["id"]} for g in spec.get("security_groups", [])]
    server = Server(
        id=server_id,
        name=_name(spec, count, index),
        project_id=call.project.id,
        user_id=call.user_id,
        flavor_id=spec["flavorRef"],
        image_id=image.id,
        availability_zone=zone,
        vpc_id=spec["vpcid"],
        created=call.now,
        updated=call.now,
        launched_at=call.now,
        key_name=spec.get("key_name", ""),
        host=f"bms.{zone}",
        host_id=uuid.uuid4().hex + uuid.uuid4().hex[:24],
        instance_name=f"instance-{secrets.randbelow(16**8):08x}",
        hostname=_name(spec, count, index).lower(),
        reservation_id=order["reservation_id"],
        launch_index=index,
        user_metadata=_user_metadata(spec),
        tags=_tags(spec),
        security_groups=groups or [{"name": "default", "id": str(uuid.uuid4())}],
        user_data=spec.get("user_data", ""),
        counts_in_quota=not fault_active(call, "skip-quota"),
        order_id=order["order_id"],
    )
    server.nics = _nics(spec, spec["vpcid"], order["taken"])
    disks = _disks(spec, zone)
    order["volumes"] += [volume for volume, _ in disks]
    server.attachments = [attachment for _, attachment in disks]
    if image.os_type == "Windows":
        server.windows_password = base64.b64encode(secrets.token_bytes(96)).decode("ascii")
    return server


def _order_id(now: float) -> str:
    stamp = time.strftime("%y%m%d%H%M", time.gmtime(now))
    return f"CS{stamp}{secrets.token_hex(3).upper()[:5]}"


@handles("CreateBareMetalServers")
def create_servers(call: Call) -> Reply:
    spec = call.body["server"]
    count = spec.get("count", 1)
    flavor, image = _flavor_and_image(call, spec)
    _check_batch_limits(spec, flavor, count)
    _check_quota(call, flavor, count)

    order = {
        "count": count,
        "order_id": _order_id(call.now),
        "reservation_id": f"r-{secrets.token_hex(4)}",
        "taken": _addresses_in_use(call.project),
        "volumes": [],
    }
    servers = [_new_server(call, spec, image, index, order) for index in range(count)]

    call.project.volumes.update({volume.id: volume for volume in order["volumes"]})
    lifecycle = call.world.lifecycle
    transitions = []
    for server in servers:
        call.project.servers[server.id] = server
        transitions.append(lifecycle.begin(server, "create", call.now))

    job = lifecycle.job_for(
        call.project,
        transitions,
        job_id=new_job_id(),
        job_type="baremetalBatchCreate",
        sub_job_type="baremetalSingleCreate",
        sub_job_ids=[new_job_id() for _ in servers],
        now=call.now,
    )
    job.operation = call.operation.id
    return Reply(200, {"order_id": order["order_id"], "job_id": job.job_id})
