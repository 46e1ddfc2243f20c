"""The microversion matrix: how a version is asked for, echoed, refused, and what it shows.

A request names its version in ``OpenStack-API-Version: compute X`` or in
``X-OpenStack-Nova-API-Version: X``; naming none means 2.1 and ``latest`` the newest offered.
A malformed version is a 400 and one outside the range a 406, neither echoing a version;
every other reply echoes the version it used, errors included. Members of a server arrive
with the microversion that introduced them (the verifier reads each schema at the version
asked for, so a member shown too early fails).
"""

import pytest

from bmscert.core import microversion
from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)

MALFORMED = ["2", "2.", "v2.1", "2.01", "2.1.1", "two.one", "2.x", "-2.1", "2,1"]
OUT_OF_RANGE = ["2.0", "1.1", "3.0", "2.9999"]
# The versions at which a server's members change, and those of flavors and key pairs.
SERVER_STEPS = ["2.1", "2.3", "2.9", "2.16", "2.19", "2.26", "2.38", "2.47", "2.60"]
FLAVOR_STEPS = ["2.1", "2.54", "2.55", "2.60"]
KEYPAIR_STEPS = ["2.1", "2.2", "2.10"]

pytestmark = pytest.mark.readonly


@pytest.mark.operation("list_servers")
def test_a_request_naming_no_version_is_served_at_2_1(nova, api):
    nova.verify.success(api.call("list_servers"), microversion="2.1")


@pytest.mark.operation("list_servers")
@pytest.mark.parametrize("style", ["new", "legacy", "both"])
def test_each_header_style_is_honoured_and_echoed(nova, style):
    headers = microversion.request_headers("2.26", style)
    exchange = nova.api.call("list_servers", headers=headers)
    nova.verify.success(exchange, microversion="2.26")


@pytest.mark.operation("list_servers")
def test_the_new_header_wins_over_the_legacy_one(nova):
    headers = {**microversion.request_headers("2.19"), microversion.LEGACY_HEADER: "2.3"}
    nova.verify.success(nova.api.call("list_servers", headers=headers), microversion="2.19")


@pytest.mark.operation("show_server")
def test_latest_is_served_at_the_newest_version_offered(nova):
    exchange = nova.send("show_server", at=microversion.LATEST)
    nova.verify.success(exchange, microversion=nova.versions.max)


@pytest.mark.operation("show_server")
@pytest.mark.parametrize("style", ["new", "legacy"])
@pytest.mark.parametrize("version", MALFORMED)
def test_a_malformed_version_is_a_400_that_echoes_nothing(nova, version, style):
    exchange = nova.api.call(
        "show_server",
        path={"server_id": nova.ids.server_id},
        headers=microversion.request_headers(version, style),
    )
    nova.verify.nova_error(exchange, 400, "badRequest", microversion=None)


@pytest.mark.operation("show_server")
@pytest.mark.parametrize("version", OUT_OF_RANGE)
def test_a_version_outside_the_range_is_a_406_that_echoes_nothing(nova, version):
    exchange = nova.send("show_server", at=version)
    nova.verify.nova_error(exchange, 406, "computeFault", microversion=None)


@pytest.mark.operation("show_server")
def test_an_error_reply_echoes_the_version_too(nova):
    nova.require("2.26")
    nova.fails("show_server", 404, "itemNotFound", at="2.26", path={"server_id": new_uuid()})


@pytest.mark.operation("show_server")
@pytest.mark.parametrize("version", SERVER_STEPS)
def test_a_server_shows_the_members_of_the_version_asked_for(nova, version):
    nova.ok("show_server", at=version)


@pytest.mark.operation("list_servers_detail")
@pytest.mark.parametrize("version", SERVER_STEPS)
def test_the_server_list_shows_the_members_of_the_version_asked_for(nova, version):
    nova.ok("list_servers_detail", at=version)


@pytest.mark.operation("show_flavor")
@pytest.mark.parametrize("version", FLAVOR_STEPS)
def test_a_flavor_shows_the_members_of_the_version_asked_for(nova, version):
    nova.ok("show_flavor", at=version)


@pytest.mark.operation("show_keypair")
@pytest.mark.parametrize("version", KEYPAIR_STEPS)
def test_a_key_pair_shows_the_members_of_the_version_asked_for(nova, version):
    nova.ok("show_keypair", at=version)


@pytest.mark.operation("list_server_tags")
def test_reading_tags_below_2_26_is_an_unknown_resource(nova):
    nova.fails("list_server_tags", 404, "itemNotFound", at="2.25")


@pytest.mark.operation("check_server_tag")
def test_checking_a_tag_below_2_26_is_an_unknown_resource(nova):
    nova.fails("check_server_tag", 404, "itemNotFound", at="2.25")
