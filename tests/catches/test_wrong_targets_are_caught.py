"""The suite fails a target that is wrong on purpose, and names the operation.

Each case runs the real ``bmscert run`` against the embedded target with one deliberate
defect, for the one operation concerned (no load phase, to stay quick).
"""

import pytest

from tests.helpers import run_many

CASES = [
    pytest.param(
        "drop-field:ListBaremetalFlavorDetailExtends:flavors.*.vcpus",
        "ListBaremetalFlavorDetailExtends",
        "body_matches_schema",
        id="a-required-flavor-field-dropped",
    ),
    pytest.param(
        "skip-auth:ShowTenantQuota",
        "ShowTenantQuota",
        "status_is_documented",
        id="a-200-where-a-401-is-due",
    ),
    pytest.param(
        "no-throttle:ShowWindowsBaremetalServerPwd",
        "ShowWindowsBaremetalServerPwd",
        "throttled_past_ceiling",
        id="no-429-past-the-ceiling",
    ),
    pytest.param(
        "status:ShowResetPwd:201",
        "ShowResetPwd",
        "status_is_documented",
        id="an-undocumented-success-status",
    ),
]


CONTROL = "faithful"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every faulty run and the faithful control run, side by side."""
    commands = {
        case.id: ["run", "--operations", case.values[1], "--skip-load", "--fault", case.values[0]]
        for case in CASES
    }
    commands[CONTROL] = [
        "run",
        "--operations",
        ",".join(case.values[1] for case in CASES),
        "--skip-load",
    ]
    return run_many(commands, tmp_path_factory.mktemp("catches"))


@pytest.mark.parametrize(("fault", "operation", "check"), CASES)
def test_a_wrong_target_fails_the_run_and_the_failure_names_the_operation(
    request, runs, fault, operation, check
):
    result, summary = runs[request.node.callspec.id]
    entry = summary["operations"][operation]
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary["verdict"] == "fail"
    assert entry["verdict"] == "fail"
    assert check in {failure["check"] for failure in entry["failures"]}
    assert summary["profile"]["faults"] == [fault]
    assert operation in result.stdout


def test_the_same_operations_pass_when_the_target_is_faithful(runs):
    result, summary = runs[CONTROL]
    assert result.returncode == 0, result.stdout + result.stderr
    assert {summary["operations"][op.values[1]]["verdict"] for op in CASES} == {"pass"}
