"""A run whose reports folder is relative (the default, ``reports``) works from any folder:
its phases run inside the run's folder, so the paths handed to them must not be relative."""

import json

from tests.helpers import run_bmscert, run_folders


def test_a_run_with_a_relative_reports_folder_passes_and_writes_there(tmp_path):
    result = run_bmscert(
        "run", "--skip-load", "--operations", "ListVersions,list_keypairs", cwd=tmp_path
    )

    (run_dir,) = run_folders(tmp_path / "reports")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary["verdict"] == "pass"
    assert summary["totals"]["tests_passed"] > 0
    assert not (run_dir / "reports").exists()
