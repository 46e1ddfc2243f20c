"""Starting, stopping and rebooting servers in batches (one URI, the body's key decides).

Every named server is checked before any is touched: one unknown id or one refusal refuses
the whole batch, so a refused request never leaves some servers changed. An accepted batch
becomes one ``baremetalBatchOperate`` job with one ``baremetalSingleOperate`` sub-job per
server, on the shared state machine, so the Nova API sees the same transitions.
"""

from __future__ import annotations

from typing import Any

from bmscert.target.bms.lookup import fault_active, new_job_id, refused, servers_named
from bmscert.target.http import Call, Reply
from bmscert.target.lifecycle import Transition, refusal
from bmscert.target.model import Server
from bmscert.target.registry import handles, prepares

_TYPED_ACTIONS = ("reboot", "os-stop")
# What a running server shows: status, vm_state, task_state, power_state.
_RUNNING = ("ACTIVE", "active", None, 1)


@prepares("BatchRebootBaremetalServers", "BatchStopBaremetalServers")
def read_power_type(body: Any, settings: Any) -> Any:
    """Under ``lowercase_power_type: accepted``, read soft and hard as SOFT and HARD."""
    if settings.behaviours["lowercase_power_type"] != "accepted" or not isinstance(body, dict):
        return body
    for key in _TYPED_ACTIONS:
        inner = body.get(key)
        kind = inner.get("type") if isinstance(inner, dict) else None
        if isinstance(kind, str) and kind.upper() in ("SOFT", "HARD"):
            inner["type"] = kind.upper()
    return body


def _action(operation_id: str, request: dict[str, Any]) -> str:
    kind = str(request.get("type", "HARD")).lower()
    if operation_id == "BatchStartBaremetalServers":
        return "start"
    if operation_id == "BatchStopBaremetalServers":
        return "stop"
    return f"reboot-{kind}"


def _has_no_effect(call: Call, request: dict[str, Any]) -> bool:
    """A SOFT action under ``soft_power_type: no-op``, or the ``no-effect`` fault."""
    soft = request.get("type") == "SOFT" and call.operation.id != "BatchStartBaremetalServers"
    if soft and call.settings.behaviours["soft_power_type"] == "no-op":
        return True
    return fault_active(call, "no-effect")


def _begin(call: Call, server: Server, action: str, effective: bool) -> Transition:
    lifecycle = call.world.lifecycle
    if effective:
        return lifecycle.begin(server, action, call.now)
    return lifecycle.begin_effect(server, action, call.now, lambda _transition: None)


@handles("BatchStartBaremetalServers", "BatchRebootBaremetalServers", "BatchStopBaremetalServers")
def power_action(call: Call) -> Reply:
    request = call.body[call.operation.body_selector]
    action = _action(call.operation.id, request)
    servers = servers_named(call, [entry["id"] for entry in request["servers"]])
    for server in servers:
        reason = refusal(server, action)
        if reason is not None:
            raise refused(call, reason)

    effective = not _has_no_effect(call, request)
    transitions = [_begin(call, server, action, effective) for server in servers]
    if action == "stop" and fault_active(call, "stale-nova-view"):
        for transition in transitions:
            call.world.faults.hide_from_nova(transition.server_id, transition.end, _RUNNING)
    job = call.world.lifecycle.job_for(
        call.project,
        transitions,
        job_id=new_job_id(),
        job_type="baremetalBatchOperate",
        sub_job_type="baremetalSingleOperate",
        sub_job_ids=[new_job_id() for _ in transitions],
        now=call.now,
    )
    job.operation = call.operation.id
    return Reply(200, {"job_id": job.job_id})
