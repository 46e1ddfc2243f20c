"""Job latency from raw job samples, and the polling policy that produces them."""

import pytest

from bmscert.checks.job_latency import (
    POLL_FLOOR,
    JobSample,
    PollPolicy,
    analyse_jobs,
    job_time,
    job_verdicts,
    regressed,
)


def _job(
    operation="BatchStopBaremetalServers",
    sent=0.0,
    seen=0.51,
    status="SUCCESS",
    states=("INIT", "RUNNING", "SUCCESS"),
    server=0.5,
    timed_out=False,
    job_id="j",
):
    return JobSample(
        0,
        operation,
        job_id,
        sent,
        sent + 0.01,
        200,
        seen,
        status,
        len(states),
        list(states),
        server,
        timed_out,
    )


def test_job_timestamps_are_read_to_the_millisecond():
    assert job_time("2019-04-25T20:04:47.591Z") == pytest.approx(1556222687.591)
    assert job_time("") is None


def test_a_state_that_goes_back_is_a_regression():
    assert regressed(["INIT", "RUNNING", "SUCCESS", "RUNNING"])
    assert not regressed(["INIT", "RUNNING", "RUNNING", "FAIL"])


def test_polling_backs_off_until_it_knows_then_waits_for_the_expected_end():
    policy = PollPolicy()
    first = [policy.delay("stop", 0.0, polls) for polls in range(4)]
    policy.learn("stop", 2.0)
    assert first == sorted(first)
    assert policy.delay("stop", 0.0, 0) == pytest.approx(1.8)
    assert policy.delay("stop", 1.9, 5) == POLL_FLOOR


def test_percentiles_and_counts_come_from_every_sample():
    samples = [_job(seen=0.5 + n / 100) for n in range(100)]
    samples.append(_job(seen=None, status="RUNNING", timed_out=True, server=None))
    finding = analyse_jobs(samples)["BatchStopBaremetalServers"]
    assert finding.accepted == 101
    assert finding.timed_out == 1
    assert finding.end_to_end["p50_s"] == pytest.approx(0.99)
    assert finding.server_side["p50_s"] == pytest.approx(0.5)


def test_a_job_that_never_ends_fails_and_a_slow_p95_fails_its_bound():
    stuck = analyse_jobs([_job(), _job(seen=None, status="RUNNING", timed_out=True)])
    slow = analyse_jobs([_job(seen=5.0)])
    stuck_outcomes = {
        r.check: r.outcome for r in job_verdicts(stuck["BatchStopBaremetalServers"], None)
    }
    slow_outcomes = {
        r.check: r.outcome for r in job_verdicts(slow["BatchStopBaremetalServers"], 1.0)
    }
    assert stuck_outcomes["jobs_finish_under_load"] == "failed"
    assert slow_outcomes["job_latency_within_bound"] == "failed"
    assert slow_outcomes["jobs_finish_under_load"] == "passed"
