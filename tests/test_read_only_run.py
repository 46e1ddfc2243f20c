"""A read-only certification of a tenant in use: pre-existing ids from the profile, only the
main identity's token, nothing created, nothing changed, and every check that needs more
skipped with its reason."""

import copy
import json

import pytest

from bmscert.core.ledger import read_ledger
from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import TargetSettings
from tests.conftest import TEST_TOKEN
from tests.helpers import only_summary, remote_profile, run_bmscert, run_folders

pytestmark = pytest.mark.slow


def _state(world):
    """Everything a run could change, comparable before and after."""
    servers = {
        server.id: (server.name, server.status, server.user_metadata, server.tags)
        for project in world.projects.values()
        for server in project.servers.values()
    }
    pairs = {user: sorted(owned) for user, owned in world.keypairs.items()}
    return copy.deepcopy((servers, pairs))


def test_a_read_only_run_creates_and_changes_nothing_and_says_what_it_skipped(tmp_path):
    with ThreadedTarget(TargetSettings(token=TEST_TOKEN)) as running:
        profile = remote_profile(tmp_path, running.info, allow=("readonly",))
        before = _state(running.target.world)
        result = run_bmscert(
            "run",
            "--target",
            profile,
            "--skip-load",
            "--reports",
            tmp_path / "reports",
            env={"BMSCERT_TOKEN": TEST_TOKEN},
        )
        after = _state(running.target.world)

    summary = only_summary(tmp_path / "reports")
    (run_dir,) = run_folders(tmp_path / "reports")
    records = read_ledger(run_dir / "ledger.jsonl")
    lines = (run_dir / "events-conformance.jsonl").read_text().splitlines()
    skipped = [e for e in map(json.loads, lines) if e.get("outcome") == "skipped"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary["profile"]["safety_allow"] == ["readonly"]
    assert after == before
    assert [r for r in records if r["event"] == "created"] == []
    assert records[-1]["event"] == "cleanup"
    assert records[-1]["deleted"] == []
    assert summary["totals"]["tests_passed"] > 200
    assert any("other identity" in e["skip_reason"] for e in skipped)
    assert any("mutating tests are not allowed" in e["skip_reason"] for e in skipped)
