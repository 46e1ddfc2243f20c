"""A server's tags through Nova (2.26 and later): replace, add, check, delete, each effect
read back and seen through the BMS native API; tags that break the dialect's rules, more than
50 tags, bodies of the wrong shape and calls below 2.26 are refused and change nothing.
"""

from urllib.parse import unquote

import pytest

from bmscert.checks import expectations
from bmscert.runners.nova_fixtures import create_server

pytest_plugins = ("bmscert.runners.nova_fixtures",)

BASELINE = ["__type_baremetal", "env=test"]

pytestmark = pytest.mark.mutating


def _tags(nova, server_id):
    return nova.ok("list_server_tags", path={"server_id": server_id}).json["tags"]


def _reset(nova, server_id, tags=None):
    nova.require("2.26")
    nova.servers.settle(server_id, "ACTIVE")
    nova.send(
        "replace_server_tags",
        path={"server_id": server_id},
        json_body={"tags": list(tags if tags is not None else BASELINE)},
    )


@pytest.mark.operation("replace_server_tags")
def test_replacing_tags_leaves_exactly_the_new_list(nova, own_server, api):
    _reset(nova, own_server)
    wanted = ["__type_baremetal", "team=db", "tier"]

    reply = nova.ok(
        "replace_server_tags", path={"server_id": own_server}, json_body={"tags": wanted}
    )

    nova.observe(reply, "tags in the reply", wanted, reply.json["tags"])
    native = api.call("ListBareMetalServerDetails", path={"server_id": own_server})
    nova.observe(native, "tags read back", wanted, _tags(nova, own_server))
    seen = native.json.get("server", {}).get("tags") if native.status == 200 else None
    nova.observe(native, "tags through the BMS API", wanted, seen)


@pytest.mark.operation("add_server_tag")
def test_adding_a_new_tag_appends_it(nova, own_server):
    _reset(nova, own_server)
    added = nova.ok("add_server_tag", path={"server_id": own_server, "tag": "fresh"})

    profile = nova.verify.profile
    if expectations.tag_put_gives_location(profile):
        nova.header(added, "Location")
        location = unquote(added.response_headers.get("location", ""))
        nova.observe(added, "Location ends with the tag", True, location.endswith("/tags/fresh"))
    nova.observe(added, "tags read back", [*BASELINE, "fresh"], _tags(nova, own_server))


@pytest.mark.operation("add_server_tag")
def test_adding_a_tag_already_there_changes_nothing_and_answers_204(nova, own_server):
    _reset(nova, own_server)
    again = nova.ok("add_server_tag", path={"server_id": own_server, "tag": BASELINE[1]})
    nova.observe(again, "status for a tag already there", 204, again.status)
    nova.observe(again, "tags read back", BASELINE, _tags(nova, own_server))


@pytest.mark.operation("check_server_tag")
def test_checking_a_tag_answers_204_when_there_and_404_when_not(nova, own_server):
    _reset(nova, own_server)
    nova.ok("check_server_tag", path={"server_id": own_server, "tag": BASELINE[1]})
    nova.fails(
        "check_server_tag",
        404,
        "itemNotFound",
        path={"server_id": own_server, "tag": "absent"},
        naming=("absent",),
    )


@pytest.mark.operation("delete_server_tag")
def test_deleting_a_tag_removes_only_that_tag(nova, own_server):
    _reset(nova, own_server)
    nova.ok("delete_server_tag", path={"server_id": own_server, "tag": BASELINE[1]})
    gone = nova.fails(
        "delete_server_tag",
        404,
        "itemNotFound",
        path={"server_id": own_server, "tag": BASELINE[1]},
    )
    nova.observe(gone, "tags read back", BASELINE[:1], _tags(nova, own_server))


@pytest.mark.operation("delete_all_server_tags")
def test_deleting_all_tags_leaves_none(nova, own_server):
    _reset(nova, own_server)
    done = nova.ok("delete_all_server_tags", path={"server_id": own_server})
    nova.observe(done, "tags read back", [], _tags(nova, own_server))


# A tag, whether the BMS pages refuse it, whether upstream Nova refuses it.
TAGS = [
    pytest.param("t" * 60, False, False, id="of-60-characters"),
    pytest.param("t" * 61, False, True, id="of-61-characters"),
    pytest.param("t" * 80, False, True, id="of-80-characters"),
    pytest.param("t" * 81, True, True, id="of-81-characters"),
    pytest.param(".hidden", True, False, id="starting-with-a-dot"),
    pytest.param("a,b", False, True, id="with-a-comma"),
]


