"""A server's metadata through Nova: merge, replace and one item at a time, each effect read
back; keys and values that break the dialect's rules, bodies of the wrong shape and an item
PUT whose body key differs from the URL's get a 400 and change nothing.
"""

import pytest

from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)

BASELINE = {"purpose": "certification", "owner": "bmscert"}

pytestmark = pytest.mark.mutating


def _metadata(nova, server_id):
    return nova.ok("list_server_metadata", path={"server_id": server_id}).json["metadata"]


def _reset(nova, server_id, metadata=None):
    nova.servers.settle(server_id, "ACTIVE")
    nova.send(
        "replace_server_metadata",
        path={"server_id": server_id},
        json_body={"metadata": dict(metadata or BASELINE)},
    )


@pytest.mark.operation("update_server_metadata")
def test_merge_adds_and_overwrites_and_leaves_the_rest(nova, own_server):
    _reset(nova, own_server)
    change = {"owner": "platform", "tier": "gold"}

    merged = nova.ok(
        "update_server_metadata", path={"server_id": own_server}, json_body={"metadata": change}
    )

    expected = {**BASELINE, **change}
    nova.observe(merged, "metadata in the reply", expected, merged.json["metadata"])
    nova.observe(merged, "metadata read back", expected, _metadata(nova, own_server))


@pytest.mark.operation("replace_server_metadata")
def test_replace_leaves_exactly_the_body(nova, own_server, api):
    _reset(nova, own_server)
    wanted = {"only": "this"}

    nova.ok(
        "replace_server_metadata", path={"server_id": own_server}, json_body={"metadata": wanted}
    )

    native = api.call("ListBareMetalServerDetails", path={"server_id": own_server})
    nova.observe(native, "metadata read back", wanted, _metadata(nova, own_server))
    seen = native.json.get("server", {}).get("metadata", {}) if native.status == 200 else {}
    nova.observe(native, "the key through the BMS API", "this", seen.get("only"))


@pytest.mark.operation("show_server_metadata_item")
def test_one_item_reads_as_meta(nova, own_server):
    _reset(nova, own_server)
    item = nova.ok("show_server_metadata_item", path={"server_id": own_server, "key": "owner"})
    nova.observe(item, "meta", {"owner": "bmscert"}, item.json["meta"])


@pytest.mark.operation("set_server_metadata_item")
def test_setting_one_item_changes_only_that_item(nova, own_server):
    _reset(nova, own_server)
    nova.ok(
        "set_server_metadata_item",
        path={"server_id": own_server, "key": "owner"},
        json_body={"meta": {"owner": "storage-team"}},
    )
    after = _metadata(nova, own_server)
    item = nova.ok("show_server_metadata_item", path={"server_id": own_server, "key": "owner"})
    nova.observe(item, "metadata read back", {**BASELINE, "owner": "storage-team"}, after)


@pytest.mark.operation("delete_server_metadata_item")
def test_deleting_one_item_removes_only_that_item(nova, own_server):
    _reset(nova, own_server)
    nova.ok("delete_server_metadata_item", path={"server_id": own_server, "key": "owner"})
    gone = nova.fails(
        "show_server_metadata_item",
        404,
        "itemNotFound",
        path={"server_id": own_server, "key": "owner"},
    )
    nova.observe(
        gone, "metadata read back", {"purpose": "certification"}, _metadata(nova, own_server)
    )


@pytest.mark.parametrize(
    "operation_id", ["delete_server_metadata_item", "show_server_metadata_item"]
)
def test_an_unknown_key_is_a_404(nova, own_server, operation_id):
    _reset(nova, own_server)
    nova.fails(
        operation_id, 404, "itemNotFound", path={"server_id": own_server, "key": new_uuid()}
    )


# Keys and values both dialects refuse.
BAD_PAIRS = [
    pytest.param({"": "v"}, id="empty-key"),
    pytest.param({"k" * 256: "v"}, id="key-of-256-characters"),
    pytest.param({"a@b": "v"}, id="key-with-at-sign"),
    pytest.param({"a/b": "v"}, id="key-with-slash"),
    pytest.param({"a{b}": "v"}, id="key-with-braces"),
    pytest.param({"k": "v" * 256}, id="value-of-256-characters"),
    pytest.param({"k": 1}, id="value-not-text"),
    pytest.param({"k": None}, id="value-null"),
]
# Refused by one dialect only: (metadata, the dialect that refuses it).
DIALECT_PAIRS = [
    pytest.param({"a:b": "v"}, "huawei", id="key-with-colon"),
    pytest.param({"k": 'say "hi"'}, "huawei", id="value-with-double-quote"),
    pytest.param({"k": "back\\slash"}, "huawei", id="value-with-backslash"),
    pytest.param({"schlüssel": "v"}, "openstack", id="key-with-non-ascii-letter"),
]
BAD_SHAPES = [
    pytest.param({"metadata": [["k", "v"]]}, id="metadata-as-a-list"),
    pytest.param({"metadata": "k=v"}, id="metadata-as-text"),
    pytest.param({}, id="metadata-missing"),
    pytest.param({"metadata": {}, "meta": {}}, id="extra-member"),
    pytest.param({"meta": {"k": "v"}}, id="meta-instead-of-metadata"),
]


