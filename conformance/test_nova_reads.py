"""Nova reads: the documented success at the first and at the newest microversion, 404
itemNotFound for an unknown id, and the paging and filters of the lists."""

from urllib.parse import parse_qs, urlparse

import pytest

from bmscert.checks import expectations
from bmscert.core.catalogue import load_catalogue
from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)

CATALOGUE = load_catalogue()
READS = [op.id for op in CATALOGUE.family("nova-v2.1") if op.method == "GET"]
# For each read that names a resource: the path parameter an unknown value goes in.
UNKNOWN_PART = {
    op: CATALOGUE[op].path_params[-1]
    for op in READS
    if CATALOGUE[op].path_params[-1:] not in ((), ("project_id",), ("api_version",))
}

pytestmark = pytest.mark.readonly


@pytest.mark.parametrize("operation_id", READS)
def test_read_answers_the_documented_success_at_its_first_microversion(operation_id, nova):
    nova.ok(operation_id)


@pytest.mark.parametrize("operation_id", READS)
def test_read_answers_the_documented_success_at_the_newest_microversion(operation_id, nova):
    nova.ok(operation_id, at=nova.versions.max)


@pytest.mark.parametrize("operation_id", sorted(UNKNOWN_PART))
def test_an_unknown_id_gets_404_item_not_found(operation_id, nova):
    nova.fails(operation_id, 404, "itemNotFound", path={UNKNOWN_PART[operation_id]: new_uuid()})


@pytest.mark.parametrize("operation_id", ["show_api_version"])
def test_an_unknown_api_version_gets_the_gateway_404(operation_id, nova, verify):
    exchange = nova.send(operation_id, path={"api_version": "v9.9"})
    verify.error(exchange, 404, "gateway", "APIGW.0101")


@pytest.mark.operation("list_servers")
def test_a_full_page_links_to_the_next_page_by_marker(nova):
    first = nova.ok("list_servers", query={"limit": 1})
    links = first.json.get("servers_links", [])
    nova.observe(first, "rel of the one next link", ["next"], [link["rel"] for link in links])

    marker = parse_qs(urlparse(links[0]["href"]).query)["marker"][0]
    second = nova.ok("list_servers", query={"limit": 1, "marker": marker})
    nova.observe(first, "marker of the next link", first.json["servers"][0]["id"], marker)
    nova.observe(
        second, "a different server on page two", True, second.json["servers"][0]["id"] != marker
    )


@pytest.mark.operation("list_servers")
def test_an_unknown_marker_or_a_negative_limit_is_refused(nova):
    nova.fails("list_servers", 400, "badRequest", query={"marker": new_uuid()})
    nova.fails("list_servers", 400, "badRequest", query={"limit": -1})


@pytest.mark.operation("list_servers_detail")
def test_an_unknown_status_matches_nothing_below_2_38(nova):
    reply = nova.ok("list_servers_detail", at="2.37", query={"status": "NOT_A_STATUS"})
    nova.observe(reply, "servers listed", [], reply.json["servers"])


@pytest.mark.operation("list_servers_detail")
def test_an_unknown_status_is_refused_from_2_38(nova):
    nova.require("2.38")
    nova.fails("list_servers_detail", 400, "badRequest", at="2.38", query={"status": "NOPE"})


@pytest.mark.operation("list_servers_detail")
def test_a_status_filter_lists_only_servers_in_that_status(nova):
    reply = nova.ok("list_servers_detail", query={"status": "SHUTOFF"})
    statuses = {server["status"] for server in reply.json["servers"]}
    nova.observe(reply, "statuses listed", statuses & {"SHUTOFF"}, statuses)


@pytest.mark.operation("list_servers")
def test_a_tags_filter_lists_only_servers_with_every_tag(nova):
    tagged = nova.ok("list_server_tags").json["tags"][:1]
    reply = nova.ok("list_servers_detail", at="2.26", query={"tags": ",".join(tagged)})
    missing = [s["id"] for s in reply.json["servers"] if not set(tagged) <= set(s["tags"])]
    nova.observe(reply, "servers lacking the tag", [], missing)
    nova.observe(
        reply,
        "the tagged server listed",
        True,
        nova.ids.server_id in {s["id"] for s in reply.json["servers"]},
    )


@pytest.mark.operation("list_servers_detail")
def test_an_image_filter_combines_with_other_filters_as_the_dialect_says(nova):
    server = nova.ids.server
    name_elsewhere = "^bmscert-no-such-server$"
    query = {"image": server["image"]["id"], "name": name_elsewhere}
    reply = nova.ok("list_servers_detail", query=query)
    alone = expectations.image_filter_stands_alone(nova.verify.profile)
    listed = server["id"] in {s["id"] for s in reply.json["servers"]}
    nova.observe(reply, "server listed despite a name filter that excludes it", alone, listed)


@pytest.mark.operation("list_servers_detail")
def test_the_detail_list_carries_the_bms_members_only_in_the_huawei_dialect(nova):
    reply = nova.ok("list_servers_detail")
    expected = expectations.detail_list_has_bms_members(nova.verify.profile)
    members = {"sys_tags", "enterprise_project_id", "os:scheduler_hints"}
    present = all(members <= set(server) for server in reply.json["servers"])
    nova.observe(reply, "BMS-only members present", expected, present)


@pytest.mark.operation("list_flavors_detail")
def test_a_min_ram_filter_lists_only_flavors_that_large(nova):
    everything = nova.ok("list_flavors_detail").json["flavors"]
    floor = max(flavor["ram"] for flavor in everything)
    reply = nova.ok("list_flavors_detail", query={"minRam": floor})
    nova.observe(
        reply,
        "RAM of the flavors listed",
        {floor},
        {flavor["ram"] for flavor in reply.json["flavors"]},
    )


@pytest.mark.operation("show_server")
def test_a_server_reads_the_same_through_nova_and_the_bms_api(nova, api):
    server = nova.ok("show_server").json["server"]
    native = api.call("ListBareMetalServerDetails", path={"server_id": server["id"]})
    seen = native.json.get("server", {}) if isinstance(native.json, dict) else {}
    nova.observe(
        native,
        "status and name through the BMS API",
        (server["status"], server["name"]),
        (seen.get("status"), seen.get("name")),
    )
