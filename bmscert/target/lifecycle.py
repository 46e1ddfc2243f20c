"""The server state machine, and the jobs that drive it, shared by both API families.

A power action (start, stop, reboot), a create or a reinstall is a ``Transition``: it takes
the server into its in-between state at once (``task_state`` powering-on, ``status`` BUILD,
...), and into its end state when its time is up. Time-driven change is applied lazily by
``Lifecycle.advance``, which the gateway calls before every handler, so the state a client
observes is always the state at the moment of its request and no background task exists.

The BMS native API wraps transitions in jobs (``ShowJobInfos``): a job is INIT for the first
part of its duration, RUNNING until its last sub-job ends, then SUCCESS or FAIL. The Nova API
starts the same transitions without a job; its clients poll the server instead.

Refusals are reasons (``Refusal``), not HTTP replies: the BMS handlers turn them into
``BMS.00xx`` codes and the Nova handlers into 409 faults naming the state.

Durations and the failure rate are settings (``TargetSettings.job_seconds``,
``job_failure_rate``), so a test knows the ground truth and CI stays quick.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bmscert.target.model import Job, Project, Server, SubJob

DEFAULT_JOB_SECONDS = {
    "create": 3.0,
    "start": 1.0,
    "stop": 1.0,
    "reboot": 1.0,
    "reinstall": 2.0,
    "attach": 0.5,
    "detach": 0.5,
}
INIT_FRACTION = 0.1


class Refusal(enum.Enum):
    """Why a server cannot take an action now; each family words it its own way."""

    POWERING_ON = "powering-on"
    POWERING_OFF = "powering-off"
    REBOOTING = "rebooting"
    BUSY = "busy"
    ALREADY_RUNNING = "already-running"
    ALREADY_STOPPED = "already-stopped"
    NOT_STOPPED = "not-stopped"
    WRONG_STATE = "wrong-state"


# In-between and end states: (status, vm_state, task_state, power_state).
_IN_BETWEEN = {
    "start": ("SHUTOFF", "stopped", "powering-on", 4),
    "stop": ("ACTIVE", "active", "powering-off", 1),
    "reboot-hard": ("HARD_REBOOT", "active", "reboot_started_hard", 1),
    "reboot-soft": ("REBOOT", "active", "reboot_started", 1),
    "create": ("BUILD", "building", "scheduling", 0),
    "reinstall": ("SHUTOFF", "stopped", "rebuilding", 4),
}
_SUCCEEDED = {
    "start": ("ACTIVE", "active", None, 1),
    "stop": ("SHUTOFF", "stopped", None, 4),
    "reboot-hard": ("ACTIVE", "active", None, 1),
    "reboot-soft": ("ACTIVE", "active", None, 1),
    "create": ("ACTIVE", "active", None, 1),
    "reinstall": ("SHUTOFF", "stopped", None, 4),
}
_FAILED = {
    "start": ("SHUTOFF", "stopped", None, 4),
    "stop": ("ACTIVE", "active", None, 1),
    "reboot-hard": ("ACTIVE", "active", None, 1),
    "reboot-soft": ("ACTIVE", "active", None, 1),
    "create": ("ERROR", "error", None, 0),
    "reinstall": ("SHUTOFF", "stopped", None, 4),
}
_BUSY_REFUSAL = {
    "powering-on": Refusal.POWERING_ON,
    "powering-off": Refusal.POWERING_OFF,
    "reboot_started_hard": Refusal.REBOOTING,
    "reboot_started": Refusal.REBOOTING,
}
_FAILURE_REASONS = {
    "create": ("BMS.3004", "Internal error while creating the server"),
    "start": ("BMS.3037", "The server could not be started"),
    "reinstall": ("BMS.3033", "The system disk could not be rebuilt"),
}
_DEFAULT_FAILURE = ("BMS.0006", "The server operation failed")


@dataclass
class Transition:
    """Something under way: a server changing state, or a timed effect such as an attach.

    ``on_finish`` runs once when the transition ends, with the transition itself, so an
    effect (a volume attached) can land exactly when its job succeeds.
    """

    action: str
    begin: float
    end: float
    fails: bool
    server_id: str
    changes_state: bool = True
    on_finish: Callable[[Transition], None] | None = field(default=None, repr=False)
    project_id: str = ""

    @property
    def kind(self) -> str:
        return self.action.split("-")[0]


def _set_state(server: Server, state: tuple[str, str, str | None, int], now: float) -> None:
    server.status, server.vm_state, server.task_state, server.power_state = state
    server.updated = now


def refusal(server: Server, action: str) -> Refusal | None:
    """Why ``action`` cannot start on ``server`` now, or None if it can.

    Reboot is allowed only from ACTIVE: the BMS pages document every reboot as forced but
    say nothing about stopped servers, and a stopped server has nothing to restart.
    """
    if server.task_state is not None:
        return _BUSY_REFUSAL.get(server.task_state, Refusal.BUSY)
    if action == "start" and server.status == "ACTIVE":
        return Refusal.ALREADY_RUNNING
    if action == "stop" and server.status == "SHUTOFF":
        return Refusal.ALREADY_STOPPED
    if action == "reinstall" and not (server.status == "SHUTOFF" or server.failed_reinstall):
        return Refusal.NOT_STOPPED
    wanted = {
        "start": "SHUTOFF",
        "stop": "ACTIVE",
        "reboot-hard": "ACTIVE",
        "reboot-soft": "ACTIVE",
    }
    if action in wanted and server.status != wanted[action]:
        return Refusal.WRONG_STATE
    return None


class Lifecycle:
    """Starts transitions, finishes them when due, and keeps job states in step."""

    def __init__(self, job_seconds: dict[str, float], failure_rate: float, seed: str):
        self.job_seconds = {**DEFAULT_JOB_SECONDS, **job_seconds}
        self.failure_rate = failure_rate
        self._random = random.Random(seed)
        self._pending: list[Transition] = []
        self._running_jobs: list[Job] = []

    def duration(self, action: str) -> float:
        return self.job_seconds[action.split("-")[0]]

    def pending(self, server: Server) -> Transition | None:
        """The state change under way on ``server``, if any."""
        for transition in self._pending:
            if transition.server_id == server.id and transition.changes_state:
                return transition
        return None

    def _schedule(self, server: Server, action: str, now: float, changes_state: bool, on_finish):
        fails = self.failure_rate > 0 and self._random.random() < self.failure_rate
        transition = Transition(
            action,
            now,
            now + self.duration(action),
            fails,
            server.id,
            changes_state,
            on_finish,
            server.project_id,
        )
        self._pending.append(transition)
        return transition

    def begin(
        self,
        server: Server,
        action: str,
        now: float,
        on_finish: Callable[[Transition], None] | None = None,
    ) -> Transition:
        """Put ``server`` into the in-between state of ``action``; the caller checked it may."""
        transition = self._schedule(server, action, now, True, on_finish)
        _set_state(server, _IN_BETWEEN[action], now)
        return transition

    def begin_effect(
        self, server: Server, action: str, now: float, on_finish: Callable[[Transition], None]
    ) -> Transition:
        """A timed effect on ``server`` (attach, detach) that leaves its power state alone."""
        return self._schedule(server, action, now, False, on_finish)

    def job_for(
        self,
        project: Project,
        transitions: Iterable[Transition],
        *,
        job_id: str,
        job_type: str,
        sub_job_type: str | None = None,
        sub_job_ids: Iterable[str] = (),
        now: float,
    ) -> Job:
        """A job over ``transitions``: one sub-job each when ``sub_job_type`` is given,
        otherwise a single-server job whose entities name the server."""
        job = Job(job_id, job_type, project.id, now)
        sub_ids = iter(sub_job_ids)
        for transition in transitions:
            if sub_job_type is None:
                job.server_id = transition.server_id
                job.timeline = transition
                continue
            sub_job = SubJob(next(sub_ids), sub_job_type, transition.server_id, begin=now)
            sub_job.timeline = transition
            job.sub_jobs.append(sub_job)
        project.jobs[job.job_id] = job
        self._running_jobs.append(job)
        self._update_job(job, now)
        return job

    def advance(self, project: Project, now: float) -> None:
        """Finish every transition of the project that is due, then bring the project's jobs
        up to date; another project's transitions wait for a call of their own project."""
        due = [t for t in self._pending if now >= t.end and t.project_id == project.id]
        for transition in due:
            self._pending.remove(transition)
            server = project.servers.get(transition.server_id)
            if server is not None and transition.changes_state:
                self._finish(server, transition)
            if transition.on_finish is not None:
                transition.on_finish(transition)
        for job in [job for job in self._running_jobs if job.project_id == project.id]:
            self._update_job(job, now)
            if job.status in ("SUCCESS", "FAIL"):
                self._running_jobs.remove(job)

    def _finish(self, server: Server, transition: Transition) -> None:
        action = transition.action
        ends = _FAILED if transition.fails else _SUCCEEDED
        _set_state(server, ends[action], transition.end)
        if action == "create" and not transition.fails:
            server.launched_at = transition.end
        if action == "reinstall":
            server.failed_reinstall = transition.fails

    def _update_job(self, job: Job, now: float) -> None:
        for sub_job in job.sub_jobs:
            _update_timed(sub_job, sub_job.timeline, now)
        timelines = [job.timeline] if job.timeline is not None else []
        timelines += [sub.timeline for sub in job.sub_jobs if sub.timeline is not None]
        if not timelines:
            # A batch that names no server has nothing to wait for: it is done at once.
            job.status, job.end = "SUCCESS", job.begin
            return
        if now < min(_running_from(t) for t in timelines):
            job.status = "INIT"
        elif now < max(t.end for t in timelines):
            job.status = "RUNNING"
        else:
            failed = [t for t in timelines if t.fails]
            job.status = "FAIL" if failed else "SUCCESS"
            job.end = max(t.end for t in timelines)
            if failed:
                job.error_code, job.fail_reason = _failure_of(failed[0])


def _running_from(transition: Transition) -> float:
    return transition.begin + INIT_FRACTION * (transition.end - transition.begin)


def _failure_of(transition: Transition) -> tuple[str, str]:
    return _FAILURE_REASONS.get(transition.kind, _DEFAULT_FAILURE)


def _update_timed(sub_job: SubJob, transition: Transition | None, now: float) -> None:
    if transition is None or sub_job.status in ("SUCCESS", "FAIL"):
        return
    if now < _running_from(transition):
        sub_job.status = "INIT"
    elif now < transition.end:
        sub_job.status = "RUNNING"
    else:
        sub_job.status = "FAIL" if transition.fails else "SUCCESS"
        sub_job.end = transition.end
        if transition.fails:
            sub_job.error_code, sub_job.fail_reason = _failure_of(transition)
