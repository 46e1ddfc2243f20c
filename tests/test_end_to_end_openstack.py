"""``bmscert run --dialect openstack`` certifies the embedded target as upstream Nova reads
the documents, and every Nova operation passes there too."""

import json

import pytest

from tests.helpers import run_bmscert, run_folders

pytestmark = pytest.mark.slow


def test_every_nova_operation_passes_in_the_openstack_dialect(tmp_path):
    result = run_bmscert("run", "--dialect", "openstack", "--skip-load", "--reports", tmp_path)

    (run_dir,) = run_folders(tmp_path)
    summary = json.loads((run_dir / "summary.json").read_text())
    nova = {k: v for k, v in summary["operations"].items() if v["family"] == "nova-v2.1"}
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dialect openstack" in result.stdout
    assert summary["profile"]["dialect"] == "openstack"
    assert len(nova) == 39
    assert {entry["verdict"] for entry in nova.values()} == {"pass"}
