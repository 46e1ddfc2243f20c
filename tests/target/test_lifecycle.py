"""The shared server state machine and its jobs, driven by an explicit clock."""

import pytest

from bmscert.target.lifecycle import Lifecycle, Refusal, refusal
from bmscert.target.seed import build_world
from bmscert.target.settings import TargetSettings

T0 = 1_000_000.0


@pytest.fixture
def world():
    return build_world(TargetSettings(), now=T0)


@pytest.fixture
def project(world):
    return next(iter(world.projects.values()))


def _server(project, name):
    return next(s for s in project.servers.values() if s.name == name)


def test_a_stop_shows_powering_off_then_shutoff_when_due(project):
    lifecycle = Lifecycle({"stop": 2.0}, 0.0, "s")
    server = _server(project, "bms-web-01")

    lifecycle.begin(server, "stop", T0)
    assert (server.status, server.task_state) == ("ACTIVE", "powering-off")
    lifecycle.advance(project, T0 + 1.9)
    assert server.task_state == "powering-off"
    lifecycle.advance(project, T0 + 2.0)
    assert (server.status, server.vm_state, server.power_state) == ("SHUTOFF", "stopped", 4)
    assert server.task_state is None


def test_a_batch_job_goes_init_running_success_with_its_times(project):
    lifecycle = Lifecycle({"start": 10.0}, 0.0, "s")
    server = _server(project, "bms-db-01")
    transition = lifecycle.begin(server, "start", T0)
    job = lifecycle.job_for(
        project,
        [transition],
        job_id="j",
        job_type="baremetalBatchOperate",
        sub_job_type="baremetalSingleOperate",
        sub_job_ids=["s1"],
        now=T0,
    )
    seen = []
    for offset in (0.5, 1.5, 9.9, 10.0, 11.0):
        lifecycle.advance(project, T0 + offset)
        seen.append(job.status)
    assert seen == ["INIT", "RUNNING", "RUNNING", "SUCCESS", "SUCCESS"]
    assert job.end == T0 + 10.0
    assert job.sub_jobs[0].status == "SUCCESS"
    assert job.error_code is None


def test_a_failing_transition_fails_its_job_with_a_code_and_keeps_the_state(project):
    lifecycle = Lifecycle({"start": 1.0}, 1.0, "s")
    server = _server(project, "bms-db-01")
    transition = lifecycle.begin(server, "start", T0)
    job = lifecycle.job_for(
        project,
        [transition],
        job_id="j",
        job_type="baremetalBatchOperate",
        sub_job_type="baremetalSingleOperate",
        sub_job_ids=["s1"],
        now=T0,
    )
    lifecycle.advance(project, T0 + 1.0)
    assert job.status == "FAIL"
    assert job.error_code == "BMS.3037"
    assert job.sub_jobs[0].fail_reason
    assert server.status == "SHUTOFF"


def test_a_timed_effect_lands_when_its_job_ends(project):
    lifecycle = Lifecycle({"attach": 1.0}, 0.0, "s")
    server = _server(project, "bms-web-01")
    landed = []
    transition = lifecycle.begin_effect(server, "attach", T0, landed.append)
    job = lifecycle.job_for(
        project, [transition], job_id="j", job_type="baremetalAttachVolume", now=T0
    )
    lifecycle.advance(project, T0 + 0.5)
    assert landed == []
    lifecycle.advance(project, T0 + 1.0)
    assert landed == [transition]
    assert job.server_id == server.id
    assert job.status == "SUCCESS"
    assert server.status == "ACTIVE"


@pytest.mark.parametrize(
    ("name", "action", "expected"),
    [
        ("bms-web-01", "start", Refusal.ALREADY_RUNNING),
        ("bms-db-01", "stop", Refusal.ALREADY_STOPPED),
        ("bms-web-01", "reinstall", Refusal.NOT_STOPPED),
        ("bms-db-01", "reboot-hard", Refusal.WRONG_STATE),
        ("bms-db-01", "reinstall", None),
        ("bms-web-01", "stop", None),
    ],
)
def test_preconditions_follow_the_documented_states(project, name, action, expected):
    assert refusal(_server(project, name), action) == expected


def test_a_server_in_transition_refuses_with_the_transition_named(project):
    lifecycle = Lifecycle({}, 0.0, "s")
    server = _server(project, "bms-db-01")
    lifecycle.begin(server, "start", T0)
    assert refusal(server, "stop") == Refusal.POWERING_ON
    assert lifecycle.pending(server) is not None
