"""The caller's SSH key pairs through Nova: a created pair returns its private key once, an
imported one does not; a duplicate name is a 409, a malformed name, key or body a 400, and
none of those refusals changes the key pairs (a follow-up list proves it).
"""

import base64
import hashlib
import struct

import pytest

from bmscert.runners.nova_fixtures import new_name
from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)

pytestmark = pytest.mark.mutating


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def public_key(kind: str = "ssh-ed25519", size: int = 32) -> tuple[str, str]:
    """A well-formed OpenSSH public key around random material, and its MD5 fingerprint."""
    material = (hashlib.sha512(new_uuid().encode()).digest() * (size // 64 + 1))[:size]
    if kind == "ssh-rsa":
        fields = _ssh_string(b"\x01\x00\x01") + _ssh_string(b"\x00" + material)
    else:
        fields = _ssh_string(material)
    blob = _ssh_string(kind.encode()) + fields
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    text = f"{kind} {base64.b64encode(blob).decode()} bmscert"
    return text, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _names(nova):
    pairs = nova.ok("list_keypairs").json["keypairs"]
    return sorted(pair["keypair"]["name"] for pair in pairs)


@pytest.mark.operation("create_keypair")
@pytest.mark.parametrize("version", ["2.1", "2.2"])
def test_a_created_pair_returns_its_private_key_and_is_listed(nova, version):
    name = new_name("bmscert-key")
    created = nova.ok("create_keypair", at=version, json_body={"keypair": {"name": name}})
    try:
        pair = created.json["keypair"]
        nova.observe(created, "private key returned", True, "private_key" in pair)
        shown = nova.ok("show_keypair", at=version, path={"keypair_name": name})
        nova.observe(
            shown,
            "fingerprint read back",
            pair["fingerprint"],
            shown.json["keypair"]["fingerprint"],
        )
        nova.observe(shown, "private key kept back", False, "private_key" in shown.json["keypair"])
    finally:
        nova.send("delete_keypair", path={"keypair_name": name})


@pytest.mark.operation("create_keypair")
def test_an_imported_pair_returns_no_private_key_and_its_true_fingerprint(nova):
    name = new_name("bmscert-key")
    key, fingerprint = public_key()
    created = nova.ok("create_keypair", json_body={"keypair": {"name": name, "public_key": key}})
    try:
        pair = created.json["keypair"]
        nova.observe(created, "private key returned", False, "private_key" in pair)
        nova.observe(created, "fingerprint", fingerprint, pair["fingerprint"])
        nova.observe(created, "public key kept as given", key, pair["public_key"])
    finally:
        nova.send("delete_keypair", path={"keypair_name": name})


@pytest.mark.operation("list_keypairs")
def test_a_created_pair_is_listed_until_deleted(nova):
    name = new_name("bmscert-key")
    nova.send("create_keypair", json_body={"keypair": {"name": name}})
    listed = nova.ok("list_keypairs")
    nova.observe(listed, "the new pair listed", True, name in _names(nova))
    nova.send("delete_keypair", path={"keypair_name": name})


@pytest.mark.operation("delete_keypair")
@pytest.mark.parametrize("version", ["2.1", "2.2"])
def test_a_deleted_pair_is_gone(nova, version):
    name = new_name("bmscert-key")
    nova.send("create_keypair", json_body={"keypair": {"name": name}})
    nova.ok("delete_keypair", at=version, path={"keypair_name": name})
    gone = nova.fails("show_keypair", 404, "itemNotFound", path={"keypair_name": name})
    nova.observe(gone, "the pair listed", False, name in _names(nova))


@pytest.mark.operation("create_keypair")
def test_a_duplicate_name_is_a_409_that_keeps_the_first_pair(nova):
    name = new_name("bmscert-key")
    first = nova.send("create_keypair", json_body={"keypair": {"name": name}}).json["keypair"]
    try:
        key, _ = public_key()
        refused = nova.fails(
            "create_keypair",
            409,
            "conflictingRequest",
            json_body={"keypair": {"name": name, "public_key": key}},
            naming=(name,),
        )
        shown = nova.send("show_keypair", path={"keypair_name": name}).json["keypair"]
        nova.unchanged(refused, "fingerprint", first["fingerprint"], shown["fingerprint"])
    finally:
        nova.send("delete_keypair", path={"keypair_name": name})


def _bad_bodies():
    key, _ = public_key()
    return {
        "name-missing": {"keypair": {}},
        "empty-name": {"keypair": {"name": ""}},
        "name-of-256-characters": {"keypair": {"name": "k" * 256}},
        "name-with-a-slash": {"keypair": {"name": "team/key"}},
        "name-with-a-dot": {"keypair": {"name": "team.key"}},
        "name-with-a-non-ascii-letter": {"keypair": {"name": "schlüssel"}},
        "name-not-text": {"keypair": {"name": 7}},
        "public-key-not-a-key": {"keypair": {"name": "bmscert-bad", "public_key": "hello"}},
        "public-key-bad-base64": {"keypair": {"name": "bmscert-bad", "public_key": "ssh-rsa !!"}},
        "public-key-of-another-type": {
            "keypair": {"name": "bmscert-bad", "public_key": key.replace("ed25519", "rsa", 1)}
        },
        "keypair-as-text": {"keypair": "bmscert-bad"},
        "extra-member": {"keypair": {"name": "bmscert-bad", "colour": "blue"}},
        "keypair-missing": {"name": "bmscert-bad"},
    }


@pytest.mark.parametrize("operation_id", ["create_keypair"])
@pytest.mark.parametrize("case", sorted(_bad_bodies()))
def test_a_malformed_name_key_or_body_is_a_400_that_changes_nothing(nova, operation_id, case):
    before = _names(nova)
    refused = nova.fails(operation_id, 400, "badRequest", json_body=_bad_bodies()[case])
    nova.unchanged(refused, "key pairs", before, _names(nova))


@pytest.mark.operation("create_keypair")
def test_a_public_key_over_1024_bytes_is_refused_only_by_the_bms_pages(nova):
    name = new_name("bmscert-key")
    key, _ = public_key("ssh-rsa", 1100)
    body = {"keypair": {"name": name, "public_key": key}}
    if nova.verify.profile.dialect != "huawei":
        nova.ok("create_keypair", json_body=body)
        nova.send("delete_keypair", path={"keypair_name": name})
        return
    before = _names(nova)
    refused = nova.fails("create_keypair", 400, "badRequest", json_body=body)
    nova.unchanged(refused, "key pairs", before, _names(nova))


@pytest.mark.parametrize("operation_id", ["show_keypair", "delete_keypair"])
def test_an_unknown_pair_is_a_404(nova, operation_id):
    nova.fails(operation_id, 404, "itemNotFound", path={"keypair_name": new_name("absent")})
