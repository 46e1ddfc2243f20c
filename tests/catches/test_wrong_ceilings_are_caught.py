"""The load analysis fails a target whose throttling is wrong on purpose.

One ``bmscert load`` run drives several operations, each with its own deliberate defect, and
one faithful control operation; every faulty operation must fail on its own check and the
control must pass.
"""

import pytest

from tests.helpers import only_summary, run_bmscert

PROFILE = "tests/profiles/fast-load.yaml"
CONTROL = "ShowBaremetalServerVolumeInfo"
CASES = {
    "ShowResetPwd": ("ceiling-scale:ShowResetPwd:1.2", "enforced_ceiling_matches_documented"),
    "ShowTenantQuota": (
        "ceiling-scale:ShowTenantQuota:0.8",
        "enforced_ceiling_matches_documented",
    ),
    "ShowWindowsBaremetalServerPwd": (
        "throttle-envelope:ShowWindowsBaremetalServerPwd",
        "throttle_reply_is_documented",
    ),
}


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    arguments = [
        "load",
        "--target",
        PROFILE,
        "--reports",
        reports,
        "--operations",
        ",".join([*CASES, CONTROL]),
    ]
    for fault, _ in CASES.values():
        arguments += ["--fault", fault]
    result = run_bmscert(*arguments, timeout=300)
    return result, only_summary(reports)


@pytest.mark.parametrize("operation", list(CASES))
def test_each_wrong_ceiling_fails_its_operation_on_the_expected_check(faulty_run, operation):
    result, summary = faulty_run
    entry = summary["operations"][operation]
    assert result.returncode == 1, result.stdout + result.stderr
    assert entry["verdict"] == "fail"
    assert CASES[operation][1] in {failure["check"] for failure in entry["failures"]}


def test_the_faithful_operation_in_the_same_run_passes(faulty_run):
    _, summary = faulty_run
    control = summary["operations"][CONTROL]
    assert control["verdict"] == "pass"
    assert control["throttling"]["load"]["estimate_per_window"] == 500


def test_a_lax_and_a_strict_ceiling_are_estimated_where_they_really_are(faulty_run):
    _, summary = faulty_run
    lax = summary["operations"]["ShowResetPwd"]["throttling"]["load"]
    strict = summary["operations"]["ShowTenantQuota"]["throttling"]["load"]
    assert lax["estimate_per_window"] == pytest.approx(600, rel=0.02)
    assert strict["estimate_per_window"] == pytest.approx(400, rel=0.02)
