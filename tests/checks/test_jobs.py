"""The job poller and its checks, on hand-made job reads and a fake clock."""

import json

import pytest

from bmscert.checks import jobs
from bmscert.core.client import Exchange
from bmscert.core.redact import Redactor

SERVER = "8c2a5d1e-0b7f-4c3d-9e6a-1f2b3c4d5e6f"
BEGIN = "2024-05-01T10:00:00.000Z"
END = "2024-05-01T10:00:05.250Z"


def read(status, end="", error=None, servers=(SERVER,), http=200):
    sub_jobs = [
        {
            "status": status,
            "entities": {"server_id": server},
            "job_id": f"sub-{n}",
            "job_type": "baremetalSingleOperate",
            "begin_time": BEGIN,
            "end_time": end,
            "error_code": error,
            "fail_reason": "broken" if error else None,
        }
        for n, server in enumerate(servers)
    ]
    body = {
        "status": status,
        "entities": {"sub_jobs_total": len(sub_jobs), "sub_jobs": sub_jobs},
        "job_id": "j1",
        "job_type": "baremetalBatchOperate",
        "begin_time": BEGIN,
        "end_time": end,
        "error_code": error,
        "fail_reason": "broken" if error else None,
    }
    return Exchange(
        operation="ShowJobInfos",
        method="GET",
        url="http://127.0.0.1:1/v1/p/jobs/j1",
        request_headers={},
        request_body=b"",
        status=http,
        response_headers={"x-request-id": "r1"},
        response_body=json.dumps(body).encode(),
        elapsed_ms=1.0,
        redactor=Redactor(),
    )


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def poll(replies, timeout=10.0):
    clock = FakeClock()
    pending = list(replies)
    last = pending[-1]

    def next_read():
        return pending.pop(0) if pending else last

    trace = jobs.poll_job(
        next_read,
        "BatchStopBaremetalServers",
        "j1",
        poll_seconds=1.0,
        timeout_seconds=timeout,
        clock=clock,
        sleep=clock.sleep,
    )
    return trace


def outcomes(trace, servers=(SERVER,)):
    results = jobs.judge_trace(trace, servers, 10.0, must_succeed=True)
    return {result.check: result for result in results}


def test_a_job_is_read_until_it_ends_and_once_more():
    trace = poll([read("INIT"), read("RUNNING"), read("SUCCESS", END), read("SUCCESS", END)])

    assert trace.statuses == ["INIT", "RUNNING", "SUCCESS", "SUCCESS"]
    assert all(not r.failed for r in outcomes(trace).values())


def test_results_name_the_operation_that_started_the_job():
    trace = poll([read("SUCCESS", END)])

    assert {r.operation for r in outcomes(trace).values()} == {"BatchStopBaremetalServers"}


def test_a_job_back_to_running_after_success_is_caught():
    trace = poll([read("RUNNING"), read("SUCCESS", END), read("RUNNING")])

    found = outcomes(trace)["job_states_never_go_backwards"]
    assert found.failed
    assert "SUCCESS -> RUNNING" in found.received


def test_a_timeout_fails_and_names_the_last_state():
    trace = poll([read("RUNNING")], timeout=3.0)

    found = outcomes(trace)["job_reaches_terminal_state"]
    assert trace.timed_out
    assert found.failed
    assert "last state RUNNING" in found.received


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (read("RUNNING", END), "has end_time"),
        (read("SUCCESS", ""), "end_time is ''"),
        (read("SUCCESS", "2024-05-01T09:59:59.000Z"), "before begin_time"),
    ],
)
def test_end_time_must_be_empty_while_running_and_not_before_the_beginning(reply, message):
    trace = poll([reply, read("SUCCESS", END), read("SUCCESS", END)])

    found = outcomes(trace)["job_times_are_consistent"]
    assert found.failed
    assert message in found.received


def test_entities_must_name_exactly_the_servers_acted_on():
    other = "00000000-0000-4000-8000-000000000001"
    trace = poll([read("SUCCESS", END, servers=(SERVER, other))])

    assert outcomes(trace)["job_names_the_servers"].failed


def test_error_fields_must_be_set_on_failure_and_only_then():
    failed_without_reason = read("FAIL", END)
    succeeded_with_code = read("SUCCESS", END, error="BMS.0006")

    for reply in (failed_without_reason, succeeded_with_code):
        found = outcomes(poll([reply]))["job_error_fields_match_outcome"]
        assert found.failed


def test_a_failed_job_fails_a_case_that_must_succeed_with_its_reason():
    found = outcomes(poll([read("FAIL", END, error="BMS.3037")]))["job_succeeded"]

    assert found.failed
    assert "BMS.3037" in found.received