@pytest.mark.parametrize("operation_id", ["replace_server_tags", "add_server_tag"])
@pytest.mark.parametrize(("tag", "huawei_refuses", "openstack_refuses"), TAGS)
def test_a_tag_is_taken_or_refused_as_the_dialect_says(
    nova, own_server, operation_id, tag, huawei_refuses, openstack_refuses
):
    refused = huawei_refuses if nova.verify.profile.dialect == "huawei" else openstack_refuses
    _reset(nova, own_server)
    path = {"server_id": own_server}
    kwargs = {"json_body": {"tags": [*BASELINE, tag]}}
    if operation_id == "add_server_tag":
        path["tag"], kwargs = tag, {}

    if refused:
        reply = nova.fails(operation_id, 400, "badRequest", path=path, **kwargs)
        nova.unchanged(reply, "tags", BASELINE, _tags(nova, own_server))
        return
    reply = nova.ok(operation_id, path=path, **kwargs)
    nova.observe(reply, "tags read back", [*BASELINE, tag], _tags(nova, own_server))


BAD_BODIES = [
    pytest.param({"tags": [*BASELINE, ""]}, id="an-empty-tag"),
    pytest.param({"tags": [f"tag-{n}" for n in range(51)]}, id="51-tags"),
    pytest.param({"tags": "__type_baremetal"}, id="tags-as-text"),
    pytest.param({"tags": [1]}, id="a-tag-not-text"),
    pytest.param({"tags": [None]}, id="a-null-tag"),
    pytest.param({}, id="tags-missing"),
    pytest.param({"tags": [], "more": []}, id="extra-member"),
]


@pytest.mark.parametrize("operation_id", ["replace_server_tags"])
@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_tag_list_breaking_the_rules_is_a_400_that_changes_nothing(
    nova, own_server, operation_id, body
):
    _reset(nova, own_server)
    refused = nova.fails(
        operation_id, 400, "badRequest", path={"server_id": own_server}, json_body=body
    )
    nova.unchanged(refused, "tags", BASELINE, _tags(nova, own_server))


@pytest.mark.operation("add_server_tag")
def test_a_51st_tag_is_a_400_that_changes_nothing(nova, own_server):
    full = [f"tag-{n}" for n in range(50)]
    _reset(nova, own_server, full)
    refused = nova.fails(
        "add_server_tag", 400, "badRequest", path={"server_id": own_server, "tag": "one-more"}
    )
    nova.unchanged(refused, "tags", full, _tags(nova, own_server))


BELOW_2_26 = [
    pytest.param("list_server_tags", {}, None, id="list"),
    pytest.param("check_server_tag", {"tag": BASELINE[0]}, None, id="check"),
    pytest.param("replace_server_tags", {}, {"tags": ["x"]}, id="replace"),
    pytest.param("add_server_tag", {"tag": "x"}, None, id="add"),
    pytest.param("delete_server_tag", {"tag": BASELINE[0]}, None, id="delete"),
    pytest.param("delete_all_server_tags", {}, None, id="delete-all"),
]


@pytest.mark.parametrize(("operation_id", "path", "body"), BELOW_2_26)
def test_a_tag_call_below_2_26_is_an_unknown_resource_and_changes_nothing(
    nova, own_server, operation_id, path, body
):
    _reset(nova, own_server)
    extra = {} if body is None else {"json_body": body}
    refused = nova.fails(
        operation_id,
        404,
        "itemNotFound",
        at="2.25",
        path={"server_id": own_server, **path},
        **extra,
    )
    nova.unchanged(refused, "tags", BASELINE, _tags(nova, own_server))


@pytest.mark.operation("add_server_tag")
def test_a_tag_cannot_be_added_while_the_server_builds(nova, api):
    nova.require("2.26")
    server_id = create_server(api, nova.ids)
    try:
        nova.fails(
            "add_server_tag",
            409,
            "conflictingRequest",
            path={"server_id": server_id, "tag": "early"},
            naming=("vm_state", "building"),
        )
    finally:
        api.call("delete_server", path={"server_id": server_id})