def _refused_and_unchanged(nova, own_server, operation_id, body, path=None):
    _reset(nova, own_server)
    refused = nova.fails(
        operation_id,
        400,
        "badRequest",
        path={"server_id": own_server, **(path or {})},
        json_body=body,
    )
    nova.unchanged(refused, "metadata", BASELINE, _metadata(nova, own_server))


@pytest.mark.parametrize("operation_id", ["update_server_metadata", "replace_server_metadata"])
@pytest.mark.parametrize("pairs", BAD_PAIRS)
def test_a_key_or_value_both_dialects_forbid_is_a_400_that_changes_nothing(
    nova, own_server, operation_id, pairs
):
    _refused_and_unchanged(nova, own_server, operation_id, {"metadata": pairs})


@pytest.mark.parametrize("operation_id", ["update_server_metadata"])
@pytest.mark.parametrize(("pairs", "refused_by"), DIALECT_PAIRS)
def test_a_key_or_value_is_refused_or_taken_as_the_dialect_says(
    nova, own_server, operation_id, pairs, refused_by
):
    if nova.verify.profile.dialect == refused_by:
        _refused_and_unchanged(nova, own_server, operation_id, {"metadata": pairs})
        return
    _reset(nova, own_server)
    nova.ok(operation_id, path={"server_id": own_server}, json_body={"metadata": pairs})
    read = nova.ok("list_server_metadata", path={"server_id": own_server})
    nova.observe(read, "metadata read back", {**BASELINE, **pairs}, read.json["metadata"])


@pytest.mark.parametrize("operation_id", ["update_server_metadata", "replace_server_metadata"])
@pytest.mark.parametrize("body", BAD_SHAPES)
def test_a_body_of_the_wrong_shape_is_a_400_that_changes_nothing(
    nova, own_server, operation_id, body
):
    _refused_and_unchanged(nova, own_server, operation_id, body)


ITEM_BODIES = [
    pytest.param({"meta": {"other": "v"}}, id="body-key-differs-from-the-url-key"),
    pytest.param({"meta": {"owner": "a", "other": "b"}}, id="two-keys"),
    pytest.param({"meta": {}}, id="no-key"),
    pytest.param({"metadata": {"owner": "v"}}, id="metadata-instead-of-meta"),
    pytest.param({"meta": {"owner": "v" * 256}}, id="value-of-256-characters"),
]


@pytest.mark.parametrize("operation_id", ["set_server_metadata_item"])
@pytest.mark.parametrize("body", ITEM_BODIES)
def test_an_item_put_that_is_not_one_matching_key_is_a_400_that_changes_nothing(
    nova, own_server, operation_id, body
):
    _refused_and_unchanged(nova, own_server, operation_id, body, path={"key": "owner"})


@pytest.mark.operation("update_server_metadata")
def test_metadata_past_the_quota_is_a_403_that_changes_nothing(nova, own_server, api):
    quota = api.call("ShowTenantQuota").json["absolute"]["maxServerMeta"]
    _reset(nova, own_server)
    extra = {f"key-{n}": "v" for n in range(quota - len(BASELINE) + 1)}

    refused = nova.fails(
        "update_server_metadata",
        403,
        "forbidden",
        path={"server_id": own_server},
        json_body={"metadata": extra},
    )
    nova.unchanged(refused, "metadata", BASELINE, _metadata(nova, own_server))


@pytest.mark.operation("update_server_metadata")
@pytest.mark.parametrize(
    ("version", "status", "fault"), [("2.x", 400, "badRequest"), ("3.0", 406, "computeFault")]
)
def test_a_write_at_a_refused_microversion_changes_nothing(
    nova, own_server, version, status, fault
):
    _reset(nova, own_server)
    refused = nova.send(
        "update_server_metadata",
        at=version,
        path={"server_id": own_server},
        json_body={"metadata": {"late": "write"}},
    )
    nova.verify.nova_error(refused, status, fault, microversion=None)
    nova.unchanged(refused, "metadata", BASELINE, _metadata(nova, own_server))


@pytest.mark.operation("replace_server_metadata")
def test_a_body_that_is_not_json_is_a_400_that_changes_nothing(nova, own_server):
    _reset(nova, own_server)
    refused = nova.fails(
        "replace_server_metadata",
        400,
        "badRequest",
        path={"server_id": own_server},
        content=b'{"metadata": {"k": "v"',
    )
    nova.unchanged(refused, "metadata", BASELINE, _metadata(nova, own_server))
