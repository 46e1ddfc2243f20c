"""The Nova suites fail a target that is wrong on purpose, and name the operation and check.

Each case runs the real ``bmscert run`` against the embedded target with one deliberate
defect, for the one operation concerned, in the dialect where the defect is one (no load
phase, to stay quick). The same operations pass against the faithful target in both
dialects.
"""

import pytest

from tests.helpers import run_many

CASES = [
    pytest.param(
        "ignore-min-microversion:list_server_tags",
        "list_server_tags",
        "huawei",
        "status_is_documented",
        id="tags-served-below-2.26",
    ),
    pytest.param(
        "status:start_server:204",
        "start_server",
        "openstack",
        "status_is_documented",
        id="a-204-where-the-dialect-says-202",
    ),
    pytest.param(
        "skip-rule:replace_server_tags:minLength",
        "replace_server_tags",
        "openstack",
        "status_is_documented",
        id="an-empty-tag-accepted",
    ),
    pytest.param(
        "accept-mismatched-key:set_server_metadata_item",
        "set_server_metadata_item",
        "huawei",
        "status_is_documented",
        id="a-metadata-item-put-with-a-mismatched-key-accepted",
    ),
    pytest.param(
        "accept-duplicate:create_keypair",
        "create_keypair",
        "openstack",
        "fault_is",
        id="a-duplicate-keypair-accepted",
    ),
    pytest.param(
        "no-microversion-echo:show_server",
        "show_server",
        "huawei",
        "microversion_is_echoed",
        id="a-microversion-not-echoed",
    ),
]


DIALECTS = ("huawei", "openstack")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every faulty run and a faithful control run per dialect, side by side."""
    commands = {
        case.id: [
            "run",
            "--operations",
            case.values[1],
            "--skip-load",
            "--dialect",
            case.values[2],
            "--fault",
            case.values[0],
        ]
        for case in CASES
    }
    operations = ",".join(case.values[1] for case in CASES)
    for dialect in DIALECTS:
        commands[dialect] = [
            "run",
            "--operations",
            operations,
            "--skip-load",
            "--dialect",
            dialect,
        ]
    return run_many(commands, tmp_path_factory.mktemp("nova-catches"))


@pytest.mark.parametrize(("fault", "operation", "dialect", "check"), CASES)
def test_a_wrong_nova_target_fails_the_run_naming_the_operation_and_check(
    request, runs, fault, operation, dialect, check
):
    result, summary = runs[request.node.callspec.id]
    entry = summary["operations"][operation]
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary["verdict"] == "fail"
    assert summary["profile"]["dialect"] == dialect
    assert entry["verdict"] == "fail"
    assert check in {failure["check"] for failure in entry["failures"]}
    assert operation in result.stdout


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_same_operations_pass_against_the_faithful_target_in_each_dialect(runs, dialect):
    result, summary = runs[dialect]
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary["profile"]["dialect"] == dialect
    assert {summary["operations"][case.values[1]]["verdict"] for case in CASES} == {"pass"}
