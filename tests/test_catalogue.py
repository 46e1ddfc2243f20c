"""The operation catalogue matches the documented operation table, row for row."""

import csv
from pathlib import Path

import pytest

from bmscert.errors import ConfigError

TABLE = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "operations.tsv"


def _rows():
    with TABLE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_documented_row_is_in_the_catalogue_with_the_same_method_path_and_ceiling(
    catalogue,
):
    rows = _rows()
    assert len(rows) == 61
    for row in rows:
        operation = catalogue[row["operation"]]
        ceiling = row["ceiling_per_minute"]
        assert operation.family == row["family"]
        assert operation.method == row["method"]
        assert operation.path == row["path"]
        assert operation.ceiling_per_minute == (
            None if ceiling == "undocumented" else int(ceiling)
        )


def test_the_catalogue_has_no_operation_the_table_lacks(catalogue):
    assert sorted(catalogue.ids()) == sorted(row["operation"] for row in _rows())


def test_asynchronous_operations_follow_the_table(catalogue):
    for row in _rows():
        assert catalogue[row["operation"]].completion == row["async"]


def test_the_two_detail_rows_keep_their_ceilings_with_their_uris(catalogue):
    assert catalogue["ListBareMetalServers"].path.endswith("/baremetalservers/detail")
    assert catalogue["ListBareMetalServers"].ceiling_per_minute == 500
    assert catalogue["ListBareMetalServerDetails"].path.endswith("/{server_id}")
    assert catalogue["ListBareMetalServerDetails"].ceiling_per_minute == 1000


def test_start_reboot_and_stop_share_one_uri_told_apart_by_the_body_key(catalogue):
    start = catalogue["BatchStartBaremetalServers"]
    sharing = catalogue.sharing_route(start)
    assert {op.body_selector for op in sharing} == {"os-start", "reboot", "os-stop"}


@pytest.mark.parametrize(
    ("operation_id", "dialect", "microversion", "expected"),
    [
        ("ResetPwdOneClick", "huawei", "2.1", {204}),
        ("start_server", "huawei", "2.1", {204}),
        ("start_server", "openstack", "2.1", {202}),
        ("create_keypair", "openstack", "2.1", {200}),
        ("create_keypair", "openstack", "2.10", {201}),
        ("add_server_tag", "openstack", "2.26", {201, 204}),
    ],
)
def test_expected_statuses_follow_dialect_and_microversion(
    catalogue, operation_id, dialect, microversion, expected
):
    assert catalogue[operation_id].expected_statuses(dialect, microversion) == expected


def test_a_path_value_is_encoded_as_one_segment(catalogue):
    path = catalogue["check_server_tag"].render_path(
        {"project_id": "p", "server_id": "s", "tag": "a/b c"}
    )
    assert path == "/v2.1/p/servers/s/tags/a%2Fb%20c"


def test_a_missing_path_value_is_a_config_error_naming_it(catalogue):
    with pytest.raises(ConfigError, match="server_id"):
        catalogue["ListBareMetalServerDetails"].render_path({"project_id": "p"})


def test_an_unknown_operation_is_a_config_error(catalogue):
    with pytest.raises(ConfigError, match="NoSuchOperation"):
        catalogue["NoSuchOperation"]
