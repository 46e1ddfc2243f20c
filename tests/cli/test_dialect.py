"""``--dialect`` on the command line: checked, and carried to the target and the summary."""

from tests.helpers import only_summary, run_bmscert


def test_an_unknown_dialect_is_a_usage_error_naming_the_choices(tmp_path):
    result = run_bmscert("run", "--dialect", "nova", "--reports", tmp_path)
    assert result.returncode == 2
    assert "huawei" in result.stderr
    assert "openstack" in result.stderr


def test_the_dialect_given_overrides_the_profile_s(tmp_path):
    result = run_bmscert(
        "run",
        "--operations",
        "list_api_versions",
        "--skip-load",
        "--dialect",
        "openstack",
        "--reports",
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert only_summary(tmp_path)["profile"]["dialect"] == "openstack"


def test_a_malformed_maximum_microversion_is_a_one_line_config_error():
    result = run_bmscert("serve", "--max-microversion", "2.x")
    assert result.returncode == 3
    assert result.stderr.strip() == "bmscert: error: --max-microversion '2.x' must look like 2.N"
