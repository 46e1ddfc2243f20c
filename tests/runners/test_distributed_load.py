"""A master with two workers gets the same ceiling verdicts as one load process."""

import csv
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.helpers import only_summary, run_bmscert, run_folders

PROFILE = "tests/profiles/fast-load.yaml"
OPERATIONS = "ShowResetPwd,ShowWindowsBaremetalServerPwd"


def _load(reports, *extra):
    result = run_bmscert(
        "load",
        "--target",
        PROFILE,
        "--operations",
        OPERATIONS,
        "--reports",
        reports,
        *extra,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return only_summary(reports)


@pytest.fixture(scope="module")
def both_runs(tmp_path_factory):
    """The two runs side by side (each target is its own process), to halve the wait."""
    single_reports = tmp_path_factory.mktemp("single")
    distributed_reports = tmp_path_factory.mktemp("distributed")
    with ThreadPoolExecutor(max_workers=2) as pool:
        single = pool.submit(_load, single_reports)
        distributed = pool.submit(_load, distributed_reports, "--workers", "2")
        return single.result(), distributed.result(), distributed_reports


def _verdicts(summary):
    """Verdict, limiter shape and enforced ceiling per loaded operation."""
    return {
        op: (
            entry["verdict"],
            entry["throttling"]["load"]["shape"],
            entry["throttling"]["load"]["estimate_per_window"],
        )
        for op, entry in summary["operations"].items()
        if entry["throttling"]["load"]
    }


def test_one_process_and_a_master_with_two_workers_agree(both_runs):
    single, distributed, _ = both_runs
    one, many = _verdicts(single), _verdicts(distributed)
    assert set(one) == set(many) == set(OPERATIONS.split(","))
    for operation in one:
        assert one[operation][:2] == many[operation][:2]
        assert one[operation][2] == pytest.approx(many[operation][2], rel=0.01)


def test_each_worker_issued_its_own_share_and_together_every_arrival(both_runs):
    _, distributed, reports = both_runs
    (run_dir,) = run_folders(reports)
    files = sorted((run_dir / "load-ceiling").glob("samples-*.csv"))
    shares = []
    for path in files:
        with path.open() as handle:
            shares.append(
                {(row["operation"], int(row["sequence"])) for row in csv.DictReader(handle)}
            )
    planned = sum(
        step["planned"]
        for entry in distributed["operations"].values()
        if entry["throttling"]["load"]
        for step in entry["throttling"]["load"]["steps"]
    )
    assert len(files) == 2
    assert not shares[0] & shares[1]
    assert len(shares[0] | shares[1]) == planned
