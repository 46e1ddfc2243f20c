"""Reading asynchronous jobs."""

from __future__ import annotations

from bmscert.target.bms import render
from bmscert.target.bms.lookup import job_of
from bmscert.target.http import Call, Reply
from bmscert.target.registry import handles


@handles("ShowJobInfos")
def show_job(call: Call) -> Reply:
    return Reply(200, render.job(job_of(call)))
