"""Creating servers and changing their power state: jobs, end states, quota, conflicts.

Every test works on servers the run created itself (the fleet), brings one into the state
it needs first, follows each job to its end with the one poller, and checks the effect
through a follow-up read. Refused calls must leave everything as it was.
"""

import pytest

from bmscert.checks import effects, expectations
from bmscert.checks.jobs import servers_named_by
from bmscert.runners.fleet import create_body, unique_name, valid_body
from bmscert.runners.pytest_plugin import new_uuid

CREATE = "CreateBareMetalServers"
START = "BatchStartBaremetalServers"
STOP = "BatchStopBaremetalServers"
REBOOT = "BatchRebootBaremetalServers"
REINSTALL = "ReinstallBaremetalServerOs"


@pytest.mark.mutating
@pytest.mark.operation(CREATE)
def test_create_answers_an_order_and_a_job_that_builds_an_active_server(api, verify, fleet):
    used_before, _, _ = fleet.instances_used()
    name = unique_name("create")
    body = create_body(fleet.create_ids(), name)

    reply = verify.success(api.call(CREATE, json_body=body))
    used_after, _, quota_read = fleet.instances_used()
    verify.settle([effects.quota_is_consumed(CREATE, used_before, used_after, 1, quota_read)])
    trace = fleet.follow_job(verify, CREATE, reply.json["job_id"], None)

    named = sorted(servers_named_by(trace.final))
    fleet.record("server", named, reply.json["order_id"], verify.test_id)
    verify.settle([effects.effect_is_visible(CREATE, "servers in the job", 1, len(named), None)])
    server = fleet.expect_state(verify, CREATE, named[0], "ACTIVE")
    verify.settle([effects.effect_is_visible(CREATE, "name", name, server.get("name"), None)])


@pytest.mark.mutating
@pytest.mark.operation(CREATE)
def test_an_order_over_the_quota_is_refused_and_creates_nothing(api, verify, fleet):
    used, allowed, _ = fleet.instances_used()
    wanted = allowed - used + 1
    if allowed == -1 or not 1 <= wanted <= 100:
        pytest.skip(f"the instance quota ({used} of {allowed}) cannot be passed by one order")
    before = fleet.snapshot(quota=True)

    body = create_body(fleet.create_ids(), unique_name("over-quota"), count=wanted)
    exchange = api.call(CREATE, json_body=body)

    expected = expectations.quota_exceeded()
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    after = fleet.snapshot(quota=True)
    verify.settle([effects.state_is_unchanged(CREATE, before, after, exchange)])


@pytest.mark.mutating
@pytest.mark.operation(START)
def test_start_takes_a_stopped_server_to_active(verify, fleet):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "SHUTOFF")

    fleet.power(verify, START, server_id)

    fleet.expect_state(verify, START, server_id, "ACTIVE")


@pytest.mark.destructive
@pytest.mark.operation(STOP)
def test_stop_takes_a_running_server_to_shutoff(verify, fleet):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "ACTIVE")

    fleet.power(verify, STOP, server_id)

    fleet.expect_state(verify, STOP, server_id, "SHUTOFF")


@pytest.mark.destructive
@pytest.mark.operation(REBOOT)
def test_reboot_brings_a_running_server_back_to_active(verify, fleet):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "ACTIVE")

    fleet.power(verify, REBOOT, server_id)

    fleet.expect_state(verify, REBOOT, server_id, "ACTIVE")


@pytest.mark.destructive
@pytest.mark.operation(STOP)
def test_a_soft_stop_acts_as_the_profile_says(api, verify, fleet, bmscert_profile):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "ACTIVE")
    body = {"os-stop": {"type": "SOFT", "servers": [{"id": server_id}]}}

    reply = verify.success(api.call(STOP, json_body=body))
    fleet.follow_job(verify, STOP, reply.json["job_id"], [server_id])

    acts = expectations.soft_power_type_acts(bmscert_profile)
    fleet.expect_state(verify, STOP, server_id, "SHUTOFF" if acts else "ACTIVE")


@pytest.mark.destructive
@pytest.mark.operation(REBOOT)
def test_a_lowercase_reboot_type_is_answered_as_the_profile_says(
    api, verify, fleet, bmscert_profile
):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "ACTIVE")
    before = fleet.snapshot([server_id])

    exchange = api.call(
        REBOOT, json_body={"reboot": {"type": "hard", "servers": [{"id": server_id}]}}
    )

    if expectations.lowercase_power_type_accepted(bmscert_profile):
        verify.success(exchange)
        fleet.follow_job(verify, REBOOT, exchange.json["job_id"], [server_id])
        fleet.expect_state(verify, REBOOT, server_id, "ACTIVE")
        return
    expected = expectations.invalid_request()
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    verify.settle(
        [effects.state_is_unchanged(REBOOT, before, fleet.snapshot([server_id]), exchange)]
    )


