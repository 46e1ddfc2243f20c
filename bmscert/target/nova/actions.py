"""Starting, stopping and rebooting a server through the Nova action URI.

Each action starts the shared lifecycle's transition, so its effect is seen through the BMS
native API too; a server the lifecycle refuses gets a 409 naming its state. The BMS pages
force every reboot, so in the huawei dialect a SOFT reboot runs as a HARD one (status
HARD_REBOOT); upstream Nova keeps them apart (status REBOOT).
"""

from __future__ import annotations

from bmscert.target.http import Call, Reply
from bmscert.target.nova.lookup import server_of, status_for
from bmscert.target.nova.states import allow_power_action
from bmscert.target.registry import handles


def _act(call: Call, transition: str, action: str) -> Reply:
    server = server_of(call)
    allow_power_action(server, transition, action)
    call.world.lifecycle.begin(server, transition, call.now)
    return Reply(status_for(call))


@handles("start_server")
def start_server(call: Call) -> Reply:
    return _act(call, "start", "start")


@handles("stop_server")
def stop_server(call: Call) -> Reply:
    return _act(call, "stop", "stop")


@handles("reboot_server")
def reboot_server(call: Call) -> Reply:
    kind = call.body["reboot"]["type"].upper()
    forced = call.settings.dialect == "huawei" or kind == "HARD"
    return _act(call, "reboot-hard" if forced else "reboot-soft", "reboot")
