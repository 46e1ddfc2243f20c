"""Starting, stopping and rebooting a server through Nova, observed by polling it, and seen
through the BMS native API too; refusals name the state that blocks them and change nothing.

The tests work on the harness's own server and put it in the state each needs first, so
none depends on another having run.
"""

import pytest

from bmscert.checks import expectations
from bmscert.runners.pytest_plugin import new_uuid

pytest_plugins = ("bmscert.runners.nova_fixtures",)

START = {"os-start": None}
STOP = {"os-stop": None}

pytestmark = pytest.mark.destructive


def _bms_status(api, server_id):
    native = api.call("ListBareMetalServerDetails", path={"server_id": server_id})
    body = native.json if isinstance(native.json, dict) else {}
    return native, body.get("server", {}).get("status")


@pytest.mark.operation("stop_server")
def test_stop_shuts_the_server_off_as_both_apis_see(nova, api, own_server):
    nova.servers.settle(own_server, "ACTIVE")

    nova.ok("stop_server", path={"server_id": own_server}, json_body=STOP)

    server = nova.servers.wait_until(own_server, "SHUTOFF")
    shutdown = expectations.power_state(nova.verify.profile, "shutdown")
    read = nova.ok("show_server", path={"server_id": own_server})
    nova.observe(read, "vm_state", "stopped", server["OS-EXT-STS:vm_state"])
    nova.observe(read, "power_state", shutdown, read.json["server"]["OS-EXT-STS:power_state"])
    native, status = _bms_status(api, own_server)
    nova.observe(native, "status through the BMS API", "SHUTOFF", status)


@pytest.mark.operation("start_server")
def test_start_brings_the_server_up_as_both_apis_see(nova, api, own_server):
    nova.servers.settle(own_server, "SHUTOFF")

    nova.ok("start_server", path={"server_id": own_server}, json_body=START)

    nova.servers.wait_until(own_server, "ACTIVE")
    running = expectations.power_state(nova.verify.profile, "running")
    read = nova.ok("show_server", path={"server_id": own_server})
    nova.observe(read, "power_state", running, read.json["server"]["OS-EXT-STS:power_state"])
    native, status = _bms_status(api, own_server)
    nova.observe(native, "status through the BMS API", "ACTIVE", status)


@pytest.mark.operation("reboot_server")
@pytest.mark.parametrize("kind", ["SOFT", "HARD"])
def test_reboot_passes_through_the_documented_status_and_comes_back(nova, own_server, kind):
    nova.servers.settle(own_server, "ACTIVE")

    nova.ok("reboot_server", path={"server_id": own_server}, json_body={"reboot": {"type": kind}})

    during = nova.ok("show_server", path={"server_id": own_server})
    profile = nova.verify.profile
    expected = "HARD_REBOOT" if kind == "HARD" else expectations.soft_reboot_status(profile)
    nova.observe(during, "status while rebooting", expected, during.json["server"]["status"])
    nova.servers.wait_until(own_server, "ACTIVE")


@pytest.mark.operation("start_server")
def test_starting_a_running_server_is_a_409_naming_its_vm_state(nova, own_server):
    nova.servers.settle(own_server, "ACTIVE")
    refused = nova.fails(
        "start_server",
        409,
        "conflictingRequest",
        path={"server_id": own_server},
        json_body=START,
        naming=("vm_state", "active"),
    )
    nova.unchanged(refused, "status", "ACTIVE", nova.servers.read(own_server)["status"])


@pytest.mark.operation("stop_server")
def test_stopping_a_stopped_server_is_a_409_naming_its_vm_state(nova, own_server):
    nova.servers.settle(own_server, "SHUTOFF")
    refused = nova.fails(
        "stop_server",
        409,
        "conflictingRequest",
        path={"server_id": own_server},
        json_body=STOP,
        naming=("vm_state", "stopped"),
    )
    nova.unchanged(refused, "status", "SHUTOFF", nova.servers.read(own_server)["status"])


@pytest.mark.operation("reboot_server")
def test_an_action_during_a_transition_is_a_409_naming_the_task(nova, own_server):
    nova.servers.settle(own_server, "ACTIVE")
    nova.send("stop_server", path={"server_id": own_server}, json_body=STOP)

    refused = nova.fails(
        "reboot_server",
        409,
        "conflictingRequest",
        path={"server_id": own_server},
        json_body={"reboot": {"type": "HARD"}},
        naming=("task_state", "powering-off"),
    )
    after = nova.servers.wait_until(own_server, "SHUTOFF")
    nova.unchanged(refused, "end state of the stop under way", "SHUTOFF", after["status"])


