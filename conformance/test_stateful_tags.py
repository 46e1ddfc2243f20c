"""A server's tags as a set with its limits, driven through Nova (2.26 and later).

Generated replacements, additions, checks and deletes act on the harness's own server; tags
are drawn from the dialect's tag schema. The model is a set of at most 50 tags: a
replacement replaces it, an addition adds one (a 51st new tag is a 400 that changes
nothing), a check answers whether a tag is there, a delete removes one (an absent one is a
404). Tags that break the dialect's rules (too long, a forbidden character, ...) and tag
lists that break the body's rules are 400s that change nothing. After every step Nova and
the BMS native API must both show exactly the model's tags.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from bmscert.checks.strategies import ABSENT, is_segment_safe
from bmscert.core.views import SchemaView
from bmscert.runners.machines import MachineContext, ModelMachine

pytest_plugins = (
    "bmscert.runners.nova_fixtures",
    "bmscert.runners.generation",
    "bmscert.runners.properties",
)

OPERATIONS = (
    "replace_server_tags",
    "add_server_tag",
    "check_server_tag",
    "delete_server_tag",
    "delete_all_server_tags",
    "list_server_tags",
)
pytestmark = [pytest.mark.stateful, pytest.mark.mutating, pytest.mark.operations(*OPERATIONS)]
VERSION = "2.26"
MAX_TAGS = 50


class TagsModel(ModelMachine):
    """A set of tags, at most fifty."""

    def reset(self):
        self.context.bench.reset_metadata_and_tags(self.context.checkpoint)

    @initialize()
    def start_from_what_the_target_shows(self):
        self.context.bench.servers.settle(self.server_id, "ACTIVE")
        self.tags = set(self.context.bench.tags_of(self.server_id))

    # ------------------------------------------------------------------ strategies

    def _view(self):
        return SchemaView(self.profile.dialect, VERSION)

    def _schema(self, name):
        return self.context.generation.store.inlined("nova/defs.json", name, view=self._view())

    def _tag(self, data, *, in_path=False):
        """A tag the model holds, or a new one from the dialect's tag schema."""
        fresh = self.context.strategies.value(self._schema("/$defs/Tag"))
        held = sorted(self.tags)
        if in_path:
            fresh = fresh.filter(is_segment_safe)
            held = [tag for tag in held if is_segment_safe(tag)]
        return data.draw(st.sampled_from(held) | fresh if held else fresh)

    def _path(self, **extra):
        return {"server_id": self.server_id, **extra}

    # ------------------------------------------------------------------ writes and reads

    @rule(data=st.data())
    def replace_the_tags(self, data):
        tags = data.draw(self.context.strategies.value(self._schema("/$defs/Tags")))
        reply = self.send("replace_server_tags", path=self._path(), json_body={"tags": tags})
        self.accepted(reply)
        self.tags = set(tags)
        self.matches("tags in the reply", self.tags, set(reply.json.get("tags", [])), reply)

    @rule(data=st.data())
    def fill_to_the_limit(self, data):
        tag = self.context.strategies.value(self._schema("/$defs/Tag"))
        tags = data.draw(st.lists(tag, min_size=MAX_TAGS, max_size=MAX_TAGS, unique=True))
        reply = self.send("replace_server_tags", path=self._path(), json_body={"tags": tags})
        self.accepted(reply)
        self.tags = set(tags)

    @rule(data=st.data())
    def add_a_tag(self, data):
        tag = self._tag(data, in_path=True)
        reply = self.send("add_server_tag", path=self._path(tag=tag))
        if tag not in self.tags and len(self.tags) >= MAX_TAGS:
            self.refused(reply, 400, fault="badRequest")
            return
        self.accepted(reply)
        self.tags.add(tag)

    @rule(data=st.data())
    def check_a_tag(self, data):
        tag = self._tag(data, in_path=True)
        reply = self.send("check_server_tag", path=self._path(tag=tag))
        if tag not in self.tags:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)

    @rule(data=st.data())
    def delete_a_tag(self, data):
        tag = self._tag(data, in_path=True)
        reply = self.send("delete_server_tag", path=self._path(tag=tag))
        if tag not in self.tags:
            self.refused(reply, 404, fault="itemNotFound")
            return
        self.accepted(reply)
        self.tags.discard(tag)

    @rule()
    def delete_every_tag(self):
        reply = self.send("delete_all_server_tags", path=self._path())
        self.accepted(reply)
        self.tags = set()

    # ------------------------------------------------------------------ invalid writes

    def _invalid(self, data, operation_id):
        operation = self.context.generation.catalogue[operation_id]
        pins = {"path.server_id": self.server_id}
        request = data.draw(self.context.strategies.invalid(operation, self._view(), pins))
        body = {} if request.body is ABSENT else {"json_body": request.body}
        reply = self.send(operation_id, path=request.path, **body)
        self.refused_as_invalid(reply, request.broken)

    @rule(data=st.data())
    def add_a_tag_breaking_a_rule(self, data):
        self._invalid(data, "add_server_tag")

    @rule(data=st.data())
    def replace_with_tags_breaking_a_rule(self, data):
        self._invalid(data, "replace_server_tags")

    # ------------------------------------------------------------------ what both show

    @invariant()
    def both_families_show_the_model(self):
        listed = self.look("list_server_tags", path=self._path())
        self.accepted(listed, at=VERSION)
        self.matches("tags through Nova", self.tags, set(listed.json.get("tags", [])), listed)
        native, read = self.read_bms_server()
        self.matches("tags through the BMS API", self.tags, set(native.get("tags") or []), read)


def test_tags_behave_as_a_set_with_its_limits(generation, bench, request_strategies, own_server):
    TagsModel.context = MachineContext(generation, bench, request_strategies, own_server)
    checkpoint = bench.checkpoint(own_server)
    TagsModel.context.checkpoint = checkpoint
    try:
        generation.run_machine(TagsModel, "tags as a set with its limits")
    finally:
        bench.restore(checkpoint)
