"""Listing, showing, creating and deleting servers through the Nova API.

Listing filters as upstream Nova does, with two documented differences: from 2.38 an unknown
status is a 400 (below, it matches nothing), and in the huawei dialect an ``image`` filter
disables every other filter and paging, as the BMS pages say. Creating starts the shared
``create`` transition (BUILD, then ACTIVE); deleting takes effect at once and frees the
server's volumes.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bmscert.core.microversion import at_least
from bmscert.target.http import Call, Reply, nova_fault
from bmscert.target.model import Nic, Server
from bmscert.target.nova import render
from bmscert.target.nova.lookup import links, server_of, status_for
from bmscert.target.nova.metadata import check_metadata_quota
from bmscert.target.nova.paging import listing, page
from bmscert.target.registry import handles

SERVER_STATUSES = frozenset(
    {
        "ACTIVE",
        "BUILD",
        "DELETED",
        "ERROR",
        "HARD_REBOOT",
        "MIGRATING",
        "PASSWORD",
        "PAUSED",
        "REBOOT",
        "REBUILD",
        "RESCUE",
        "RESIZE",
        "REVERT_RESIZE",
        "SHELVED",
        "SHELVED_OFFLOADED",
        "SHUTOFF",
        "SOFT_DELETED",
        "SUSPENDED",
        "UNKNOWN",
        "VERIFY_RESIZE",
    }
)
SORT_KEYS = {
    "uuid": lambda s: s.id,
    "display_name": lambda s: s.name,
    "created_at": lambda s: s.created,
    "updated_at": lambda s: s.updated,
    "vm_state": lambda s: s.vm_state,
    "task_state": lambda s: s.task_state or "",
    "power_state": lambda s: s.power_state,
    "availability_zone": lambda s: s.availability_zone,
}


def _name_matches(pattern: str, name: str) -> bool:
    """Nova matches names as regular expressions; an invalid one is matched as text."""
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return pattern in name


def _changed_since(call: Call) -> float | None:
    text = call.query_value("changes-since")
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise nova_fault(400, f"Invalid changes-since value: {text}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _status_filter(call: Call) -> str | None:
    """The status to match; None matches every server, '' none (an unknown one below 2.38)."""
    status = call.query_value("status")
    if status is None or status.upper() in SERVER_STATUSES:
        return status.upper() if status else None
    if at_least(call.microversion or "2.1", "2.38"):
        raise nova_fault(400, f"Invalid status value: {status}")
    return ""


def _tags_named(call: Call, name: str) -> frozenset[str]:
    text = call.query_value(name)
    return frozenset(tag for tag in text.split(",") if tag) if text else frozenset()


def _matcher(call: Call) -> Callable[[Server], bool]:
    """The request's filters, read (and refused when malformed) once for the whole list."""
    status = _status_filter(call)
    since = _changed_since(call)
    name = call.query_value("name")
    wanted, unwanted = _tags_named(call, "tags"), _tags_named(call, "not-tags")
    exact = {
        attribute: call.query_value(parameter)
        for parameter, attribute in (
            ("flavor", "flavor_id"),
            ("image", "image_id"),
            ("reservation_id", "reservation_id"),
        )
        if call.query_value(parameter) is not None
    }

    def matches(server: Server) -> bool:
        return (
            (status is None or server.status == status)
            and (since is None or server.updated >= since)
            and all(getattr(server, key) == value for key, value in exact.items())
            and wanted <= set(server.tags)
            and not (unwanted and unwanted <= set(server.tags))
            and (name is None or _name_matches(name, server.name))
        )

    return matches


def _sorted(call: Call, servers: list[Server]) -> list[Server]:
    key = SORT_KEYS[call.query_value("sort_key", "created_at")]
    descending = call.query_value("sort_dir", "desc") == "desc"
    by_id = sorted(servers, key=lambda server: server.id, reverse=descending)
    return sorted(by_id, key=key, reverse=descending)


def _listed(call: Call) -> tuple[list[Server], list[dict[str, str]]]:
    visible = [s for s in call.project.servers.values() if s.status != "DELETED"]
    image = call.query_value("image")
    if image is not None and call.settings.dialect == "huawei":
        return _sorted(call, [s for s in visible if s.image_id == image]), []
    matches = _matcher(call)
    return page(call, _sorted(call, [s for s in visible if matches(s)]), lambda s: s.id)


@handles("list_servers")
def list_servers(call: Call) -> Reply:
    servers, next_links = _listed(call)
    shown = [render.server_summary(call, server) for server in servers]
    return Reply(200, listing("servers", shown, next_links))


@handles("list_servers_detail")
def list_servers_detail(call: Call) -> Reply:
    servers, next_links = _listed(call)
    shown = [render.server_detail(call, server, in_list=True) for server in servers]
    return Reply(200, listing("servers", shown, next_links))


@handles("show_server")
def show_server(call: Call) -> Reply:
    return Reply(200, {"server": render.server_detail(call, server_of(call))})


@handles("delete_server")
def delete_server(call: Call) -> Reply:
    """The server disappears at once; volumes marked delete-on-termination go with it."""
    server = server_of(call)
    for attachment in server.attachments:
        volume = call.project.volumes.get(attachment.volume_id)
        if volume is None:
            continue
        if attachment.delete_on_termination:
            del call.project.volumes[volume.id]
        else:
            volume.status = "available"
    del call.project.servers[server.id]
    return Reply(status_for(call))


