"""A run stopped half-way leaves nothing behind: on SIGINT or SIGTERM it deletes what it
created before it stops, and after a SIGKILL ``bmscert cleanup`` does it from the ledger.

The target is a reference target this test runs itself on loopback, so it can be inspected
after the run has gone.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from bmscert.core.ledger import Claims, read_ledger
from bmscert.core.naming import carries_run
from bmscert.errors import ExitCode
from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import TargetSettings
from tests.conftest import TEST_TOKEN
from tests.helpers import remote_profile, run_bmscert

pytestmark = pytest.mark.slow

OPERATIONS = "BatchStopBaremetalServers,BatchStartBaremetalServers,stop_server,start_server"
JOBS = dict.fromkeys(("create", "start", "stop", "reboot", "reinstall"), 0.5)


@pytest.fixture
def target():
    with ThreadedTarget(TargetSettings(token=TEST_TOKEN, job_seconds=JOBS)) as running:
        yield running


def _start_run(tmp_path, target):
    profile = remote_profile(tmp_path, target.info)
    command = [sys.executable, "-m", "bmscert", "run", "--target", profile, "--skip-load"]
    command += ["--operations", OPERATIONS, "--reports", tmp_path / "reports"]
    return subprocess.Popen(
        [str(part) for part in command],
        env={**os.environ, "BMSCERT_TOKEN": TEST_TOKEN},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _wait_for_a_live_server(tmp_path, process, timeout=90.0):
    """The run's ledger, once it shows a server the target acknowledged and not yet deleted."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        for ledger in (tmp_path / "reports").glob("*/ledger.jsonl"):
            outstanding = Claims.from_records(read_ledger(ledger)).outstanding()
            if any(c.kind == "server" and c.acknowledged and c.id for c in outstanding):
                return ledger
        time.sleep(0.1)
    raise AssertionError("the run created no server in time")


def _left_on_target(target, run_id):
    world = target.target.world
    servers = [s.name for p in world.projects.values() for s in p.servers.values()]
    pairs = [name for owned in world.keypairs.values() for name in owned]
    return [name for name in servers + pairs if carries_run(name, run_id)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_deletes_what_it_created_and_the_ledger_says_so(
    tmp_path, target, signum
):
    process = _start_run(tmp_path, target)
    ledger = _wait_for_a_live_server(tmp_path, process)
    run_id = ledger.parent.name

    process.send_signal(signum)
    output, _ = process.communicate(timeout=120)

    final = read_ledger(ledger)[-1]
    assert process.returncode == ExitCode.INTERRUPTED, output
    assert _left_on_target(target, run_id) == []
    assert final["event"] == "cleanup"
    assert final["deleted"]
    assert final["left"] == []
    assert Claims.from_records(read_ledger(ledger)).outstanding() == []
    assert "nothing of run" in output


def test_after_a_killed_run_bmscert_cleanup_deletes_only_what_the_ledger_names(tmp_path, target):
    process = _start_run(tmp_path, target)
    ledger = _wait_for_a_live_server(tmp_path, process)
    run_id = ledger.parent.name
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    time.sleep(1.0)
    left = _left_on_target(target, run_id)
    seeded = {"bms-web-01", "bms-db-01", "bms-win-01", "bms-other-01"}
    env = {"BMSCERT_TOKEN": TEST_TOKEN}
    args = ("cleanup", "--run-id", run_id, "--reports", tmp_path / "reports")

    dry = run_bmscert(*args, env=env)
    after_dry_run = _left_on_target(target, run_id)
    done = run_bmscert(*args, "--yes", env=env)

    names = {s.name for p in target.target.world.projects.values() for s in p.servers.values()}
    assert left
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would delete" in dry.stdout
    assert after_dry_run == left
    assert done.returncode == 0, done.stdout + done.stderr
    assert _left_on_target(target, run_id) == []
    assert seeded <= names
