"""The load analysis fails a target whose throttling or jobs are wrong on purpose.

One ``bmscert load`` run drives several operations through the ceiling scenario, each with
its own deliberate defect, and one faithful control operation; every faulty operation must
fail on its own check and the control must pass. A second run does the same for the
side-effect burst and the job cycle.
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
    "BatchStartBaremetalServers": (
        "shared-counters:BatchStartBaremetalServers",
        "action_counters_match_behaviour",
    ),
}
SHARING = ("BatchRebootBaremetalServers", "BatchStopBaremetalServers")


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    arguments = [
        "load",
        "--target",
        PROFILE,
        "--reports",
        reports,
        "--scenarios",
        "ceiling",
        "--operations",
        ",".join([*CASES, *SHARING, CONTROL]),
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


def test_the_other_actions_on_the_shared_counter_fail_too(faulty_run):
    _, summary = faulty_run
    for operation in SHARING:
        checks = {f["check"] for f in summary["operations"][operation]["failures"]}
        assert "action_counters_match_behaviour" in checks
        assert "no_throttling_below_ceiling" in checks


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


@pytest.fixture(scope="module")
def faulty_jobs_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("jobs")
    result = run_bmscert(
        "load",
        "--target",
        PROFILE,
        "--reports",
        reports,
        "--scenarios",
        "side-effects,jobs",
        "--fault",
        "throttled-effect:CreateBareMetalServers",
        "--fault",
        "job-never-ends:BatchRebootBaremetalServers",
        timeout=300,
    )
    return result, only_summary(reports)


def test_a_throttled_create_that_still_made_a_server_is_caught(faulty_jobs_run):
    result, summary = faulty_jobs_run
    failures = summary["operations"]["CreateBareMetalServers"]["failures"]
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no_side_effect_when_throttled" in {f["check"] for f in failures}


def test_a_job_that_never_ends_is_caught_and_the_other_job_types_pass(faulty_jobs_run):
    _, summary = faulty_jobs_run
    reboot = summary["operations"]["BatchRebootBaremetalServers"]
    stop = summary["operations"]["BatchStopBaremetalServers"]
    assert "jobs_finish_under_load" in {f["check"] for f in reboot["failures"]}
    assert reboot["job_latency"]["timed_out"] > 0
    assert stop["verdict"] == "pass"
    assert stop["job_latency"]["timed_out"] == 0
