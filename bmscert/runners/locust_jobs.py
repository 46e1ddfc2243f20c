"""The job-latency cycle, run inside a Locust process (see ``bmscert.runners.locust_users``).

Each member (members are split across load processes by index) orders a server, then
cycles it through stop, reinstall, start, reboot, attach and detach until the plan's time
is up, following every job to its end before the next call. Job reads are paced to the
plan's budget per process, so polling never trips the jobs ceiling, and timed by
``PollPolicy``, so the end of a job is seen within a few hundredths of a second.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import gevent

from bmscert.checks.job_latency import JobSample, PollPolicy, job_time
from bmscert.runners.schedule import JobCycle, JobStep, fill

TERMINAL = frozenset({"SUCCESS", "FAIL"})


class PollBudget:
    """At most ``rate`` job reads per second from this process, spaced evenly."""

    def __init__(self, rate: float):
        self.interval = 1.0 / max(rate, 0.1)
        self.next_free = 0.0

    def take(self) -> None:
        now = time.time()
        slot = max(now, self.next_free)
        self.next_free = slot + self.interval
        if slot > now:
            gevent.sleep(slot - now)


class JobCycleRunner:
    def __init__(self, client, plan, credentials, worker_index: int, samples: list[list]):
        self.client = client
        self.plan = plan
        self.cycle: JobCycle = plan.jobs
        self.credentials = credentials
        self.worker_index = worker_index
        self.samples = samples
        self.budget = PollBudget(self.cycle.poll_per_second / plan.workers)
        self.policy = PollPolicy()

    def run(self) -> None:
        mine = [
            (index, member)
            for index, member in enumerate(self.cycle.members)
            if index % self.plan.workers == self.worker_index
        ]
        gevent.joinall([gevent.spawn(self._member, index, member) for index, member in mine])

    def _offset(self) -> float:
        return time.time() - self.plan.start_epoch

    def _member(self, index: int, member: dict[str, str]) -> None:
        deadline = self.plan.start_epoch + self.cycle.seconds
        values = {"sequence": index, "volume_id": member.get("volume_id", "")}
        created = self._step(index, self.cycle.create, values)
        server_id = _created_server(created)
        if server_id is None:
            return
        self.credentials.server_built(self._name_of(self.cycle.create, index), server_id)
        values["server_id"] = server_id
        while time.time() < deadline:
            for step in self.cycle.cycle:
                if step.needs_volume and not values["volume_id"]:
                    continue
                if time.time() >= deadline:
                    return
                self._step(index, step, values)

    def _request(self, name: str, method: str, path: str, body: str | None) -> tuple[int, Any]:
        request = self.credentials.prepare(method, self.cycle.base_url + path, body)
        with self.client.request(
            method,
            request.url,
            data=request.body or None,
            headers=request.headers,
            name=name,
            catch_response=True,
        ) as reply:
            reply.success()
            try:
                return reply.status_code, json.loads(reply.content or b"null")
            except ValueError:
                return reply.status_code, None

    def _step(self, index: int, step: JobStep, values: dict[str, Any]) -> dict[str, Any] | None:
        path = step.path.replace("{server_id}", str(values.get("server_id", "")))
        path = path.replace("{volume_id}", str(values["volume_id"]))
        body = None
        if step.body is not None:
            text = json.dumps(step.body)
            text = text.replace("{server_id}", str(values.get("server_id", "")))
            text = text.replace("{volume_id}", str(values["volume_id"]))
            body = fill(text, values["sequence"], secret=secrets.token_urlsafe(12))
        sent = self._offset()
        self.credentials.before_create(step.operation, body)
        status, reply = self._request(step.operation, step.method, path, body)
        self.credentials.after_create(step.operation, body, status, reply)
        replied = self._offset()
        job_id = reply.get("job_id") if isinstance(reply, dict) else None
        if not job_id:
            detail = json.dumps(reply)[:200] if reply is not None else ""
            self._record(
                JobSample(
                    index,
                    step.operation,
                    "",
                    sent,
                    replied,
                    status,
                    None,
                    "",
                    0,
                    [],
                    None,
                    False,
                    detail,
                )
            )
            return None
        return self._follow(index, step.operation, job_id, sent, replied, status)

    def _follow(self, index, operation, job_id, sent, replied, status) -> dict[str, Any]:
        path = self.cycle.job_path.replace("{job_id}", job_id)
        states: list[str] = []
        polls, last, terminal_seen = 0, {}, None
        while True:
            elapsed = self._offset() - replied
            if elapsed > self.cycle.timeout_seconds:
                break
            gevent.sleep(self.policy.delay(operation, elapsed, polls))
            self.budget.take()
            read_status, body = self._request("ShowJobInfos", "GET", path, None)
            polls += 1
            if read_status != 200 or not isinstance(body, dict):
                continue
            last = body
            states.append(str(body.get("status")))
            if states[-1] in TERMINAL:
                terminal_seen = self._offset()
                break
        begin, end = job_time(last.get("begin_time", "")), job_time(last.get("end_time", ""))
        server_seconds = end - begin if begin is not None and end is not None else None
        self.policy.learn(operation, server_seconds)
        self._record(
            JobSample(
                index,
                operation,
                job_id,
                sent,
                replied,
                status,
                terminal_seen,
                states[-1] if states else "",
                polls,
                states,
                server_seconds,
                terminal_seen is None,
            )
        )
        return last

    def _record(self, sample: JobSample) -> None:
        self.samples.append(sample.row())

    @staticmethod
    def _name_of(step: JobStep, index: int) -> str:
        """The name a create step gives member ``index``'s server."""
        body = json.loads(fill(json.dumps(step.body), index))
        return str(body.get("server", {}).get("name", ""))


def _created_server(job: dict[str, Any] | None) -> str | None:
    """The server a finished create job built, from its first sub-job."""
    if not job or job.get("status") != "SUCCESS":
        return None
    sub_jobs = job.get("entities", {}).get("sub_jobs") or []
    return sub_jobs[0].get("entities", {}).get("server_id") if sub_jobs else None
