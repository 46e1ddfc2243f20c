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


def test_every_bms_read_was_certified_probed_and_loaded(finished_run):
    _, run_dir = finished_run
    operations = json.loads((run_dir / "summary.json").read_text())["operations"]
    reads = {
        k: v for k, v in operations.items() if v["family"] == "bms-v1" and v["method"] == "GET"
    }
    assert len(reads) == 11
    for entry in reads.values():
        assert entry["verdict"] == "pass"
        assert entry["throttling"]["probe"]["first_429_at"] is not None
        assert entry["throttling"]["load"]["accepted"] > 0
        assert entry["throttling"]["load"]["throttled"] == 0


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
    assert (run_dir / "locust_stats.csv").stat().st_size > 0


def test_every_nova_operation_was_certified_in_the_profile_s_dialect(finished_run):
    _, run_dir = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    nova = {k: v for k, v in summary["operations"].items() if v["family"] == "nova-v2.1"}
    assert summary["profile"]["dialect"] == "huawei"
    assert len(nova) == 39
    assert {entry["verdict"] for entry in nova.values()} == {"pass"}
