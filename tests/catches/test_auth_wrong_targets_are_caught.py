"""The auth and isolation suites fail a target that is wrong on purpose, naming the operation,
the check and the case that caught it.

Each case runs the real ``bmscert run`` against the embedded target with one deliberate
defect, for the one operation concerned (no load phase, to stay quick).
"""

import pytest

from tests.helpers import only_summary, run_bmscert

CASES = [
    pytest.param(
        "skip-auth:ShowJobInfos",
        "ShowJobInfos",
        "status_is_documented",
        "no-credentials",
        id="an-operation-that-ignores-the-token",
    ),
    pytest.param(
        "sign-ignores-query:ListBareMetalServers",
        "ListBareMetalServers",
        "status_is_documented",
        "query-tampered",
        id="a-signature-check-that-ignores-the-query",
    ),
    pytest.param(
        "cross-project:ShowJobInfos",
        "ShowJobInfos",
        "status_is_documented",
        "test_another_tenant_cannot_poll_a_job_of_this_project",
        id="a-job-readable-from-another-project",
    ),
    pytest.param(
        "shared-keypairs:list_keypairs",
        "list_keypairs",
        "no_foreign_resource_listed",
        "test_another_user_lists_none_of_this_users_key_pairs",
        id="a-keypair-visible-to-another-user",
    ),
    pytest.param(
        "ignore-url-project:ShowTenantQuota",
        "ShowTenantQuota",
        "status_is_documented",
        "other-project-credentials",
        id="another-projects-token-served-at-this-projects-url",
    ),
]


@pytest.mark.parametrize(("fault", "operation", "check", "caught_by"), CASES)
def test_a_wrong_target_fails_the_run_naming_the_operation_check_and_case(
    tmp_path, fault, operation, check, caught_by
):
    result = run_bmscert(
        "run", "--operations", operation, "--skip-load", "--fault", fault, "--reports", tmp_path
    )

    summary = only_summary(tmp_path)
    failures = summary["operations"][operation]["failures"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary["verdict"] == "fail"
    assert any(f["check"] == check and caught_by in f["test"] for f in failures), failures
    assert operation in result.stdout


def test_the_same_operations_pass_when_the_target_is_faithful(tmp_path):
    operations = ",".join(sorted({case.values[1] for case in CASES}))
    result = run_bmscert("run", "--operations", operations, "--skip-load", "--reports", tmp_path)

    summary = only_summary(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {summary["operations"][op]["verdict"] for op in operations.split(",")} == {"pass"}
