"""``bmscert run`` with no arguments certifies the embedded target and writes every report
(and, beside it, ``--dialect openstack`` certifies the Nova subset as upstream reads it).

The run gets known secrets through the environment (passwords, access and secret keys, a
security token, an expired token), as a user hands real ones to a run; none of them, and no
token the target issues or signature the run makes, may appear in any file under the run's
folder or in what the command prints.
"""

import json
import re
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from bmscert.core.ledger import Claims, read_ledger
from bmscert.core.schemas import load_schemas
from bmscert.target.iam import ISSUED_PREFIX
from tests.helpers import run_bmscert, run_folders

pytestmark = pytest.mark.slow

KNOWN_SECRETS = {
    "BMSCERT_TOKEN": "",
    "BMSCERT_IAM_PASSWORD": "Known-main-password-7f3a9c",
    "BMSCERT_ACCESS_KEY": "KNOWNMAINACCESSKEY01",
    "BMSCERT_SECRET_KEY": "known-main-secret-key-2b8d4e61",
    "BMSCERT_EXPIRED_TOKEN": "known-expired-token-5c1e77a0",
    "BMSCERT_PEER_IAM_PASSWORD": "Known-peer-password-0d44e1",
    "BMSCERT_PEER_ACCESS_KEY": "KNOWNPEERACCESSKEY02",
    "BMSCERT_PEER_SECRET_KEY": "known-peer-secret-key-93aa07f2",
    "BMSCERT_PEER_SECURITY_TOKEN": "known-peer-security-token-61bd02",
    "BMSCERT_OTHER_IAM_PASSWORD": "Known-other-password-e90b3d",
    "BMSCERT_OTHER_ACCESS_KEY": "KNOWNOTHERACCESSKEY3",
    "BMSCERT_OTHER_SECRET_KEY": "known-other-secret-key-4f0c8a19",
}
SECRET_SHAPES = {
    "an AK/SK signature": re.compile(r"Signature=[0-9a-f]{16}"),
    "a token the target's IAM issued": re.compile(rf"{ISSUED_PREFIX}[A-Za-z0-9_-]{{16}}"),
    "a private key": re.compile(r"PRIVATE KEY-----(?:\\\\n|\\n|\s)*[A-Za-z0-9+/]{16}"),
    "a password in a body": re.compile(
        r"(?i)[\"'](?:adminpass|admin_pass|new_password|password)[\"']\s*:\s*"
        r"[\"'](?!\*\*\*|\{secret\})[^\"']{6}"
    ),
}


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    """The main job, and beside it (most of either is waiting on jobs and rate windows) a
    run without load in the openstack dialect, each in its own reports folder."""
    main = tmp_path_factory.mktemp("reports")
    openstack = tmp_path_factory.mktemp("openstack")
    with ThreadPoolExecutor(max_workers=2) as pool:
        main_run = pool.submit(
            run_bmscert, "run", "--reports", main, env=KNOWN_SECRETS, timeout=600
        )
        openstack_run = pool.submit(
            run_bmscert, "run", "--dialect", "openstack", "--skip-load", "--reports", openstack
        )
        return {
            "main": (main_run.result(), *run_folders(main)),
            "openstack": (openstack_run.result(), *run_folders(openstack)),
        }


@pytest.fixture(scope="module")
def finished_run(both_runs):
    return both_runs["main"]


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


def test_the_ledger_records_every_server_the_run_created_and_that_none_is_left(finished_run):
    result, run_dir = finished_run
    records = read_ledger(run_dir / "ledger.jsonl")
    created = [r for r in records if r["event"] == "created" and r["kind"] == "server"]
    by_load = [r for r in created if r.get("phase") == "load"]
    summary = json.loads((run_dir / "summary.json").read_text())
    last_line = (run_dir / "conformance.log").read_text().strip().splitlines()[-1]
    assert len(created) >= 2
    assert by_load
    assert records[-1]["event"] == "cleanup"
    assert records[-1]["left"] == []
    assert Claims.from_records(records).outstanding() == []
    assert summary["cleanup"]["left"] == []
    assert len(summary["cleanup"]["deleted"]) >= len(by_load)
    assert "nothing of run" in result.stdout
    assert " error" not in last_line


def test_auth_and_isolation_checks_ran_for_every_operation_and_passed(finished_run):
    _, run_dir = finished_run
    lines = (run_dir / "events-conformance.jsonl").read_text().splitlines()
    tests = [e for e in map(json.loads, lines) if e["kind"] == "test"]
    auth_modules = ("test_bms_auth.py", "test_nova_auth.py", "test_auth_signing.py")
    auth = [e for e in tests if e["test"].startswith(auth_modules)]
    isolation = [e for e in tests if e["test"].startswith("test_isolation_")]
    operations = json.loads((run_dir / "summary.json").read_text())["operations"]
    assert {e["operation"] for e in auth} == set(operations)
    assert {e["outcome"] for e in auth + isolation} == {"passed"}
    assert len(isolation) > 40


def _files(run_dir):
    return [path for path in run_dir.rglob("*") if path.is_file()]


def test_no_known_secret_appears_in_any_report_file_or_in_the_output(finished_run):
    result, run_dir = finished_run
    secrets = [value for value in KNOWN_SECRETS.values() if value]
    found = [
        (str(path.relative_to(run_dir)), secret)
        for path in _files(run_dir)
        for secret in secrets
        if secret.encode() in path.read_bytes()
    ]
    printed = [s for s in secrets if s in result.stdout + result.stderr]
    assert len(_files(run_dir)) > 100
    assert found == []
    assert printed == []


def test_no_secret_shape_appears_in_any_report_file_or_in_the_output(finished_run):
    result, run_dir = finished_run
    texts = {str(p.relative_to(run_dir)): p.read_text("utf-8", "replace") for p in _files(run_dir)}
    texts["(output)"] = result.stdout + result.stderr
    found = [
        (name, shape)
        for name, text in texts.items()
        for shape, pattern in SECRET_SHAPES.items()
        if pattern.search(text)
    ]
    assert found == []


def test_every_nova_operation_was_certified_in_the_profile_s_dialect(finished_run):
    _, run_dir = finished_run
    summary = json.loads((run_dir / "summary.json").read_text())
    nova = {k: v for k, v in summary["operations"].items() if v["family"] == "nova-v2.1"}
    assert summary["profile"]["dialect"] == "huawei"
    assert len(nova) == 39
    assert {entry["verdict"] for entry in nova.values()} == {"pass"}


def test_every_nova_operation_passes_in_the_openstack_dialect(both_runs):
    """The embedded target certified as upstream Nova reads the documents."""
    result, run_dir = both_runs["openstack"]
    summary = json.loads((run_dir / "summary.json").read_text())
    nova = {k: v for k, v in summary["operations"].items() if v["family"] == "nova-v2.1"}

    assert result.returncode == 0, result.stdout + result.stderr
    assert "dialect openstack" in result.stdout
    assert summary["profile"]["dialect"] == "openstack"
    assert len(nova) == 39
    assert {entry["verdict"] for entry in nova.values()} == {"pass"}
