"""Bad input gets one clear line naming what to fix, and an exit code of its own."""

import socket

from bmscert.errors import ExitCode
from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import Account, TargetSettings
from tests.helpers import (
    assert_one_clean_error_line,
    only_summary,
    remote_profile,
    run_bmscert,
)


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


SECRET = "s3cret-never-shown-0123"


def test_a_profile_asking_for_both_auth_methods_is_a_config_error(tmp_path):
    profile = _remote_profile(tmp_path, "http://127.0.0.1:1", "auth: {method: 'token,aksk'}\n")
    result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r")
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "both auth methods" in line


def test_a_malformed_credential_is_a_credential_error_that_never_shows_it(tmp_path):
    profile = _remote_profile(tmp_path, "http://127.0.0.1:1")
    env = {"BMSCERT_TOKEN": f"two words {SECRET}"}
    result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r", env=env)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CREDENTIALS
    assert "BMSCERT_TOKEN" in line
    assert SECRET not in result.stdout + result.stderr


def test_mutating_suites_against_a_remote_host_are_refused_without_an_explicit_yes(tmp_path):
    extra = "safety: {allow: [readonly, mutating]}\n"
    profile = _remote_profile(tmp_path, "https://bms.example.invalid", extra)
    result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r")
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "mutate_non_loopback" in line


def _loopback(tmp_path, settings, method):
    running = ThreadedTarget(settings)
    profile = remote_profile(tmp_path, running.info, f"auth: {{method: {method}}}\n")
    return running, profile


def test_a_clock_the_target_sees_far_off_is_named_for_aksk(tmp_path):
    accounts = {"main": Account(access_key="AKSKEW", secret_key=SECRET)}
    settings = TargetSettings(accounts=accounts, clock_offset_seconds=20 * 60)
    env = {"BMSCERT_ACCESS_KEY": "AKSKEW", "BMSCERT_SECRET_KEY": SECRET}
    running, profile = _loopback(tmp_path, settings, "aksk")
    with running:
        result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r", env=env)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.ENVIRONMENT
    assert "20 min behind the target's" in line
    assert SECRET not in result.stdout + result.stderr


def test_an_aksk_pair_the_target_refuses_is_one_line_naming_neither_key(tmp_path):
    accounts = {"main": Account(access_key="AKREAL", secret_key="the-real-secret-key")}
    env = {"BMSCERT_ACCESS_KEY": "AKWRONG0123", "BMSCERT_SECRET_KEY": SECRET}
    running, profile = _loopback(tmp_path, TargetSettings(accounts=accounts), "aksk")
    with running:
        result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r", env=env)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CREDENTIALS
    assert "refused the AK/SK pair" in line
    assert "AKWRONG0123" not in result.stdout + result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_an_iam_login_the_target_refuses_is_one_line_without_the_password(tmp_path):
    running, profile = _loopback(tmp_path, TargetSettings(), "token")
    env = {
        "BMSCERT_TOKEN": "",
        "BMSCERT_IAM_USER": "bmscert-main",
        "BMSCERT_IAM_PASSWORD": SECRET,
        "BMSCERT_IAM_DOMAIN": "bmscert",
    }
    with running:
        result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r", env=env)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CREDENTIALS
    assert "refused the password login" in line
    assert SECRET not in result.stdout + result.stderr


def test_cleanup_of_a_run_id_that_is_not_one_is_a_config_error(tmp_path):
    result = run_bmscert("cleanup", "--run-id", "last-tuesday", "--reports", tmp_path)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "--run-id" in line


def test_an_unknown_suite_is_a_config_error_naming_the_choices(tmp_path):
    result = run_bmscert("run", "--suites", "property,fuzz", "--reports", tmp_path)
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "fuzz" in line
    assert "handwritten, property, stateful" in line


def test_a_zero_generation_budget_is_a_config_error_naming_the_key(tmp_path):
    profile = _remote_profile(
        tmp_path, "http://127.0.0.1:1", "generation:\n  examples_per_operation: 0\n"
    )
    result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r")
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "examples_per_operation" in line


def test_a_negative_or_oversized_seed_is_a_usage_error_naming_the_range(tmp_path):
    for seed in ("-5", str(2**32)):
        result = run_bmscert("run", "--seed", seed, "--reports", tmp_path)
        assert result.returncode == ExitCode.USAGE
        assert "Traceback" not in result.stderr
        assert "is not a seed: give a whole number from 0 to 4294967295" in result.stderr


def test_a_fractional_generation_budget_is_a_config_error_naming_the_key(tmp_path):
    profile = _remote_profile(
        tmp_path, "http://127.0.0.1:1", "generation:\n  examples_per_operation: 6.0\n"
    )
    result = run_bmscert("run", "--target", profile, "--reports", tmp_path / "r")
    line = assert_one_clean_error_line(result)
    assert result.returncode == ExitCode.CONFIG
    assert "generation.examples_per_operation must be a whole number" in line
