"""SSH key pairs of the calling user through the Nova API.

A created pair returns its private key once and the target forgets it; an imported one
returns none. Names are unique per user (a duplicate is a 409) and a user holds at most the
project's key pair quota (a 403).
"""

from __future__ import annotations

from bmscert.target.faults import injected
from bmscert.target.http import Call, Reply, nova_fault
from bmscert.target.model import Keypair
from bmscert.target.nova import keys, render
from bmscert.target.nova.lookup import keypair_of, status_for, visible_keypairs
from bmscert.target.registry import handles


def _next_id(call: Call) -> int:
    ids = [pair.id for pairs in call.world.keypairs.values() for pair in pairs.values()]
    return max(ids, default=0) + 1


def _key_material(wanted: dict) -> tuple[str, str | None]:
    """(public key, private key or None): the imported key checked, or a generated pair."""
    public_key = wanted.get("public_key")
    if public_key is None:
        return keys.generated_pair()
    try:
        keys.check_public_key(public_key)
    except keys.InvalidPublicKey as error:
        raise nova_fault(400, f"Keypair data is invalid: {error}") from None
    return public_key, None


def _check_room(call: Call, name: str) -> None:
    owned = call.world.keypairs_of(call.user_id)
    duplicate_accepted = injected(call.settings.faults, "accept-duplicate", call.operation.id)
    if name in owned and not duplicate_accepted:
        raise nova_fault(409, f"Key pair '{name}' already exists.")
    if name not in owned and len(owned) >= call.project.quota.max_keypairs:
        raise nova_fault(403, "Quota exceeded, too many key pairs.")


@handles("list_keypairs")
def list_keypairs(call: Call) -> Reply:
    owned = sorted(visible_keypairs(call).values(), key=lambda pair: pair.name)
    listed = [{"keypair": render.keypair_listed(call, pair)} for pair in owned]
    return Reply(200, {"keypairs": listed})


@handles("create_keypair")
def create_keypair(call: Call) -> Reply:
    wanted = call.body["keypair"]
    _check_room(call, wanted["name"])
    if wanted.get("type") == "x509" and "public_key" not in wanted:
        raise nova_fault(400, "The reference target only imports x509 certificates")
    public_key, private_key = _key_material(wanted)

    keypair = Keypair(
        id=_next_id(call),
        name=wanted["name"],
        user_id=call.user_id,
        public_key=public_key,
        fingerprint=keys.fingerprint(public_key),
        created=call.now,
        type=wanted.get("type", "ssh"),
    )
    call.world.keypairs_of(call.user_id)[keypair.name] = keypair
    body = {"keypair": render.keypair_created(call, keypair, private_key)}
    return Reply(status_for(call), body)


@handles("show_keypair")
def show_keypair(call: Call) -> Reply:
    return Reply(200, {"keypair": render.keypair_shown(call, keypair_of(call))})


@handles("delete_keypair")
def delete_keypair(call: Call) -> Reply:
    keypair = keypair_of(call)
    del call.world.keypairs_of(keypair.user_id)[keypair.name]
    return Reply(status_for(call))
