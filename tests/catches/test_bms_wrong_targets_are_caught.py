"""The BMS suites fail a target whose jobs, states, quota or validation are wrong.

Each case runs the real ``bmscert run`` for one operation against the embedded target with one
deliberate defect (no load phase) and expects exit 1 with a failure that names the operation
and the check that caught it. The faithful control run of the same operations passes.
"""

import pytest

from tests.helpers import run_many

CASES = [
    pytest.param(
        "job-regress:BatchStopBaremetalServers",
        "BatchStopBaremetalServers",
        "job_states_never_go_backwards",
        id="a-job-back-to-running-after-it-finished",
    ),
    pytest.param(
        "no-effect:BatchStopBaremetalServers",
        "BatchStopBaremetalServers",
        "server_reaches_state",
        id="a-stop-that-leaves-the-server-active",
    ),
    pytest.param(
        "skip-quota:CreateBareMetalServers",
        "CreateBareMetalServers",
        "quota_is_consumed",
        id="a-create-that-does-not-consume-quota",
    ),
    pytest.param(
        "skip-validation:ChangeBaremetalServerName",
        "ChangeBaremetalServerName",
        "status_is_documented",
        id="an-invalid-body-accepted-with-200",
    ),
    pytest.param(
        "drop-field:CreateBareMetalServers:order_id",
        "CreateBareMetalServers",
        "body_matches_schema",
        id="a-missing-required-response-field",
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
    operations = sorted({case.values[1] for case in CASES})
    commands[CONTROL] = ["run", "--operations", ",".join(operations), "--skip-load"]
    return run_many(commands, tmp_path_factory.mktemp("bms-catches"))


@pytest.mark.parametrize(("fault", "operation", "check"), CASES)
def test_a_wrong_bms_target_fails_the_run_naming_the_operation_and_the_check(
    request, runs, fault, operation, check
):
    result, summary = runs[request.node.callspec.id]
    entry = summary["operations"][operation]
    assert result.returncode == 1, result.stdout + result.stderr
    assert entry["verdict"] == "fail"
    assert check in {failure["check"] for failure in entry["failures"]}
    assert operation in result.stdout


def test_the_same_bms_operations_pass_when_the_target_is_faithful(runs):
    result, summary = runs[CONTROL]
    operations = sorted({case.values[1] for case in CASES})
    assert result.returncode == 0, result.stdout + result.stderr
    assert {summary["operations"][op]["verdict"] for op in operations} == {"pass"}
