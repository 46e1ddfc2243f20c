"""The cleanup deletes what the ledger says the run created, and nothing else."""

import pytest

from bmscert.core.auth import TokenAuth
from bmscert.core.client import ApiClient
from bmscert.core.ledger import Claims, Ledger, read_ledger
from bmscert.core.naming import resource_name
from bmscert.core.profile import Profile
from bmscert.runners.cleanup import clean_up
from bmscert.runners.fleet import create_body
from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import TargetSettings
from tests.conftest import TEST_TOKEN

RUN = "20240101-000000-abcd"
ENVIRON = {"BMSCERT_TOKEN": TEST_TOKEN}


@pytest.fixture
def scene(tmp_path, catalogue):
    quick = dict.fromkeys(("create", "start", "stop", "reboot"), 0.05)
    with ThreadedTarget(TargetSettings(token=TEST_TOKEN, job_seconds=quick)) as running:
        info = running.info
        profile = Profile(
            name="cleanup",
            source="test",
            kind="remote",
            endpoints=info["endpoints"],
            project_id=info["resources"]["project_id"],
            resources=info["resources"],
            safety_allow=("readonly", "mutating"),
        )
        ledger = Ledger(tmp_path / "ledger.jsonl")
        client = ApiClient(profile, catalogue, TokenAuth(TEST_TOKEN), ledger=ledger)
        yield profile, client, running.target.world.projects[profile.project_id], ledger.path
        client.close()
        ledger.close()


def _nova_server(client, name):
    ids = client.profile.resources
    body = {
        "server": {
            "name": name,
            "imageRef": ids["image_id"],
            "flavorRef": ids["flavor_id"],
            "availability_zone": ids["availability_zone"],
            "networks": [{"uuid": ids["subnet_id"]}],
        }
    }
    return client.call("create_server", json_body=body).json["server"]["id"]


def _names(project):
    return {server.name for server in project.servers.values()}


def test_a_dry_run_lists_what_it_would_delete_and_deletes_nothing(scene, catalogue):
    profile, client, project, ledger = scene
    _nova_server(client, resource_name("nova", RUN))
    before = _names(project)

    report = clean_up(profile, catalogue, ledger, RUN, dry_run=True, environ=ENVIRON)

    assert len(report.planned) == 1
    assert _names(project) == before


def test_servers_and_key_pairs_the_run_created_are_deleted_and_the_ledger_says_so(
    scene, catalogue
):
    profile, client, project, ledger = scene
    seeded = _names(project)
    _nova_server(client, resource_name("nova", RUN))
    order = create_body(profile.resources, resource_name("order", RUN), count=2)
    assert client.call("CreateBareMetalServers", json_body=order).status == 200
    client.call("create_keypair", json_body={"keypair": {"name": resource_name("key", RUN)}})

    report = clean_up(profile, catalogue, ledger, RUN, environ=ENVIRON)

    assert len(report.deleted) == 4
    assert report.left == []
    assert _names(project) == seeded
    assert read_ledger(ledger)[-1]["event"] == "cleanup"
    assert Claims.from_records(read_ledger(ledger)).outstanding() == []
    assert clean_up(profile, catalogue, ledger, RUN, environ=ENVIRON).deleted == []


def test_a_server_whose_create_never_answered_is_deleted_only_if_it_carries_the_run_id(
    scene, catalogue
):
    profile, client, project, ledger = scene
    ours, foreign = resource_name("lost", RUN), "bms-a-colleagues-server"
    for name in (ours, foreign):
        _nova_server(TokenClient(client), name)
        Ledger(ledger).append("requested", "server", name=name, identity="main")

    report = clean_up(profile, catalogue, ledger, RUN, environ=ENVIRON)

    assert ours not in _names(project)
    assert foreign in _names(project)
    assert [item["reason"] for item in report.left] == [f"it does not carry run id {RUN}"]


class TokenClient:
    """The same client without the ledger: the create is unknown to the run, as when a run
    was killed between sending a create and writing its reply down."""

    def __init__(self, client):
        self._client = client

    def call(self, *args, **kwargs):
        ledger, self._client.ledger = self._client.ledger, None
        try:
            return self._client.call(*args, **kwargs)
        finally:
            self._client.ledger = ledger

    @property
    def profile(self):
        return self._client.profile
