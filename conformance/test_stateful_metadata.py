"""A server's user metadata as a dictionary, driven through both API families.

Generated merges (Nova and the BMS native API), replacements, single-item writes, reads and
deletes act on the harness's own server; keys and values are drawn from the request schemas
of the profile's dialect. The model is a dictionary: a merge updates it, a replacement
replaces it, an item write sets one key, a delete removes one (an unknown key is a 404), and
a write that would pass the project's metadata quota is a 403 that changes nothing. Invalid
merges (one documented rule broken) are 400s that change nothing. After every step Nova must
list exactly the model, and the BMS native API must show it beside the system metadata it
showed at the start.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule
from jsonschema import Draft202012Validator

from bmscert.checks.strategies import ecma_anchored, is_segment_safe
from bmscert.core.views import SchemaView
from bmscert.runners.machines import MachineContext, ModelMachine

pytest_plugins = (
    "bmscert.runners.nova_fixtures",
    "bmscert.runners.generation",
    "bmscert.runners.properties",
)

OPERATIONS = (
    "update_server_metadata",
    "replace_server_metadata",
    "set_server_metadata_item",
    "show_server_metadata_item",
    "delete_server_metadata_item",
    "list_server_metadata",
    "UpdateBaremetalServerMetadata",
)
pytestmark = [pytest.mark.stateful, pytest.mark.mutating, pytest.mark.operations(*OPERATIONS)]
# A bound on generation, not a rule of the API: a few pairs per write keep the runs short.
PAIRS_PER_WRITE = 4


def _bounded(schema):
    return {**schema, "maxProperties": PAIRS_PER_WRITE}


class MetadataModel(ModelMachine):
    """A dictionary of text to text, within the project's metadata quota."""

    def reset(self):
        self.context.bench.reset_metadata_and_tags(self.context.checkpoint)

    @initialize()
    def start_from_what_the_target_shows(self):
        bench = self.context.bench
        bench.servers.settle(self.server_id, "ACTIVE")
        self.metadata = bench.metadata_of(self.server_id)
        native, _ = bench.bms_state(self.server_id)
        shown = native.get("metadata") or {}
        self.system = {k: v for k, v in shown.items() if k not in self.metadata}
        quota = self.context.bench.api.call("ShowTenantQuota", recorded=False)
        self.quota = (quota.json or {}).get("absolute", {}).get("maxServerMeta", 128)

    # ------------------------------------------------------------------ strategies

    @classmethod
    def schemas(cls):
        store = cls.context.generation.store
        view = SchemaView(cls.context.generation.profile.dialect, "2.1")
        nova = store.inlined("nova/defs.json", "/$defs/MetadataRequest", view=view)
        native = store.inlined(
            "bms/UpdateBaremetalServerMetadata.request.json",
            "/properties/body/properties/metadata",
        )
        key = store.inlined("nova/defs.json", "/$defs/MetadataKey", view=view)
        value = store.inlined("nova/defs.json", "/$defs/MetadataValue", view=view)
        return nova, native, key, value

    def _drawn(self, data, schema):
        return data.draw(self.context.strategies.value(_bounded(schema)))

    def _nova_key(self, data):
        """A key Nova takes in a body: one the model holds, or a new one."""
        _, _, key_schema, _ = self.schemas()
        valid = Draft202012Validator(ecma_anchored(key_schema))
        held = [key for key in self.metadata if valid.is_valid(key) and is_segment_safe(key)]
        fresh = self.context.strategies.value(key_schema).filter(is_segment_safe)
        return data.draw(st.sampled_from(held) | fresh if held else fresh)

    # ------------------------------------------------------------------ writes

    def _path(self, **extra):
        return {"server_id": self.server_id, **extra}

    def _over_quota(self, metadata) -> bool:
        return len(metadata) > self.quota

    @rule(data=st.data())
    def merge_through_nova(self, data):
        pairs = self._drawn(data, self.schemas()[0])
        merged = {**self.metadata, **pairs}
        reply = self.send(
            "update_server_metadata", path=self._path(), json_body={"metadata": pairs}
        )
        if self._over_quota(merged):
            self.refused(reply, 403, fault="forbidden")
            return
        self.accepted(reply)
        self.metadata = merged
        self.matches("metadata in the reply", merged, reply.json.get("metadata"), reply)

    @rule(data=st.data())
    def replace_through_nova(self, data):
        pairs = self._drawn(data, self.schemas()[0])
        reply = self.send(
            "replace_server_metadata", path=self._path(), json_body={"metadata": pairs}
        )
        if self._over_quota(pairs):
            self.refused(reply, 403, fault="forbidden")
            return
        self.accepted(reply)
        self.metadata = dict(pairs)

    @precondition(lambda self: len(self.metadata) + PAIRS_PER_WRITE <= self.quota)
    @rule(data=st.data())
    def merge_through_bms(self, data):
        pairs = self._drawn(data, self.schemas()[1])
        reply = self.send(
            "UpdateBaremetalServerMetadata", path=self._path(), json_body={"metadata": pairs}
        )
        self.accepted(reply)
        self.metadata = {**self.metadata, **pairs}

    @rule(data=st.data())
    def set_one_item(self, data):
        key = self._nova_key(data)
        value = data.draw(self.context.strategies.value(self.schemas()[3]))
        reply = self.send(
            "set_server_metadata_item",
            path=self._path(key=key),
            json_body={"meta": {key: value}},
        )
        if self._over_quota({**self.metadata, key: value}):
            self.refused(reply, 403, fault="forbidden")
            return
        self.accepted(reply)
        self.metadata[key] = value

    @rule(data=st.data())
    def delete_one_item(self, data):
        key = self._nova_key(data)
        reply = self.send("delete_server_metadata_item", path=self._path(key=key))
        if key not in self.metadata:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)
        del self.metadata[key]

    @rule(data=st.data())
    def read_one_item(self, data):
        key = self._nova_key(data)
        reply = self.send("show_server_metadata_item", path=self._path(key=key))
        if key not in self.metadata:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)
        self.matches(f"item {key!r}", {key: self.metadata[key]}, reply.json.get("meta"), reply)

    # ------------------------------------------------------------------ invalid writes

    def _invalid(self, data, operation_id):
        operation = self.context.generation.catalogue[operation_id]
        view = None if operation.is_bms else SchemaView(self.profile.dialect, "2.1")
        pins = {"path.server_id": self.server_id}
        request = data.draw(self.context.strategies.invalid(operation, view, pins))
        reply = self.send(operation_id, path=request.path, json_body=request.body)
        self.refused_as_invalid(reply, request.broken)

    @rule(data=st.data())
    def merge_something_invalid_through_nova(self, data):
        self._invalid(data, "update_server_metadata")

    @rule(data=st.data())
    def merge_something_invalid_through_bms(self, data):
        self._invalid(data, "UpdateBaremetalServerMetadata")

    # ------------------------------------------------------------------ what both show

    @invariant()
    def both_families_show_the_model(self):
        listed = self.look("list_server_metadata", path=self._path())
        self.accepted(listed)
        self.matches("metadata through Nova", self.metadata, listed.json.get("metadata"), listed)
        native, read = self.read_bms_server()
        expected = {**self.system, **self.metadata}
        self.matches("metadata through the BMS API", expected, native.get("metadata"), read)


def test_metadata_behaves_as_a_dictionary_through_both_families(
    generation, bench, request_strategies, own_server
):
    MetadataModel.context = MachineContext(generation, bench, request_strategies, own_server)
    checkpoint = bench.checkpoint(own_server)
    MetadataModel.context.checkpoint = checkpoint
    try:
        generation.run_machine(MetadataModel, "metadata as a dictionary")
    finally:
        bench.restore(checkpoint)
