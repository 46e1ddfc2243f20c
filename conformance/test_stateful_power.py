"""A server's power state across both API families, as a model of the documented rules.

Generated sequences of starts, stops and reboots, each sent through the BMS native API (a job,
followed to its end) or through Nova (a status change, polled until it lands), act on the
harness's own server. The model holds ACTIVE or SHUTOFF, and every run starts from ACTIVE;
from it the documents say whether a call is accepted or refused, and how (and, for a SOFT
stop, whether it acts, as the ``soft_power_type`` behaviour says): starting a running
server is BMS.0038 natively and a 409 naming ``vm_state active`` through Nova, stopping a
stopped one BMS.0039 or a 409 naming ``vm_state stopped``, rebooting a stopped one the
``state_conflict`` behaviour's answer or a 409. After every step both families must show
the model's state: status, task, vm_state and the dialect's power_state number. A stop
through one family that the other does not see fails the step that made it.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from bmscert.checks import expectations
from bmscert.runners.machines import MachineContext, ModelMachine

pytest_plugins = (
    "bmscert.runners.nova_fixtures",
    "bmscert.runners.generation",
    "bmscert.runners.properties",
)

OPERATIONS = (
    "BatchStartBaremetalServers",
    "BatchStopBaremetalServers",
    "BatchRebootBaremetalServers",
    "start_server",
    "stop_server",
    "reboot_server",
)
pytestmark = [pytest.mark.stateful, pytest.mark.destructive, pytest.mark.operations(*OPERATIONS)]

VM_STATES = {"ACTIVE": "active", "SHUTOFF": "stopped"}
KINDS = st.sampled_from(["HARD", "SOFT"])
POWER = {"ACTIVE": "running", "SHUTOFF": "shutdown"}


class PowerModel(ModelMachine):
    """ACTIVE or SHUTOFF, changed by six calls over two families."""

    @initialize()
    def start_from_a_running_server(self):
        self.context.bench.bring_up(self.server_id)
        self.status = "ACTIVE"

    def reset(self):
        self.context.bench.bring_up(self.server_id)

    # ------------------------------------------------------------------ BMS native

    def _batch(self, operation_id: str, key: str, **extra):
        body = {key: {**extra, "servers": [{"id": self.server_id}]}}
        return self.send(operation_id, json_body=body)

    @rule(kind=KINDS)
    def stop_through_bms(self, kind):
        reply = self._batch("BatchStopBaremetalServers", "os-stop", type=kind)
        if self.status == "SHUTOFF":
            self.refused(reply, 400, code="BMS.0039")
            return
        self.accepted(reply)
        acts = kind == "HARD" or expectations.soft_power_type_acts(self.profile)
        if self.follow(reply) == "SUCCESS" and acts:
            self.status = "SHUTOFF"

    @rule()
    def start_through_bms(self):
        reply = self._batch("BatchStartBaremetalServers", "os-start")
        if self.status == "ACTIVE":
            self.refused(reply, 400, code="BMS.0038")
            return
        self.accepted(reply)
        if self.follow(reply) == "SUCCESS":
            self.status = "ACTIVE"

    @rule(kind=KINDS)
    def reboot_through_bms(self, kind):
        reply = self._batch("BatchRebootBaremetalServers", "reboot", type=kind)
        if self.status == "SHUTOFF":
            conflict = expectations.state_conflict(self.profile)
            self.refused(reply, conflict.status, code=conflict.code)
            return
        self.accepted(reply)
        self.follow(reply)

    # ------------------------------------------------------------------ Nova

    def _action(self, operation_id: str, body):
        return self.send(operation_id, path={"server_id": self.server_id}, json_body=body)

    def _conflict(self, reply):
        vm_state = VM_STATES[self.status]
        self.refused(reply, 409, fault="conflictingRequest", naming=("vm_state", vm_state))

    @rule()
    def stop_through_nova(self):
        reply = self._action("stop_server", {"os-stop": None})
        if self.status == "SHUTOFF":
            self._conflict(reply)
            return
        self.accepted(reply)
        self.wait_until_settled()
        self.status = "SHUTOFF"

    @rule()
    def start_through_nova(self):
        reply = self._action("start_server", {"os-start": None})
        if self.status == "ACTIVE":
            self._conflict(reply)
            return
        self.accepted(reply)
        self.wait_until_settled()
        self.status = "ACTIVE"

    @rule(kind=KINDS)
    def reboot_through_nova(self, kind):
        reply = self._action("reboot_server", {"reboot": {"type": kind}})
        if self.status == "SHUTOFF":
            self._conflict(reply)
            return
        self.accepted(reply)
        self.wait_until_settled()

    # ------------------------------------------------------------------ what both show

    @invariant()
    def both_families_show_the_model(self):
        native, native_read = self.read_bms_server()
        self.matches("status through the BMS API", self.status, native.get("status"), native_read)
        self.matches(
            "task through the BMS API", None, native.get("OS-EXT-STS:task_state"), native_read
        )
        nova, nova_read = self.read_nova_server()
        power = expectations.power_state(self.profile, POWER[self.status])
        shown = {
            "status": nova.get("status"),
            "vm_state": nova.get("OS-EXT-STS:vm_state"),
            "power_state": nova.get("OS-EXT-STS:power_state"),
            "task_state": nova.get("OS-EXT-STS:task_state"),
        }
        expected = {
            "status": self.status,
            "vm_state": VM_STATES[self.status],
            "power_state": power,
            "task_state": None,
        }
        self.matches("the server through Nova", expected, shown, nova_read)


def test_power_states_agree_with_the_model_through_both_families(
    generation, bench, request_strategies, fleet, verify
):
    server_id = fleet.owned(verify)
    PowerModel.context = MachineContext(generation, bench, request_strategies, server_id)

    generation.run_machine(PowerModel, "power states through both families")
