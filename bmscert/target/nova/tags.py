"""A server's one-dimensional tags (microversion 2.26 and later; the gateway enforces that).

Writes need a server in a settled vm_state (409 otherwise, naming it). Adding a tag answers
204 in the huawei dialect; upstream Nova answers 201 for a new tag and 204 for one already
there, and gives the tag's URL in a Location header either way (Tempest requires it).
"""

from __future__ import annotations

from urllib.parse import quote

from bmscert.target.http import Call, Reply, nova_fault
from bmscert.target.model import Server
from bmscert.target.nova.lookup import project_url, server_of, status_for
from bmscert.target.nova.states import allow_write
from bmscert.target.registry import handles

MAX_TAGS = 50


def _writable(call: Call, action: str) -> Server:
    server = server_of(call)
    allow_write(server, action, task_must_be_idle=False)
    return server


def _missing(server: Server, tag: str) -> Exception:
    return nova_fault(404, f"Server {server.id} has no tag '{tag}'")


@handles("list_server_tags")
def list_tags(call: Call) -> Reply:
    return Reply(200, {"tags": list(server_of(call).tags)})


@handles("replace_server_tags")
def replace_tags(call: Call) -> Reply:
    server = _writable(call, "update tags")
    server.tags = list(dict.fromkeys(call.body["tags"]))
    return Reply(status_for(call), {"tags": list(server.tags)})


@handles("delete_all_server_tags")
def delete_all_tags(call: Call) -> Reply:
    server = _writable(call, "delete tags")
    server.tags = []
    return Reply(status_for(call))


@handles("check_server_tag")
def check_tag(call: Call) -> Reply:
    server = server_of(call)
    if call.path["tag"] not in server.tags:
        raise _missing(server, call.path["tag"])
    return Reply(status_for(call))


@handles("add_server_tag")
def add_tag(call: Call) -> Reply:
    server = _writable(call, "update tag")
    tag = call.path["tag"]
    is_new = tag not in server.tags
    if is_new and len(server.tags) >= MAX_TAGS:
        raise nova_fault(400, f"The number of tags exceeded the per-server limit {MAX_TAGS}")
    if is_new:
        server.tags.append(tag)

    headers = {}
    if call.settings.dialect == "openstack":
        headers["Location"] = f"{project_url(call)}/servers/{server.id}/tags/{quote(tag, safe='')}"
    return Reply(status_for(call, new=is_new), None, headers)


@handles("delete_server_tag")
def delete_tag(call: Call) -> Reply:
    server = _writable(call, "delete tag")
    tag = call.path["tag"]
    if tag not in server.tags:
        raise _missing(server, tag)
    server.tags.remove(tag)
    return Reply(status_for(call))
