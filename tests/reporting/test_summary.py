"""summary.json is built from events alone, follows its schema, and ranks verdicts."""

import json

import pytest

from bmscert.core.events import EventRecorder
from bmscert.core.profile import Profile
from bmscert.core.runfiles import PhaseResult, RunFiles
from bmscert.core.schemas import load_schemas
from bmscert.errors import ExitCode
from bmscert.reporting.summary import build_summary, write_summary

PROFILE = Profile(name="t", source="t.yaml", kind="embedded", behaviours={"x": "y"})
COMPLETED = [PhaseResult("conformance", "completed", 1.0)]


@pytest.fixture
def files(tmp_path):
    return RunFiles("20260101-000000-abcd", tmp_path)


def _emit(path, *events):
    recorder = EventRecorder(path)
    for kind, fields in events:
        recorder.emit(kind, **fields)
    recorder.close()


def _check(operation, outcome, check="status_is_documented", test="t::a"):
    return (
        "check",
        {
            "operation": operation,
            "outcome": outcome,
            "check": check,
            "test": test,
            "expected": "HTTP 200",
            "received": "HTTP 500",
            "request_id": "r",
            "curl": "curl x",
        },
    )


def test_a_failed_check_fails_its_operation_and_the_run(files, catalogue):
    _emit(
        files.conformance_events,
        _check("ShowTenantQuota", "failed"),
        _check("ListVersions", "passed"),
    )
    summary = build_summary(files, PROFILE, catalogue, COMPLETED, started=0)
    assert summary["verdict"] == "fail"
    assert summary["exit_code"] == ExitCode.CHECKS_FAILED
    assert summary["operations"]["ShowTenantQuota"]["failures"][0]["received"] == "HTTP 500"
    assert summary["operations"]["ListVersions"]["verdict"] == "pass"
    assert summary["operations"]["create_server"]["verdict"] == "not-run"


def test_a_test_that_failed_without_a_failed_check_is_still_a_failure(files, catalogue):
    _emit(
        files.conformance_events,
        (
            "test",
            {
                "test": "t::b",
                "operation": "ListVersions",
                "outcome": "failed",
                "detail": "E   KeyError: 'servers'",
            },
        ),
    )
    summary = build_summary(files, PROFILE, catalogue, COMPLETED, started=0)
    failure = summary["operations"]["ListVersions"]["failures"][0]
    assert failure["check"] == "test"
    assert "KeyError" in failure["received"]


def test_nothing_run_is_an_error_not_a_pass(files, catalogue):
    summary = build_summary(files, PROFILE, catalogue, COMPLETED, started=0)
    assert summary["verdict"] == "error"


def test_a_phase_error_outranks_failures_and_an_interruption_outranks_both(files, catalogue):
    _emit(files.conformance_events, _check("ListVersions", "failed"))
    broken = [PhaseResult("load", "error", 1.0, "Locust exit code 2")]
    assert build_summary(files, PROFILE, catalogue, broken, started=0)["verdict"] == "error"
    interrupted = build_summary(files, PROFILE, catalogue, broken, started=0, interrupted=True)
    assert interrupted["verdict"] == "interrupted"


def test_probe_events_and_load_findings_land_under_throttling(files, catalogue):
    _emit(
        files.conformance_events,
        _check("ShowResetPwd", "passed"),
        ("probe", {"operation": "ShowResetPwd", "accepted_before_429": 500, "first_429_at": 501}),
    )
    files.capacity.write_text(json.dumps({"ShowResetPwd": {"estimate_per_window": 500}}))
    summary = build_summary(files, PROFILE, catalogue, COMPLETED, started=0)
    throttling = summary["operations"]["ShowResetPwd"]["throttling"]
    assert throttling["probe"]["first_429_at"] == 501
    assert throttling["load"]["estimate_per_window"] == 500


def test_the_written_summary_follows_its_schema(files, catalogue):
    _emit(files.conformance_events, _check("ListVersions", "passed"))
    summary = build_summary(files, PROFILE, catalogue, COMPLETED, started=0)
    write_summary(files, summary)
    written = json.loads(files.summary.read_text())
    assert load_schemas().problems("summary.schema.json", written) == []
