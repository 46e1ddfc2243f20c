"""``bmscert run`` with no arguments certifies the embedded target and writes every report."""

import json
import xml.etree.ElementTree as ET

import pytest

from bmscert.core.schemas import load_schemas
from tests.helpers import run_bmscert

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    result = run_bmscert("run", "--reports", reports, timeout=600)
    (run_dir,) = reports.iterdir()
    return result, run_dir


def test_the_main_job_passes_against_the_embedded_target(finished_run):
    result, run_dir = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary["verdict"] == "pass"
    assert [phase["status"] for phase in summary["phases"]] == ["completed", "completed"]
    assert "verdict: PASS" in result.stdout


def test_the_summary_follows_its_published_schema(finished_run):
    _, run_dir = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    assert load_schemas().problems("summary.schema.json", summary) == []


def test_every_bms_operation_passed_and_its_enforced_ceiling_was_measured(finished_run):
    _, run_dir = finished_run
    operations = json.loads((run_dir / "summary.json").read_text())["operations"]
    bms = {k: v for k, v in operations.items() if v["family"] == "bms-v1"}
    assert len(bms) == 22
    for operation, entry in bms.items():
        assert entry["verdict"] == "pass", operation
        measured = entry["throttling"]["load"]
        assert measured["estimate_per_window"] == pytest.approx(
            entry["ceiling_per_minute"], rel=0.01
        ), operation
        assert measured["shape"] == "fixed-window", operation
    for read in (op for op, entry in bms.items() if entry["method"] == "GET"):
        assert bms[read]["throttling"]["probe"]["first_429_at"] is not None


def test_every_job_type_was_timed_under_load_and_throttled_creates_made_nothing(finished_run):
    _, run_dir = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    jobs = {op: e["job_latency"] for op, e in summary["operations"].items() if e["job_latency"]}
    assert set(jobs) == {
        "CreateBareMetalServers",
        "BatchStopBaremetalServers",
        "ReinstallBaremetalServerOs",
        "BatchStartBaremetalServers",
        "BatchRebootBaremetalServers",
        "AttachBaremetalServerVolume",
        "DetachBaremetalServerVolume",
    }
    for timing in jobs.values():
        assert timing["timed_out"] == 0
        assert timing["end_to_end"]["p50_s"] >= timing["server_side"]["p50_s"]
    checks = [
        json.loads(line)
        for line in (run_dir / "events-run.jsonl").read_text().splitlines()
        if '"no_side_effect_when_throttled"' in line
    ]
    assert [check["outcome"] for check in checks] == ["passed"]


def test_junit_allure_and_locust_outputs_are_written(finished_run):
    _, run_dir = finished_run
    suite = ET.parse(run_dir / "junit.xml").getroot().find("testsuite")
    assert int(suite.get("tests")) > 40
    assert suite.get("failures") == "0"
    results = list((run_dir / "allure-results").glob("*-result.json"))
    assert len(results) == int(suite.get("tests"))
    stories = {
        label["value"]
        for path in results
        for label in json.loads(path.read_text())["labels"]
        if label["name"] == "story"
    }
    assert "ListBareMetalServers" in stories
    assert (run_dir / "load-ceiling" / "locust_stats.csv").stat().st_size > 0
    assert "<img" in (run_dir / "capacity.html").read_text()
    assert (run_dir / "capacity-timeseries.csv").stat().st_size > 0


def test_the_servers_the_suites_created_are_recorded_and_no_test_errored(finished_run):
    _, run_dir = finished_run
    lines = (run_dir / "events-conformance.jsonl").read_text().splitlines()
    created = [e for e in map(json.loads, lines) if e["kind"] == "created"]
    last_line = (run_dir / "conformance.log").read_text().strip().splitlines()[-1]
    assert len(created) >= 2
    assert {e["resource"] for e in created} == {"server"}
    assert " error" not in last_line


def test_every_nova_operation_was_certified_in_the_profile_s_dialect(finished_run):
    _, run_dir = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    nova = {k: v for k, v in summary["operations"].items() if v["family"] == "nova-v2.1"}
    assert summary["profile"]["dialect"] == "huawei"
    assert len(nova) == 39
    assert {entry["verdict"] for entry in nova.values()} == {"pass"}
