"""Whether a server may take a Nova call now, and the 409 that names its state when not.

Power actions ask the shared lifecycle (``bmscert.target.lifecycle.refusal``); metadata, tag
and volume writes follow upstream Nova's preconditions. Either way the refusal is a 409
``conflictingRequest`` whose message names the state that blocks the call, as Nova words it.
"""

from __future__ import annotations

from bmscert.target.http import ApiError, nova_fault
from bmscert.target.lifecycle import Refusal, refusal
from bmscert.target.model import Server

BUSY = frozenset({Refusal.POWERING_ON, Refusal.POWERING_OFF, Refusal.REBOOTING, Refusal.BUSY})
WRITABLE_VM_STATES = frozenset({"active", "paused", "suspended", "stopped"})


def conflict(server: Server, action: str, *, by_task: bool) -> ApiError:
    """``Cannot '<action>' instance <id> while it is in <task_state|vm_state> <value>``."""
    if by_task:
        attribute, value = "task_state", server.task_state
    else:
        attribute, value = "vm_state", server.vm_state
    return nova_fault(
        409, f"Cannot '{action}' instance {server.id} while it is in {attribute} {value}"
    )


def allow_power_action(server: Server, transition: str, action: str) -> None:
    """Refuse ``transition`` (start, stop, reboot-hard, ...) when the lifecycle refuses it."""
    reason = refusal(server, transition)
    if reason is not None:
        raise conflict(server, action, by_task=reason in BUSY)


def allow_write(server: Server, action: str, *, task_must_be_idle: bool = True) -> None:
    """Metadata and tag writes need a settled vm_state; metadata also an idle task."""
    if server.vm_state not in WRITABLE_VM_STATES:
        raise conflict(server, action, by_task=False)
    if task_must_be_idle and server.task_state is not None:
        raise conflict(server, action, by_task=True)
