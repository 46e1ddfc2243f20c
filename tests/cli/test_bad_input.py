"""Bad input gets one clear line naming what to fix, and an exit code of its own."""

import socket

from bmscert.errors import ExitCode
from tests.helpers import assert_one_clean_error_line, only_summary, run_bmscert


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _remote_profile(tmp_path, url, extra=""):
    path = tmp_path / "remote.yaml"
    path.write_text(
        "name: remote\n"
        f"target:\n  kind: remote\n  endpoints: {{bms: '{url}'}}\n  project_id: p1\n" + extra,
        encoding="utf-8",
    )
    return path


def test_a_missing_profile_file_is_a_config_error(tmp_path):
    result = run_bmscert("run", "--target", tmp_path / "absent.yaml", "--reports", tmp_path)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "absent.yaml does not exist" in line


def test_an_unknown_profile_key_is_a_config_error(tmp_path):
    profile = _remote_profile(tmp_path, "http://127.0.0.1:1", "flavour: vanilla\n")
    result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r")
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "unknown key flavour" in line


def test_an_unknown_operation_is_a_config_error(tmp_path):
    result = run_bmscert("run", "--operations", "MakeCoffee", "--reports", tmp_path)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "MakeCoffee" in line


def test_an_unknown_fault_is_a_config_error(tmp_path):
    result = run_bmscert("run", "--fault", "melt:ListVersions", "--reports", tmp_path)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "unknown fault" in line


def test_a_missing_token_variable_is_an_environment_error(tmp_path):
    profile = _remote_profile(tmp_path, "http://127.0.0.1:1")
    result = run_bmscert(
        "run", "--target", profile, "--reports", tmp_path / "r", env={"BMSCERT_TOKEN": ""}
    )
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert "BMSCERT_TOKEN" in line


def test_an_unreachable_target_is_an_environment_error_and_the_summary_says_so(tmp_path):
    url = f"http://127.0.0.1:{_free_port()}"
    profile = _remote_profile(tmp_path, url)
    reports = tmp_path / "r"
    result = run_bmscert(
        "run", "--target", profile, "--reports", reports, env={"BMSCERT_TOKEN": "t" * 12}
    )
    line = assert_one_clean_error_line(result)
    summary = only_summary(reports)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert "unreachable" in line
    assert url in line
    assert summary["verdict"] == "error"
    assert summary["exit_code"] == ExitCode.ENVIRONMENT


def test_a_busy_port_for_the_reference_target_is_an_environment_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = run_bmscert("serve", "--bms-port", busy.getsockname()[1], timeout=30)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert "--bms-port" in line


def test_a_fault_against_a_remote_target_is_refused(tmp_path):
    profile = _remote_profile(tmp_path, "http://127.0.0.1:1")
    result = run_bmscert(
        "run", "--target", profile, "--fault", "skip-auth:ListVersions", "--reports", tmp_path
    )
    assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
