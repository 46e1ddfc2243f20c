"""Discovery mode finds a limit nobody documented, measures it, and leaves the rest alone."""

from tests.helpers import only_summary, run_bmscert


def test_an_undocumented_limit_is_found_measured_and_reported_as_a_warning(tmp_path):
    result = run_bmscert(
        "load",
        "--target",
        "tests/profiles/discovery.yaml",
        "--scenarios",
        "discovery",
        "--operations",
        "list_servers,list_keypairs",
        "--reports",
        tmp_path,
        timeout=300,
    )

    summary = only_summary(tmp_path)
    limited = summary["operations"]["list_servers"]
    free = summary["operations"]["list_keypairs"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert limited["throttling"]["load"]["shape"] == "discovered"
    assert abs(limited["throttling"]["load"]["estimate_per_window"] - 120) <= 6
    assert [w["check"] for w in limited["warnings"]] == ["no_undocumented_throttling"]
    assert free["throttling"]["load"]["estimate_per_window"] is None
    assert free["verdict"] == "pass"
