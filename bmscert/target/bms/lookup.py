"""Finding the resources a BMS request names, and answering what cannot be found or done.

What an unknown id returns is undocumented; the profile's behaviour choice decides
(``unknown_server``, ``unknown_job`` in schemas/behaviours.yaml). A refusal of the shared
state machine becomes the documented BMS code where one exists (BMS.0035 to BMS.0039) and
the ``state_conflict`` behaviour's answer where none does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from bmscert.target.http import ApiError, Call, bms_error
from bmscert.target.lifecycle import Refusal
from bmscert.target.model import Job, Project, Server

_DOCUMENTED_REFUSALS = {
    Refusal.POWERING_ON: ("BMS.0035", "The server is powering on; the operation is refused"),
    Refusal.POWERING_OFF: ("BMS.0036", "The server is powering off; the operation is refused"),
    Refusal.REBOOTING: ("BMS.0037", "The server is rebooting; the operation is refused"),
    Refusal.ALREADY_RUNNING: ("BMS.0038", "The server is already running"),
    Refusal.ALREADY_STOPPED: ("BMS.0039", "The server is already stopped"),
}
_UNDOCUMENTED_REFUSALS = {
    Refusal.BUSY: "Another task is in progress on the server",
    Refusal.NOT_STOPPED: "The OS can be reinstalled only on a stopped server",
    Refusal.WRONG_STATE: "The server's state does not allow this operation",
}


def unknown_server(call: Call) -> ApiError:
    status = 404 if call.settings.behaviours["unknown_server"] == "not-found-404" else 400
    return bms_error(status, "BMS.0040", "The server does not exist")


def server_of(call: Call) -> Server:
    return server_by_id(call, call.path.get("server_id", ""))


def server_by_id(call: Call, server_id: str) -> Server:
    server = call.project.servers.get(server_id)
    if server is None and fault_active(call, "cross-project"):
        server = anywhere(call, lambda project: project.servers.get(server_id))
    if server is None or server.status == "DELETED":
        raise unknown_server(call)
    return server


def servers_named(call: Call, server_ids: Iterable[str]) -> list[Server]:
    """Each named server once, in the order given; one unknown id refuses the whole batch."""
    unique = list(dict.fromkeys(server_ids))
    return [server_by_id(call, server_id) for server_id in unique]


def job_of(call: Call) -> Job:
    job_id = call.path.get("job_id", "")
    job = call.project.jobs.get(job_id)
    if job is None and fault_active(call, "cross-project"):
        job = anywhere(call, lambda project: project.jobs.get(job_id))
    if job is None:
        status = 404 if call.settings.behaviours["unknown_job"] == "not-found-404" else 400
        raise bms_error(status, "BMS.0001", "The job does not exist")
    return job


def state_conflict(call: Call, message: str) -> ApiError:
    """A refusal no document gives a code for, answered as ``state_conflict`` chooses."""
    status = 409 if call.settings.behaviours["state_conflict"] == "conflict-409" else 400
    return bms_error(status, "BMS.0006", message)


def refused(call: Call, refusal: Refusal) -> ApiError:
    if refusal in _DOCUMENTED_REFUSALS:
        code, message = _DOCUMENTED_REFUSALS[refusal]
        return bms_error(400, code, message)
    return state_conflict(call, _UNDOCUMENTED_REFUSALS[refusal])


def fault_active(call: Call, kind: str, operation: str | None = None) -> bool:
    """Whether a deliberate defect applies here (never, unless a test asked for it)."""
    faults = call.world.faults
    return bool(faults) and faults.has(kind, operation or call.operation.id)


def anywhere(call: Call, find: Callable[[Project], Any]) -> Any:
    """What ``find`` finds in any project: only the deliberate fault ``cross-project`` looks
    past the caller's own."""
    return next((found for p in call.world.projects.values() if (found := find(p))), None)


def new_job_id() -> str:
    return uuid.uuid4().hex
