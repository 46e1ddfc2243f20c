"""The reference target's BMS writes: jobs, end states, quota, refusals, behaviours, faults."""

import time

import httpx
import pytest

from bmscert.core.auth import AkSkAuth, Outgoing
from bmscert.core.behaviours import resolve_behaviours
from bmscert.target.settings import Account
from tests.conftest import live_target

QUICK = {"create": 0.2, "start": 0.2, "stop": 0.2, "reboot": 0.2, "reinstall": 0.2}
QUICK.update(attach=0.1, detach=0.1)
RUNNING_SERVER_NAME = "bms-web-01"
STOPPED_SERVER_NAME = "bms-db-01"


@pytest.fixture
def target(seeded):
    with live_target(job_seconds=QUICK) as client:
        yield Target(client, seeded)


def _target(**settings):
    settings.setdefault("job_seconds", QUICK)
    return live_target(**settings)


class Target:
    """A BMS client with the paths and ids of the seeded project."""

    def __init__(self, client, seeded):
        self.client = client
        self.ids = seeded
        self.base = f"/v1/{seeded['project_id']}"
        self.world = client.running.target.world
        self.project = self.world.projects[seeded["project_id"]]

    def server_named(self, name):
        return next(s for s in self.project.servers.values() if s.name == name)

    def get(self, path, **kwargs):
        return self.client.get(self.base + path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.client.post(self.base + path, json=body, **kwargs)

    def put(self, path, body):
        return self.client.put(self.base + path, json=body)

    def delete(self, path):
        return self.client.delete(self.base + path)

    def action(self, key, server_ids, **extra):
        servers = [{"id": server_id} for server_id in server_ids]
        return self.post("/baremetalservers/action", {key: {**extra, "servers": servers}})

    def wait(self, job_id):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            job = self.get(f"/jobs/{job_id}").json()
            if job["status"] in ("SUCCESS", "FAIL"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} did not end")

    def create_body(self, name="bmscert-t", **server):
        return {
            "server": {
                "imageRef": self.ids["image_id"],
                "flavorRef": self.ids["flavor_id"],
                "name": name,
                "metadata": {"op_svc_userid": self.ids["user_id"]},
                "nics": [{"subnet_id": self.ids["subnet_id"]}],
                "availability_zone": self.ids["availability_zone"],
                "vpcid": self.ids["vpc_id"],
                "extendparam": {"periodType": "month", "periodNum": 1, "isAutoPay": "true"},
                **server,
            }
        }

    def used(self):
        return self.get("/baremetalservers/limits").json()["absolute"]["totalInstancesUsed"]


def _valid(store, operation, body):
    return store.problems(f"bms/{operation}.response.json", body) == []


def test_create_consumes_quota_at_once_and_builds_an_active_server(target, store):
    before = target.used()

    reply = target.post("/baremetalservers", target.create_body(count=2))
    during = target.used()
    job = target.wait(reply.json()["job_id"])

    server_ids = [sub["entities"]["server_id"] for sub in job["entities"]["sub_jobs"]]
    names = sorted(target.project.servers[s].name for s in server_ids)
    assert reply.status_code == 200
    assert _valid(store, "CreateBareMetalServers", reply.json())
    assert during == before + 2
    assert job["status"] == "SUCCESS"
    assert job["job_type"] == "baremetalBatchCreate"
    assert names == ["bmscert-t-0001", "bmscert-t-0002"]
    assert {target.project.servers[s].status for s in server_ids} == {"ACTIVE"}


def test_a_job_shows_init_running_then_success_with_an_empty_end_time_until_then(seeded):
    with _target(job_seconds={"create": 1.0}) as client:
        target = Target(client, seeded)
        job_id = target.post("/baremetalservers", target.create_body()).json()["job_id"]
        first = target.get(f"/jobs/{job_id}").json()
        time.sleep(0.3)
        middle = target.get(f"/jobs/{job_id}").json()
        last = target.wait(job_id)

    assert (first["status"], first["end_time"]) == ("INIT", "")
    assert (middle["status"], middle["end_time"]) == ("RUNNING", "")
    assert last["status"] == "SUCCESS"
    assert last["end_time"] >= last["begin_time"]
    assert last["error_code"] is None


@pytest.mark.parametrize(
    ("server", "code"),
    [
        ({"count": 30}, "BMS.0025"),
        ({"count": 2, "nics": [{"subnet_id": "x", "ip_address": "192.168.0.99"}]}, "BMS.0207"),
        ({"flavorRef": "physical.none"}, "BMS.0008"),
        ({"flavorRef": "physical.o2.medium"}, "BMS.0047"),
    ],
)
def test_a_refused_order_creates_nothing(target, server, code):
    servers, volumes, jobs = (
        len(target.project.servers),
        len(target.project.volumes),
        len(target.project.jobs),
    )

    reply = target.post("/baremetalservers", target.create_body(**server))

    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == code
    assert (
        len(target.project.servers),
        len(target.project.volumes),
        len(target.project.jobs),
    ) == (servers, volumes, jobs)


def test_stop_then_start_moves_a_server_through_the_documented_states(target):
    server = target.server_named(RUNNING_SERVER_NAME)

    stop = target.action("os-stop", [server.id], type="HARD")
    during = (server.status, server.task_state)
    stopped = target.wait(stop.json()["job_id"])
    after_stop = server.status
    start = target.action("os-start", [server.id])
    target.wait(start.json()["job_id"])

    assert during == ("ACTIVE", "powering-off")
    assert stopped["job_type"] == "baremetalBatchOperate"
    assert stopped["entities"]["sub_jobs"][0]["job_type"] == "baremetalSingleOperate"
    assert after_stop == "SHUTOFF"
    assert (server.status, server.power_state) == ("ACTIVE", 1)


@pytest.mark.parametrize(
    ("key", "name", "code"),
    [("os-start", RUNNING_SERVER_NAME, "BMS.0038"), ("os-stop", STOPPED_SERVER_NAME, "BMS.0039")],
)
def test_a_power_action_the_state_forbids_gets_its_documented_code(target, key, name, code):
    server = target.server_named(name)

    reply = target.action(key, [server.id])

    assert (reply.status_code, reply.json()["error"]["code"]) == (400, code)
    assert server.task_state is None


def test_a_second_stop_while_powering_off_is_refused_with_bms_0036(target):
    server = target.server_named(RUNNING_SERVER_NAME)

    target.action("os-stop", [server.id])
    second = target.action("os-stop", [server.id])

    assert second.json()["error"]["code"] == "BMS.0036"


def test_one_unknown_server_refuses_the_whole_batch(target):
    server = target.server_named(STOPPED_SERVER_NAME)

    reply = target.action("os-start", [server.id, "00000000-0000-4000-8000-000000000000"])

    assert (reply.status_code, reply.json()["error"]["code"]) == (400, "BMS.0040")
    assert server.task_state is None


@pytest.mark.parametrize(("choice", "status"), [("bms-0006-400", 400), ("conflict-409", 409)])
def test_a_reboot_of_a_stopped_server_is_a_state_conflict_as_chosen(seeded, choice, status):
    behaviours = resolve_behaviours({"state_conflict": choice})
    with _target(behaviours=behaviours) as client:
        target = Target(client, seeded)
        server = target.server_named(STOPPED_SERVER_NAME)
        reply = target.action("reboot", [server.id], type="HARD")

    assert (reply.status_code, reply.json()["error"]["code"]) == (status, "BMS.0006")


@pytest.mark.parametrize(("choice", "status"), [("refused", 400), ("accepted", 200)])
def test_a_lowercase_reboot_type_is_refused_or_read_as_chosen(seeded, choice, status):
    behaviours = resolve_behaviours({"lowercase_power_type": choice})
    with _target(behaviours=behaviours) as client:
        target = Target(client, seeded)
        server = target.server_named(RUNNING_SERVER_NAME)
        reply = target.action("reboot", [server.id], type="hard")

    assert reply.status_code == status


@pytest.mark.parametrize(("choice", "end"), [("acts", "SHUTOFF"), ("no-op", "ACTIVE")])
def test_a_soft_stop_acts_or_does_nothing_as_chosen(seeded, choice, end):
    behaviours = resolve_behaviours({"soft_power_type": choice})
    with _target(behaviours=behaviours) as client:
        target = Target(client, seeded)
        server = target.server_named(RUNNING_SERVER_NAME)
        job = target.wait(target.action("os-stop", [server.id], type="SOFT").json()["job_id"])

    assert job["status"] == "SUCCESS"
    assert server.status == end


def test_reinstall_is_refused_on_a_running_server_and_lands_its_key_on_a_stopped_one(target):
    running = target.server_named(RUNNING_SERVER_NAME)
    stopped = target.server_named(STOPPED_SERVER_NAME)
    body = {"os-reinstall": {"keyname": "bmscert-key"}}

    refused = target.post(f"/baremetalservers/{running.id}/reinstallos", body)
    accepted = target.post(f"/baremetalservers/{stopped.id}/reinstallos", body)
    job = target.wait(accepted.json()["job_id"])

    assert refused.json()["error"]["code"] == "BMS.0006"
    assert job["job_type"] == "baremetalReinstallOs"
    assert job["entities"]["server_id"] == stopped.id
    assert (stopped.status, stopped.key_name) == ("SHUTOFF", "bmscert-key")


def test_rename_answers_the_nova_shape_and_changes_the_details(target, store):
    server = target.server_named(RUNNING_SERVER_NAME)

    reply = target.put(f"/baremetalservers/{server.id}", {"server": {"name": "bmscert-new"}})
    details = target.get(f"/baremetalservers/{server.id}").json()["server"]

    renamed = reply.json()["server"]
    address = next(iter(renamed["addresses"].values()))[0]
    assert _valid(store, "ChangeBaremetalServerName", reply.json())
    assert address["version"] == 4
    assert isinstance(
        renamed["os-extended-volumes:volumes_attached"][0]["delete_on_termination"], bool
    )
    assert details["name"] == "bmscert-new"


def test_metadata_is_merged_and_the_reply_echoes_the_submitted_pairs(target):
    server = target.server_named(RUNNING_SERVER_NAME)

    reply = target.post(f"/baremetalservers/{server.id}/metadata", {"metadata": {"owner": "qa"}})
    metadata = target.get(f"/baremetalservers/{server.id}").json()["server"]["metadata"]

    assert reply.json() == {"metadata": {"owner": "qa"}}
    assert (metadata["owner"], metadata["purpose"]) == ("qa", "web")


def test_attach_and_detach_land_when_their_jobs_end(target, store):
    server = target.server_named(RUNNING_SERVER_NAME)
    volume = target.project.volumes[target.ids["volume_id"]]
    path = f"/baremetalservers/{server.id}"

    attach = target.post(f"{path}/attachvolume", {"volumeAttachment": {"volumeId": volume.id}})
    during = volume.status
    target.wait(attach.json()["job_id"])
    listed = target.get(f"{path}/os-volume_attachments").json()["volumeAttachments"]
    detach = target.delete(f"{path}/detachvolume/{volume.id}")
    target.wait(detach.json()["job_id"])

    assert (attach.status_code, detach.status_code) == (202, 202)
    assert _valid(store, "AttachBaremetalServerVolume", attach.json())
    assert during == "attaching"
    assert volume.id in {item["volumeId"] for item in listed}
    assert volume.status == "available"
    assert volume.id not in {a.volume_id for a in server.attachments}


def test_the_system_disk_of_a_running_server_cannot_be_detached(target):
    server = target.server_named(RUNNING_SERVER_NAME)
    system = next(a for a in server.attachments if a.device == "/dev/sda")

    reply = target.delete(f"/baremetalservers/{server.id}/detachvolume/{system.volume_id}")

    assert reply.json()["error"]["code"] == "BMS.0006"
    assert system in server.attachments


@pytest.mark.parametrize(("choice", "status"), [("204", 204), ("200", 200)])
def test_the_password_reset_answers_the_chosen_status_without_a_body(seeded, choice, status):
    behaviours = resolve_behaviours({"reset_password_status": choice})
    with _target(behaviours=behaviours) as client:
        target = Target(client, seeded)
        body = {"reset-password": {"new_password": "Bc-0123456789x"}}
        reply = target.put(f"/baremetalservers/{seeded['server_id']}/os-reset-password", body)

    assert (reply.status_code, reply.content) == (status, b"")


def test_deleting_the_windows_password_leaves_an_empty_one(target):
    server = next(s for s in target.project.servers.values() if s.windows_password)

    reply = target.delete(f"/baremetalservers/{server.id}/os-server-password")
    shown = target.get(f"/baremetalservers/{server.id}/os-server-password").json()

    assert (reply.status_code, reply.content) == (202, b"")
    assert shown == {"password": ""}


def test_a_signed_request_is_accepted_for_a_known_key_and_refused_for_another(seeded):
    accounts = {"main": Account(access_key="AKGOOD", secret_key="good-secret-key")}
    with live_target(authenticated=False, accounts=accounts) as client:
        url = f"{client.base_url}/v1/{seeded['project_id']}/baremetalservers/limits"
        good = AkSkAuth("AKGOOD", "good-secret-key", seeded["project_id"])
        unknown = AkSkAuth("AKBAD", "good-secret-key", seeded["project_id"])
        replies = [
            httpx.get(signed.url, headers=signed.headers)
            for signed in (s.signed(Outgoing("GET", url)) for s in (good, unknown))
        ]

    assert replies[0].status_code == 200
    assert (replies[1].status_code, replies[1].json()["error_code"]) == (401, "APIGW.0301")


@pytest.mark.parametrize(
    ("content", "status"),
    [(b"{nope", 400), (b"[" * 50_000, 400), (b"[]", 400), (b"\xff\xfe\x00", 400)],
)
def test_a_body_that_is_not_a_json_object_never_gets_a_5xx(target, content, status):
    reply = target.client.post(target.base + "/baremetalservers", content=content)

    assert reply.status_code == status
    assert "error" in reply.json()


def test_a_streamed_body_past_the_limit_gets_413_without_a_declared_length(target):
    def chunks():
        for _ in range(13):
            yield b"a" * (1024 * 1024)

    reply = target.client.post(target.base + "/baremetalservers", content=chunks())

    assert (reply.status_code, reply.json()["error_code"]) == (413, "APIGW.0201")


def test_the_job_regress_fault_shows_a_finished_job_running_again(seeded):
    with _target(faults=("job-regress:BatchStopBaremetalServers",)) as client:
        target = Target(client, seeded)
        server = target.server_named(RUNNING_SERVER_NAME)
        job_id = target.action("os-stop", [server.id]).json()["job_id"]
        first = target.wait(job_id)
        again = target.get(f"/jobs/{job_id}").json()

    assert (first["status"], again["status"]) == ("SUCCESS", "RUNNING")


def test_the_name_filter_matches_exactly_when_chosen(seeded):
    behaviours = resolve_behaviours({"name_filter": "exact"})
    with _target(behaviours=behaviours) as client:
        target = Target(client, seeded)
        partial = target.get("/baremetalservers/detail", params={"name": "bms-web"}).json()
        whole = target.get("/baremetalservers/detail", params={"name": "bms-web-01"}).json()

    assert (partial["count"], whole["count"]) == (0, 1)


def test_offset_is_a_page_number_and_count_the_total(target):
    first = target.get("/baremetalservers/detail", params={"limit": 2, "offset": 1}).json()
    second = target.get("/baremetalservers/detail", params={"limit": 2, "offset": 2}).json()

    assert (first["count"], second["count"]) == (3, 3)
    assert (len(first["servers"]), len(second["servers"])) == (2, 1)
