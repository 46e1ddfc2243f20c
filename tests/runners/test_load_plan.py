"""The load plan and the tally: which operations, what rate, what counts as what."""

import pytest

from bmscert.core.profile import Profile
from bmscert.runners.load_plan import LoadTally, classify, percentiles, plan_load

PROFILE = Profile(
    name="t",
    source="t",
    kind="embedded",
    endpoints={"bms": "http://127.0.0.1:1", "ecs": "http://127.0.0.1:2"},
    project_id="p1",
    resources={"server_id": "s1", "job_id": "j1", "api_version": "v1"},
    window_seconds=10,
    load_fraction=0.5,
)


def test_every_read_with_a_ceiling_is_planned_at_its_fraction(catalogue):
    plan = {p.operation_id: p for p in plan_load(PROFILE, catalogue)}
    assert len(plan) == 11
    assert plan["ListVersions"].rate_per_second == pytest.approx(100.0)
    assert plan["ShowWindowsBaremetalServerPwd"].rate_per_second == pytest.approx(2.5)
    assert plan["ShowJobInfos"].path == "/v1/p1/jobs/j1"


def test_writes_and_nova_operations_are_not_planned(catalogue):
    planned = {p.operation_id for p in plan_load(PROFILE, catalogue)}
    assert "CreateBareMetalServers" not in planned
    assert "list_servers" not in planned


def test_an_operation_whose_ids_are_unknown_is_left_out(catalogue):
    profile = Profile(
        name="t", source="t", kind="remote", endpoints=PROFILE.endpoints, project_id="p1"
    )
    planned = {p.operation_id for p in plan_load(profile, catalogue)}
    assert "ShowJobInfos" not in planned
    assert "ShowTenantQuota" in planned


@pytest.mark.parametrize(
    ("status", "outcome"),
    [(200, "accepted"), (202, "accepted"), (429, "throttled"), (500, "failed")],
)
def test_replies_are_classified(status, outcome):
    assert classify(status) == outcome


def test_the_tally_counts_per_operation_and_second():
    tally = LoadTally(started=100.0)
    tally.add("A", 200, 1.0, 100.2)
    tally.add("A", 429, 1.0, 100.9)
    tally.add("A", 200, 1.0, 101.5)
    samples = [e for e in tally.events() if e["kind"] == "load_sample"]
    assert [(e["second"], e["accepted"], e["throttled"]) for e in samples] == [
        (0, 1, 1),
        (1, 1, 0),
    ]


def test_percentiles_are_exact_nearest_rank():
    figures = percentiles([float(n) for n in range(1, 101)])
    assert (figures["p50_ms"], figures["p90_ms"], figures["p99_ms"], figures["max_ms"]) == (
        50.0,
        90.0,
        99.0,
        100.0,
    )
