"""Finding the resource a BMS path names, and answering an unknown one as configured.

What an unknown id returns is undocumented; the profile's behaviour choice decides
(``unknown_server``, ``unknown_job`` in schemas/behaviours.yaml).
"""

from __future__ import annotations

from bmscert.target.http import Call, bms_error
from bmscert.target.model import Job, Server


def server_of(call: Call) -> Server:
    server = call.project.servers.get(call.path.get("server_id", ""))
    if server is None or server.status == "DELETED":
        status = 404 if call.settings.behaviours["unknown_server"] == "not-found-404" else 400
        raise bms_error(status, "BMS.0040", "The server does not exist")
    return server


def job_of(call: Call) -> Job:
    job = call.project.jobs.get(call.path.get("job_id", ""))
    if job is None:
        status = 404 if call.settings.behaviours["unknown_job"] == "not-found-404" else 400
        raise bms_error(status, "BMS.0001", "The job does not exist")
    return job