@pytest.mark.destructive
@pytest.mark.operation(REINSTALL)
def test_reinstall_of_a_stopped_server_runs_a_job_and_leaves_it_stopped(api, verify, fleet):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "SHUTOFF")
    body = valid_body(REINSTALL, fleet.ids("user_id"))

    reply = verify.success(api.call(REINSTALL, path={"server_id": server_id}, json_body=body))
    trace = fleet.follow_job(verify, REINSTALL, reply.json["job_id"], [server_id])

    expected_types = {"baremetalReinstallOs", "baremetalVolumeBootReinstallOs"}
    _, exchange = fleet.details(server_id)
    job_type = trace.final.get("job_type")
    verify.settle(
        [
            effects.effect_is_visible(
                REINSTALL, "a reinstall job type", True, job_type in expected_types, exchange
            )
        ]
    )
    fleet.expect_state(verify, REINSTALL, server_id, "SHUTOFF")


CONFLICTS = [
    pytest.param(START, "ACTIVE", "BMS.0038", marks=pytest.mark.mutating, id="start-running"),
    pytest.param(STOP, "SHUTOFF", "BMS.0039", marks=pytest.mark.destructive, id="stop-stopped"),
]


@pytest.mark.parametrize(("operation_id", "state", "code"), CONFLICTS)
def test_a_power_action_the_state_forbids_is_refused_with_its_code(
    operation_id, state, code, api, verify, fleet
):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, state)
    before = fleet.snapshot([server_id])

    exchange = api.call(operation_id, json_body=valid_body(operation_id, {"server_id": server_id}))

    expected = expectations.refused_by_state(code)
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    after = fleet.snapshot([server_id])
    verify.settle([effects.state_is_unchanged(operation_id, before, after, exchange)])


IN_FLIGHT = [
    pytest.param(
        STOP,
        "ACTIVE",
        "SHUTOFF",
        "BMS.0036",
        marks=pytest.mark.destructive,
        id="stop-while-powering-off",
    ),
    pytest.param(
        START,
        "SHUTOFF",
        "ACTIVE",
        "BMS.0035",
        marks=pytest.mark.mutating,
        id="start-while-powering-on",
    ),
    pytest.param(
        REBOOT,
        "ACTIVE",
        "ACTIVE",
        "BMS.0037",
        marks=pytest.mark.destructive,
        id="reboot-while-rebooting",
    ),
]


@pytest.mark.parametrize(("operation_id", "start", "end", "code"), IN_FLIGHT)
def test_a_second_action_during_a_transition_is_refused_and_the_first_completes(
    operation_id, start, end, code, api, verify, fleet
):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, start)
    body = valid_body(operation_id, {"server_id": server_id})

    first = verify.success(api.call(operation_id, json_body=body))
    second = api.call(operation_id, json_body=body)

    expected = expectations.refused_by_state(code)
    verify.error(second, expected.status, expected.envelope, expected.code)
    fleet.follow_job(verify, operation_id, first.json["job_id"], [server_id])
    fleet.expect_state(verify, operation_id, server_id, end)


@pytest.mark.destructive
@pytest.mark.operation(REINSTALL)
def test_reinstall_of_a_running_server_is_refused(api, verify, fleet, bmscert_profile):
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "ACTIVE")
    before = fleet.snapshot([server_id])
    body = valid_body(REINSTALL, fleet.ids("user_id"))

    exchange = api.call(REINSTALL, path={"server_id": server_id}, json_body=body)

    expected = expectations.state_conflict(bmscert_profile)
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    after = fleet.snapshot([server_id])
    verify.settle([effects.state_is_unchanged(REINSTALL, before, after, exchange)])


@pytest.mark.parametrize(
    "operation_id",
    [
        pytest.param(START, marks=pytest.mark.mutating),
        pytest.param(STOP, marks=pytest.mark.destructive),
        pytest.param(REBOOT, marks=pytest.mark.destructive),
    ],
)
def test_a_power_action_on_an_unknown_server_is_refused(
    operation_id, api, verify, bmscert_profile
):
    body = valid_body(operation_id, {"server_id": new_uuid()})

    exchange = api.call(operation_id, json_body=body)

    expected = expectations.unknown_server(bmscert_profile)
    verify.error(exchange, expected.status, expected.envelope, expected.code)
