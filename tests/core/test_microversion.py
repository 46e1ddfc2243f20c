"""Microversions: their format, their order, and the headers that ask for and echo them."""

import pytest

from bmscert.core import microversion
from bmscert.core.microversion import MalformedMicroversion, Microversion


@pytest.mark.parametrize("text", ["2.1", "2.10", "2.0", "10.99", " 2.26 "])
def test_a_well_formed_version_parses_and_prints_back(text):
    assert str(Microversion.parse(text)) == text.strip()


@pytest.mark.parametrize("text", ["2", "2.", "v2.1", "2.01", "02.1", "2.1.1", "latest", "", "2,1"])
def test_a_malformed_version_is_refused_naming_it(text):
    with pytest.raises(MalformedMicroversion, match="invalid format"):
        Microversion.parse(text)


def test_versions_order_by_number_not_by_text():
    assert Microversion.parse("2.9") < Microversion.parse("2.10") < Microversion.parse("3.0")
    assert microversion.at_least("2.26", "2.26")
    assert not microversion.at_least("2.25", "2.26")
    assert microversion.in_range("2.60", "2.1", "2.60")
    assert not microversion.in_range("2.61", "2.1", "2.60")


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("new", {"OpenStack-API-Version": "compute 2.26"}),
        ("legacy", {"X-OpenStack-Nova-API-Version": "2.26"}),
        (
            "both",
            {"OpenStack-API-Version": "compute 2.26", "X-OpenStack-Nova-API-Version": "2.26"},
        ),
    ],
)
def test_each_style_asks_with_its_header(style, expected):
    assert microversion.request_headers("2.26", style) == expected


@pytest.mark.parametrize(
    ("headers", "asked"),
    [
        ({}, None),
        ({"x-openstack-nova-api-version": "2.3"}, "2.3"),
        ({"openstack-api-version": "compute 2.19"}, "2.19"),
        ({"openstack-api-version": "compute 2.19", "x-openstack-nova-api-version": "2.3"}, "2.19"),
        ({"openstack-api-version": "volume 3.1, compute latest"}, "latest"),
        ({"openstack-api-version": "volume 3.1", "x-openstack-nova-api-version": "2.5"}, "2.5"),
    ],
)
def test_the_new_header_wins_and_other_services_are_ignored(headers, asked):
    assert microversion.requested(headers) == asked


def test_an_echo_reads_back_from_both_headers():
    echoed = {name.lower(): value for name, value in microversion.echo_headers("2.26").items()}
    assert microversion.echoed(echoed) == ("2.26", "2.26")
    assert microversion.echoed({}) == (None, None)
    assert "OpenStack-API-Version" in echoed["vary"]
