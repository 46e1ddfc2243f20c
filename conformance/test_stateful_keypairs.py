"""The calling user's SSH key pairs, as a model of the documented rules.

Generated creates (the service makes the pair), imports (a well-formed public key), reads
and deletes act on key pairs the model creates itself; names are drawn from the request
schema. The model maps each name it created to its fingerprint, beside the pairs the user
had at the start, which it never touches: a name already taken is a 409 that keeps the first
pair, an absent name is a 404 to read or delete. After every step Nova must list exactly the
user's first pairs and the model's. The pairs the model created are deleted at the end.
"""

import base64
import hashlib
import struct

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from bmscert.checks.strategies import is_segment_safe
from bmscert.core.views import SchemaView
from bmscert.runners.machines import MachineContext, ModelMachine

pytest_plugins = (
    "bmscert.runners.nova_fixtures",
    "bmscert.runners.generation",
    "bmscert.runners.properties",
)

OPERATIONS = ("create_keypair", "show_keypair", "delete_keypair", "list_keypairs")
pytestmark = [pytest.mark.stateful, pytest.mark.mutating, pytest.mark.operations(*OPERATIONS)]


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def public_key(material: bytes) -> tuple[str, str]:
    """An OpenSSH ed25519 public key around 32 bytes, and its MD5 fingerprint."""
    blob = _ssh_string(b"ssh-ed25519") + _ssh_string(material)
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    text = f"ssh-ed25519 {base64.b64encode(blob).decode()} bmscert"
    return text, ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


class KeypairsModel(ModelMachine):
    """The pairs the model created, by name, with their fingerprints."""

    @initialize()
    def start_from_what_the_target_shows(self):
        self.first = set(self.context.bench.keypairs())
        self.pairs: dict[str, str] = {}

    def reset(self):
        for name in getattr(self, "pairs", {}):
            self.context.bench.api.call(
                "delete_keypair", path={"keypair_name": name}, recorded=False
            )

    def _name(self, data, *, known=True):
        schema = self.context.generation.store.inlined(
            "nova/create_keypair.request.json",
            "/properties/body/properties/keypair/properties/name",
            view=SchemaView(self.profile.dialect, "2.1"),
        )
        fresh = self.context.strategies.value(schema).filter(is_segment_safe)
        held = sorted(self.pairs) if known else []
        return data.draw(st.sampled_from(held) | fresh if held else fresh)

    def _created(self, reply, name, fingerprint=None):
        if name in self.first or name in self.pairs:
            self.refused(reply, 409, fault="conflictingRequest", naming=(name,))
            return
        self.accepted(reply)
        shown = reply.json.get("keypair", {})
        self.pairs[name] = shown.get("fingerprint", "")
        if fingerprint is not None:
            self.matches("fingerprint of the imported key", fingerprint, self.pairs[name], reply)
            self.matches("a private key returned", False, "private_key" in shown, reply)

    @rule(data=st.data())
    def create_a_pair(self, data):
        name = self._name(data)
        reply = self.send("create_keypair", json_body={"keypair": {"name": name}})
        self._created(reply, name)

    @rule(data=st.data(), material=st.binary(min_size=32, max_size=32))
    def import_a_public_key(self, data, material):
        name = self._name(data)
        key, fingerprint = public_key(material)
        body = {"keypair": {"name": name, "public_key": key}}
        reply = self.send("create_keypair", json_body=body)
        self._created(reply, name, fingerprint)

    @rule(data=st.data())
    def read_a_pair(self, data):
        name = self._name(data)
        reply = self.send("show_keypair", path={"keypair_name": name})
        if name not in self.pairs and name not in self.first:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)
        if name in self.pairs:
            shown = reply.json.get("keypair", {}).get("fingerprint")
            self.matches(f"fingerprint of {name!r}", self.pairs[name], shown, reply)

    @rule(data=st.data())
    def delete_a_pair(self, data):
        name = self._name(data)
        if name in self.first:
            return
        reply = self.send("delete_keypair", path={"keypair_name": name})
        if name not in self.pairs:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)
        del self.pairs[name]

    @invariant()
    def nova_lists_the_model(self):
        listed = self.look("list_keypairs")
        self.accepted(listed)
        names = {item.get("keypair", {}).get("name") for item in listed.json.get("keypairs", [])}
        self.matches("key pairs listed", self.first | set(self.pairs), names, listed)


def test_key_pairs_behave_as_the_model_of_one_user(generation, bench, request_strategies):
    KeypairsModel.context = MachineContext(generation, bench, request_strategies, "")
    generation.run_machine(KeypairsModel, "key pairs of one user")