def _refused(message: str) -> Exception:
    return nova_fault(400, message)


def _availability_zone(call: Call, asked: str | None) -> str:
    known = sorted({v.availability_zone for v in call.project.volumes.values()})
    known += sorted({s.availability_zone for s in call.project.servers.values()})
    if asked is None:
        return known[0]
    if asked not in known:
        raise _refused(f"The requested availability zone {asked} is not available")
    return asked


def _template_nic(call: Call, network_id: str) -> Nic:
    for server in call.project.servers.values():
        for nic in server.nics:
            if nic.network_id == network_id:
                return nic
    raise _refused(f"Network {network_id} could not be found.")


def _free_address(call: Call, template: Nic, wanted: str | None) -> str:
    used = {
        nic.ip
        for server in call.project.servers.values()
        for nic in server.nics
        if nic.subnet_id == template.subnet_id
    }
    if wanted is not None:
        if wanted in used:
            raise _refused(f"Fixed IP address {wanted} is already in use.")
        return wanted
    prefix = template.ip.rsplit(".", 1)[0]
    return next(f"{prefix}.{n}" for n in range(100, 255) if f"{prefix}.{n}" not in used)


def _nics(call: Call, networks: list[dict[str, str]]) -> list[Nic]:
    nics = []
    for index, network in enumerate(networks):
        if "port" in network:
            raise _refused(f"Port {network['port']} could not be found.")
        if "uuid" not in network:
            raise _refused("Each network needs a uuid (a network id) or a port")
        template = _template_nic(call, network["uuid"])
        nic = Nic(
            port_id=str(uuid.uuid4()),
            mac="fa:16:3e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3)),
            vpc_id=template.vpc_id,
            subnet_id=template.subnet_id,
            network_id=template.network_id,
            ip=_free_address(call, template, network.get("fixed_ip")),
            pci_address=f"0000:00:0{index + 1}.0",
        )
        nics.append(nic)
    return nics


def _security_groups(call: Call, wanted: list[dict[str, str]] | None) -> list[dict[str, str]]:
    known = {
        group["name"]: group
        for server in call.project.servers.values()
        for group in server.security_groups
    }
    names = [group["name"] for group in wanted or [{"name": "default"}]]
    return [dict(known.get(name, {"name": name, "id": str(uuid.uuid4())})) for name in names]


def _check_references(call: Call, spec: dict[str, Any]) -> None:
    if spec["flavorRef"] not in call.world.flavors:
        raise _refused("Invalid flavorRef provided.")
    if spec["imageRef"] not in call.world.images:
        raise _refused("Invalid imageRef provided.")
    key_name = spec.get("key_name")
    if key_name is not None and key_name not in call.world.keypairs_of(call.user_id):
        raise _refused("Invalid key_name provided.")


def _check_quota(call: Call, flavor_id: str) -> None:
    quota = call.project.quota
    servers, cores, _ = call.project.used(call.world.flavors)
    if servers + 1 > quota.max_instances:
        used = f"already used {servers} of {quota.max_instances}"
        raise nova_fault(403, f"Quota exceeded for instances: {used}")
    if cores + call.world.flavors[flavor_id].vcpus > quota.max_cores:
        raise nova_fault(403, "Quota exceeded for cores")


def _new_server(call: Call, spec: dict[str, Any]) -> Server:
    server_id = str(uuid.uuid4())
    zone = _availability_zone(call, spec.get("availability_zone"))
    nics = _nics(call, spec["networks"])
    host = f"bms.{zone}"
    host_hash = hashlib.sha224(f"{call.project.id}{host}".encode()).hexdigest()
    return Server(
        id=server_id,
        name=spec["name"],
        project_id=call.project.id,
        user_id=call.user_id,
        flavor_id=spec["flavorRef"],
        image_id=spec["imageRef"],
        availability_zone=zone,
        vpc_id=nics[0].vpc_id,
        created=call.now,
        updated=call.now,
        launched_at=call.now,
        key_name=spec.get("key_name", ""),
        host=host,
        host_id=host_hash,
        instance_name=f"instance-{uuid.UUID(server_id).int % 16**8:08x}",
        hostname=re.sub(r"[^a-z0-9-]+", "-", spec["name"].lower()).strip("-") or "server",
        reservation_id=f"r-{secrets.token_hex(4)}",
        description=spec.get("description") or "",
        nics=nics,
        user_metadata=dict(spec.get("metadata", {})),
        security_groups=_security_groups(call, spec.get("security_groups")),
        user_data=spec.get("user_data", ""),
    )


@handles("create_server")
def create_server(call: Call) -> Reply:
    spec = call.body["server"]
    _check_references(call, spec)
    _check_quota(call, spec["flavorRef"])
    check_metadata_quota(call, spec.get("metadata", {}))

    server = _new_server(call, spec)
    call.project.servers[server.id] = server
    call.world.lifecycle.begin(server, "create", call.now)

    created: dict[str, Any] = {
        "id": server.id,
        "links": links(call, "servers", server.id),
        "OS-DCF:diskConfig": "MANUAL",
        "security_groups": [{"name": group["name"]} for group in server.security_groups],
    }
    if "adminPass" in spec:
        created["adminPass"] = spec["adminPass"]
    headers = {}
    if call.settings.dialect == "openstack":
        headers["Location"] = created["links"][0]["href"]
    return Reply(status_for(call), {"server": created}, headers)
