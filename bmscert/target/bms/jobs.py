"""Reading asynchronous jobs."""

from __future__ import annotations

from bmscert.target.bms import render
from bmscert.target.bms.lookup import fault_active, job_of
from bmscert.target.http import Call, Reply
from bmscert.target.registry import handles

TERMINAL = ("SUCCESS", "FAIL")


@handles("ShowJobInfos")
def show_job(call: Call) -> Reply:
    job = job_of(call)
    body = render.job(job)
    if job.status in TERMINAL and fault_active(call, "job-never-ends", job.operation):
        body.update(status="RUNNING", end_time="", error_code=None, fail_reason=None)
    elif job.status in TERMINAL:
        job.terminal_reads += 1
        if job.terminal_reads > 1 and fault_active(call, "job-regress", job.operation):
            body.update(status="RUNNING", end_time="", error_code=None, fail_reason=None)
    return Reply(200, body)
