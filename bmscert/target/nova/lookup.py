"""Finding what a Nova path names, and the documented status for the call's dialect.

An unknown id is always a 404 ``itemNotFound`` here: upstream Nova and the BMS tag page agree,
unlike the BMS native API, whose answer is a behaviour choice.
"""

from __future__ import annotations

from bmscert.target.bms.lookup import anywhere, fault_active
from bmscert.target.http import Call, nova_fault
from bmscert.target.model import Flavor, Keypair, Server


def server_of(call: Call) -> Server:
    server_id = call.path.get("server_id", "")
    server = call.project.servers.get(server_id)
    if server is None and fault_active(call, "cross-project"):
        server = anywhere(call, lambda project: project.servers.get(server_id))
    if server is None or server.status == "DELETED":
        raise nova_fault(404, f"Instance {server_id} could not be found.")
    return server


def flavor_of(call: Call) -> Flavor:
    flavor_id = call.path.get("flavor_id", "")
    flavor = call.world.flavors.get(flavor_id)
    if flavor is None:
        raise nova_fault(404, f"Flavor {flavor_id} could not be found.")
    return flavor


def visible_keypairs(call: Call) -> dict[str, Keypair]:
    """The caller's key pairs by name; the deliberate fault ``shared-keypairs`` adds those of
    every other user of the caller's project."""
    owned = call.world.keypairs_of(call.user_id)
    if not fault_active(call, "shared-keypairs"):
        return owned
    project_users = [u.id for u in call.world.users.values() if u.project_id == call.project.id]
    shared = {}
    for user_id in project_users:
        shared.update(call.world.keypairs_of(user_id))
    return {**shared, **owned}


def keypair_of(call: Call) -> Keypair:
    name = call.path.get("keypair_name", "")
    keypair = visible_keypairs(call).get(name)
    if keypair is None:
        raise nova_fault(404, f"Keypair {name} not found for user {call.user_id}")
    return keypair


def status_for(call: Call, *, new: bool = True) -> int:
    """The success status the catalogue documents for this call's dialect and microversion.

    Where a dialect documents two (upstream Nova's tag PUT: 201 new, 204 already there),
    ``new`` picks between them.
    """
    statuses = sorted(call.operation.expected_statuses(call.settings.dialect, call.microversion))
    return statuses[0] if new else statuses[-1]


def project_url(call: Call) -> str:
    return f"{call.base_url}/v2.1/{call.project.id}"


def bookmark_url(call: Call) -> str:
    return f"{call.base_url}/{call.project.id}"


def links(call: Call, collection: str, item_id: str) -> list[dict[str, str]]:
    """The self and bookmark links of one resource, as upstream Nova writes them."""
    return [
        {"rel": "self", "href": f"{project_url(call)}/{collection}/{item_id}"},
        {"rel": "bookmark", "href": f"{bookmark_url(call)}/{collection}/{item_id}"},
    ]
