"""The server list: page numbers, page sizes, the total count, and the filters.

``offset`` is a page number from 1, not an item offset; ``limit`` defaults to 25 and may not
pass 1000; ``count`` is the number of matches whatever the page. Read-only: the pages are
compared with the unpaged list of the same moment.
"""

import pytest

from bmscert.checks import effects, expectations

LIST = "ListBareMetalServers"

pytestmark = [pytest.mark.readonly, pytest.mark.operation(LIST)]


def _listing(api, verify, **query):
    reply = verify.success(api.call(LIST, query=query or None))
    return reply.json, reply


def _ids(listing):
    return [server["id"] for server in listing["servers"]]


def test_pages_are_numbered_from_one_and_count_every_match(api, verify):
    everything, _ = _listing(api, verify, limit=1000)
    if everything["count"] < 2:
        pytest.skip("paging needs at least two servers in the project")

    first, reply = _listing(api, verify, limit=1, offset=1)
    second, _ = _listing(api, verify, limit=1, offset=2)

    ids = _ids(everything)
    verify.settle(
        [
            effects.effect_is_visible(LIST, "page 1 of size 1", ids[:1], _ids(first), reply),
            effects.effect_is_visible(LIST, "page 2 of size 1", ids[1:2], _ids(second), reply),
            effects.effect_is_visible(
                LIST, "count on a page", everything["count"], first["count"], reply
            ),
        ]
    )


def test_without_limit_a_page_holds_at_most_25_servers(api, verify):
    listing, reply = _listing(api, verify)

    expected = min(listing["count"], 25)
    verify.settle(
        [
            effects.effect_is_visible(
                LIST, "servers on the default page", expected, len(listing["servers"]), reply
            )
        ]
    )


@pytest.mark.parametrize(
    "query",
    [{"limit": 1001}, {"limit": 0}, {"offset": 0}, {"status": "RUNNING"}, {"detail": "9"}],
    ids=["limit-over-1000", "limit-zero", "offset-zero", "unknown-status", "unknown-detail-level"],
)
def test_a_query_outside_the_documented_range_is_refused(query, api, verify):
    exchange = api.call(LIST, query=query)

    expected = expectations.invalid_request()
    verify.error(exchange, expected.status, expected.envelope, expected.code)


def test_the_status_filter_keeps_only_that_status(api, verify):
    everything, _ = _listing(api, verify, limit=1000)
    statuses = {server["status"] for server in everything["servers"]}
    if not statuses:
        pytest.skip("no server to filter")
    wanted = sorted(statuses)[0]

    filtered, reply = _listing(api, verify, status=wanted, limit=1000)

    expected = sorted(s["id"] for s in everything["servers"] if s["status"] == wanted)
    verify.settle(
        [
            effects.effect_is_visible(
                LIST, f"servers with status {wanted}", expected, sorted(_ids(filtered)), reply
            )
        ]
    )


def test_the_flavor_filter_keeps_only_that_flavor(api, verify):
    everything, _ = _listing(api, verify, limit=1000)
    if not everything["servers"]:
        pytest.skip("no server to filter")
    wanted = everything["servers"][0]["flavor"]["id"]

    filtered, reply = _listing(api, verify, flavor=wanted, limit=1000)

    expected = sorted(s["id"] for s in everything["servers"] if s["flavor"]["id"] == wanted)
    verify.settle(
        [
            effects.effect_is_visible(
                LIST, f"servers of flavor {wanted}", expected, sorted(_ids(filtered)), reply
            )
        ]
    )


def test_the_tag_filter_keeps_only_tagged_servers(api, verify):
    everything, _ = _listing(api, verify, limit=1000)

    filtered, reply = _listing(api, verify, tags="__type_baremetal", limit=1000)

    expected = sorted(
        s["id"] for s in everything["servers"] if "__type_baremetal" in s.get("tags", [])
    )
    verify.settle(
        [
            effects.effect_is_visible(
                LIST, "servers tagged __type_baremetal", expected, sorted(_ids(filtered)), reply
            )
        ]
    )


def test_the_name_filter_matches_as_the_profile_says(api, verify, bmscert_profile):
    everything, _ = _listing(api, verify, limit=1000)
    if not everything["servers"]:
        pytest.skip("no server to filter")
    wanted = everything["servers"][0]["name"]

    filtered, reply = _listing(api, verify, name=wanted, limit=1000)

    expected = sorted(
        s["id"]
        for s in everything["servers"]
        if expectations.name_filter_keeps(bmscert_profile, wanted, s["name"])
    )
    verify.settle(
        [
            effects.effect_is_visible(
                LIST, f"servers named like {wanted}", expected, sorted(_ids(filtered)), reply
            )
        ]
    )