@pytest.mark.operation("update_server_metadata")
def test_a_metadata_write_during_a_transition_is_a_409_naming_the_task(nova, own_server):
    nova.servers.settle(own_server, "SHUTOFF")
    before = nova.ok("list_server_metadata", path={"server_id": own_server}).json["metadata"]
    nova.send("start_server", path={"server_id": own_server}, json_body=START)

    refused = nova.fails(
        "update_server_metadata",
        409,
        "conflictingRequest",
        path={"server_id": own_server},
        json_body={"metadata": {"during": "start"}},
        naming=("task_state", "powering-on"),
    )
    nova.servers.wait_until(own_server, "ACTIVE")
    after = nova.ok("list_server_metadata", path={"server_id": own_server}).json["metadata"]
    nova.unchanged(refused, "metadata", before, after)


BAD_BODIES = [
    pytest.param("start_server", {"os-start": None, "os-stop": None}, id="two-actions"),
    pytest.param("stop_server", {"os-levitate": None}, id="unknown-action"),
    pytest.param("reboot_server", {"reboot": {}}, id="reboot-without-type"),
    pytest.param("reboot_server", {"reboot": {"type": "MEDIUM"}}, id="reboot-of-unknown-type"),
    pytest.param("reboot_server", {"reboot": {"type": 1}}, id="reboot-type-not-text"),
    pytest.param("reboot_server", {"reboot": "HARD"}, id="reboot-not-an-object"),
    pytest.param(
        "reboot_server", {"reboot": {"type": "HARD", "force": True}}, id="reboot-extra-member"
    ),
]
# Bodies the BMS pages forbid and upstream Nova takes, with the state each starts from and
# the state a target that takes it ends in.
STRICTER_ON_BMS = [
    pytest.param(
        "reboot_server", {"reboot": {"type": "soft"}}, "ACTIVE", "ACTIVE", id="lower-case-soft"
    ),
    pytest.param(
        "stop_server", {"os-stop": {"type": "GENTLE"}}, "ACTIVE", "SHUTOFF", id="stop-type"
    ),
    pytest.param(
        "start_server", {"os-start": {"now": True}}, "SHUTOFF", "ACTIVE", id="start-members"
    ),
]


def _refused_and_unchanged(nova, own_server, operation_id, body, state="ACTIVE"):
    nova.servers.settle(own_server, state)
    refused = nova.fails(
        operation_id, 400, "badRequest", path={"server_id": own_server}, json_body=body
    )
    after = nova.servers.read(own_server)
    now = (after["status"], after["OS-EXT-STS:task_state"])
    nova.unchanged(refused, "status and task", (state, None), now)


@pytest.mark.parametrize(("operation_id", "body"), BAD_BODIES)
def test_a_malformed_action_body_is_a_400_that_changes_nothing(
    nova, own_server, operation_id, body
):
    _refused_and_unchanged(nova, own_server, operation_id, body)


@pytest.mark.parametrize(("operation_id", "body", "before", "after"), STRICTER_ON_BMS)
def test_a_body_only_the_bms_pages_forbid_is_refused_or_acted_on_as_the_dialect_says(
    nova, own_server, operation_id, body, before, after
):
    if nova.verify.profile.dialect == "huawei":
        _refused_and_unchanged(nova, own_server, operation_id, body, before)
        return
    nova.servers.settle(own_server, before)
    taken = nova.ok(operation_id, path={"server_id": own_server}, json_body=body)
    settled = nova.servers.wait_until(own_server, after)
    nova.observe(taken, "status once the action is done", after, settled["status"])


UNKNOWN_SERVER_BODIES = {
    "start_server": START,
    "stop_server": STOP,
    "reboot_server": {"reboot": {"type": "HARD"}},
}


@pytest.mark.parametrize("operation_id", sorted(UNKNOWN_SERVER_BODIES))
def test_an_action_on_an_unknown_server_is_a_404(nova, operation_id):
    nova.fails(
        operation_id,
        404,
        "itemNotFound",
        path={"server_id": new_uuid()},
        json_body=UNKNOWN_SERVER_BODIES[operation_id],
    )
