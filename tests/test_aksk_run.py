"""``bmscert run --auth aksk``: every call of the suites signed with the official signer and
verified by the target, a focused set of operations of both APIs, reads and writes; the
auth and isolation checks pass and no known key shows up in the reports.

(The whole suite in AK/SK mode is ``bmscert run --auth aksk``; README says what it took.)
"""

import json

import pytest

from tests.helpers import only_summary, run_bmscert, run_folders

pytestmark = pytest.mark.slow

OPERATIONS = [
    "ListBareMetalServers",
    "CreateBareMetalServers",
    "BatchStopBaremetalServers",
    "ShowJobInfos",
    "show_server",
    "stop_server",
    "list_keypairs",
    "create_keypair",
    "replace_server_tags",
]
KNOWN = {
    "BMSCERT_ACCESS_KEY": "KNOWNAKSKRUNMAINKEY1",
    "BMSCERT_SECRET_KEY": "known-aksk-run-main-secret-70ae1c",
    "BMSCERT_PEER_SECURITY_TOKEN": "known-aksk-run-peer-security-token-55d0",
    "BMSCERT_OTHER_SECRET_KEY": "known-aksk-run-other-secret-9c2b11",
}


@pytest.fixture(scope="module")
def signed_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    result = run_bmscert(
        "run",
        "--auth",
        "aksk",
        "--skip-load",
        "--operations",
        ",".join(OPERATIONS),
        "--reports",
        reports,
        env=KNOWN,
    )
    return result, reports


def test_a_signed_run_passes_every_selected_operation(signed_run):
    result, reports = signed_run
    summary = only_summary(reports)
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary["profile"]["auth_method"] == "aksk"
    assert {summary["operations"][op]["verdict"] for op in OPERATIONS} == {"pass"}
    assert summary["totals"]["tests_skipped"] == 0


def test_the_auth_and_isolation_suites_ran_signed(signed_run):
    _, reports = signed_run
    (run_dir,) = run_folders(reports)
    lines = (run_dir / "events-conformance.jsonl").read_text().splitlines()
    tests = [e["test"] for e in map(json.loads, lines) if e["kind"] == "test"]
    assert sum(t.startswith("test_auth_signing.py") for t in tests) == 5 * len(OPERATIONS)
    assert any(t.startswith("test_isolation_projects.py") for t in tests)
    assert any(t.startswith("test_isolation_users.py") for t in tests)


def test_no_known_key_appears_in_the_reports_or_the_output(signed_run):
    result, reports = signed_run
    files = [path for path in reports.rglob("*") if path.is_file()]
    leaked = [
        (path.name, name)
        for path in files
        for name, value in KNOWN.items()
        if value.encode() in path.read_bytes()
    ]
    assert leaked == []
    assert not any(value in result.stdout + result.stderr for value in KNOWN.values())
