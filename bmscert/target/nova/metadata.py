"""A server's user metadata through the Nova API: list, merge, replace, one item.

Writes need a settled server (upstream Nova's preconditions; a 409 names the state) and stay
within the project's metadata quota (a 403). The item PUT carries exactly one key, which must
equal the key in the URL.
"""

from __future__ import annotations

from collections.abc import Mapping

from bmscert.target.faults import injected
from bmscert.target.http import Call, Reply, nova_fault
from bmscert.target.model import Server
from bmscert.target.nova.lookup import server_of, status_for
from bmscert.target.nova.states import allow_write
from bmscert.target.registry import handles


def check_metadata_quota(call: Call, metadata: Mapping[str, str]) -> None:
    limit = call.project.quota.max_server_meta
    if len(metadata) > limit:
        raise nova_fault(403, f"Quota exceeded for metadata items: at most {limit} per server")


def _writable(call: Call, action: str) -> Server:
    server = server_of(call)
    allow_write(server, action)
    return server


def _item_of(call: Call, server: Server) -> tuple[str, str]:
    key = call.path["key"]
    if key not in server.user_metadata:
        raise nova_fault(404, "Metadata item was not found")
    return key, server.user_metadata[key]


@handles("list_server_metadata")
def list_metadata(call: Call) -> Reply:
    return Reply(200, {"metadata": dict(server_of(call).user_metadata)})


@handles("update_server_metadata")
def merge_metadata(call: Call) -> Reply:
    server = _writable(call, "update metadata")
    merged = {**server.user_metadata, **call.body["metadata"]}
    check_metadata_quota(call, merged)
    server.user_metadata = merged
    return Reply(status_for(call), {"metadata": dict(merged)})


@handles("replace_server_metadata")
def replace_metadata(call: Call) -> Reply:
    server = _writable(call, "update metadata")
    check_metadata_quota(call, call.body["metadata"])
    server.user_metadata = dict(call.body["metadata"])
    return Reply(status_for(call), {"metadata": dict(server.user_metadata)})


@handles("show_server_metadata_item")
def show_item(call: Call) -> Reply:
    key, value = _item_of(call, server_of(call))
    return Reply(200, {"meta": {key: value}})


@handles("set_server_metadata_item")
def set_item(call: Call) -> Reply:
    server = _writable(call, "update metadata")
    meta = call.body["meta"]
    mismatch_accepted = injected(call.settings.faults, "accept-mismatched-key", call.operation.id)
    if call.path["key"] not in meta and not mismatch_accepted:
        raise nova_fault(400, "Request body and URI mismatch")

    merged = {**server.user_metadata, **meta}
    check_metadata_quota(call, merged)
    server.user_metadata = merged
    return Reply(status_for(call), {"meta": dict(meta)})


@handles("delete_server_metadata_item")
def delete_item(call: Call) -> Reply:
    server = _writable(call, "delete metadata")
    key, _ = _item_of(call, server)
    del server.user_metadata[key]
    return Reply(status_for(call))
