"""Key pairs belong to users: another user of the same project neither lists, shows nor
deletes this user's key pairs. The reads use the key pairs the user already has; the delete
is tried on a pair the run creates for it, which its owner reads back afterwards.
"""

import pytest

from bmscert.checks.isolation import no_foreign_resource_listed
from bmscert.runners.nova_fixtures import new_name

pytest_plugins = ("bmscert.runners.auth_fixtures", "bmscert.runners.nova_fixtures")


def _own_names(nova):
    pairs = nova.ok("list_keypairs").json["keypairs"]
    return {pair["keypair"]["name"] for pair in pairs}


@pytest.mark.readonly
@pytest.mark.operation("list_keypairs")
def test_another_user_lists_none_of_this_users_key_pairs(nova, identities):
    ours = _own_names(nova)
    if not ours:
        pytest.skip("this user has no key pair to look for in another user's list")

    listed = nova.ok("list_keypairs", auth=identities.peer)

    nova.verify.settle([no_foreign_resource_listed(listed, ours, "this user")], listed)


@pytest.mark.readonly
@pytest.mark.operation("show_keypair")
def test_another_user_cannot_show_this_users_key_pair(nova, identities):
    name = nova.ids.keypair_name

    nova.fails(
        "show_keypair", 404, "itemNotFound", path={"keypair_name": name}, auth=identities.peer
    )


@pytest.mark.mutating
@pytest.mark.operation("delete_keypair")
def test_another_user_cannot_delete_this_users_key_pair(nova, identities):
    name = new_name("bmscert-key")
    nova.ok("create_keypair", json_body={"keypair": {"name": name}})
    try:
        refused = nova.fails(
            "delete_keypair",
            404,
            "itemNotFound",
            path={"keypair_name": name},
            auth=identities.peer,
        )
        nova.unchanged(refused, "the pair listed for its owner", True, name in _own_names(nova))
    finally:
        nova.send("delete_keypair", path={"keypair_name": name})
