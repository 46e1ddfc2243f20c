"""Reading servers and what hangs off them: NICs, volumes, password state."""

from __future__ import annotations

from bmscert.target.bms import render
from bmscert.target.bms.lookup import server_of
from bmscert.target.http import Call, Reply
from bmscert.target.model import Server
from bmscert.target.registry import handles

DEFAULT_PAGE_SIZE = 25
PAGE_SIZE_WITHOUT_LIMIT = 1000


def _name_matches(wanted: str | None, name: str, call: Call) -> bool:
    """How the name filter matches is undocumented; the ``name_filter`` behaviour decides."""
    if wanted is None:
        return True
    if call.settings.behaviours["name_filter"] == "exact":
        return name == wanted
    return wanted in name


def _matches(server: Server, call: Call) -> bool:
    """The documented filters: name, status, flavor, tag, batch reservation."""
    name = call.query_value("name")
    status = call.query_value("status")
    flavor = call.query_value("flavor")
    tag = call.query_value("tags")
    reservation = call.query_value("reservation_id")
    return (
        _name_matches(name, server.name, call)
        and (status is None or server.status == status)
        and (flavor is None or server.flavor_id == flavor)
        and (tag is None or tag in server.tags)
        and (reservation is None or server.reservation_id == reservation)
    )


def _page(call: Call, servers: list[Server]) -> list[Server]:
    """``offset`` is a page number from 1; with ``offset`` and no ``limit`` a page is 1000."""
    offset = call.query_value("offset")
    limit = call.query_value("limit")
    if limit is None:
        limit = PAGE_SIZE_WITHOUT_LIMIT if offset is not None else DEFAULT_PAGE_SIZE
    page = offset or 1
    start = (page - 1) * limit
    return servers[start : start + limit]


@handles("ListBareMetalServers")
def list_servers(call: Call) -> Reply:
    visible = [s for s in call.project.servers.values() if s.status != "DELETED"]
    matching = [server for server in visible if _matches(server, call)]
    shown = [render.server_details(s, call.world) for s in _page(call, matching)]
    return Reply(200, {"servers": shown, "count": len(matching)})


@handles("ListBareMetalServerDetails")
def show_server(call: Call) -> Reply:
    return Reply(200, {"server": render.server_details(server_of(call), call.world)})


@handles("ShowBaremetalServerInterfaceAttachments")
def list_interfaces(call: Call) -> Reply:
    return Reply(200, {"interfaceAttachments": render.interfaces(server_of(call))})


@handles("ShowBaremetalServerVolumeInfo")
def list_volumes(call: Call) -> Reply:
    return Reply(200, {"volumeAttachments": render.volume_attachments(server_of(call))})


@handles("ShowResetPwd")
def show_reset_password_flag(call: Call) -> Reply:
    flag = "True" if server_of(call).resetpwd_supported else "False"
    return Reply(200, {"resetpwd_flag": flag})


@handles("ShowWindowsBaremetalServerPwd")
def show_windows_password(call: Call) -> Reply:
    """A Linux server, or one whose password was deleted, answers an empty password."""
    return Reply(200, {"password": server_of(call).windows_password or ""})
