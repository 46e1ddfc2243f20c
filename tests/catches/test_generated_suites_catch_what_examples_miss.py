"""The property and stateful suites catch wrong targets that the hand-written cases let pass.

Each case runs the real ``bmscert run`` twice against the embedded target with one
deliberate defect: once with only the generated suites (``--suites property,stateful``),
which must fail, naming the operation, with every failure coming from a generated test; and
once with only the hand-written suite, which must pass. The defects are the five the issue
names; each is wrong in a way a hand-written example does not reach (a long tag made of
ASCII letters only, one metadata pair at a time, a change read back through the family that
made it). A fixed seed keeps the runs repeatable; the budget is the catch profile's.
"""

from pathlib import Path

import pytest

from tests.helpers import run_many

PROFILE = Path(__file__).parents[1] / "profiles" / "catch-generated.yaml"
SEED = "20261204"
GENERATED_FILES = ("test_properties_", "test_stateful_")

CASES = [
    pytest.param(
        "ascii-length:replace_server_tags",
        "replace_server_tags",
        id="a-tag-longer-than-the-limit-accepted",
    ),
    pytest.param(
        "long-metadata-key:UpdateBaremetalServerMetadata",
        "UpdateBaremetalServerMetadata",
        id="a-256-character-metadata-key-accepted",
    ),
    pytest.param(
        "crash-on-empty:update_server_metadata",
        "update_server_metadata",
        id="a-500-on-an-empty-metadata-object",
    ),
    pytest.param(
        "stale-nova-view:BatchStopBaremetalServers",
        "BatchStopBaremetalServers",
        id="a-stop-through-bms-not-seen-through-nova",
    ),
    pytest.param(
        "apply-invalid:update_server_metadata",
        "update_server_metadata",
        id="an-invalid-request-changes-state-before-it-is-refused",
    ),
]


def _command(fault: str, operation: str, suites: str) -> list[str]:
    return [
        "run",
        "--target",
        PROFILE,
        "--operations",
        operation,
        "--skip-load",
        "--suites",
        suites,
        "--seed",
        SEED,
        "--fault",
        fault,
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each defect under the generated suites and under the hand-written ones, side by side."""
    commands = {}
    for case in CASES:
        fault, operation = case.values
        commands[f"{case.id}-generated"] = _command(fault, operation, "property,stateful")
        commands[f"{case.id}-handwritten"] = _command(fault, operation, "handwritten")
    folder = tmp_path_factory.mktemp("generated-catches")
    return folder, run_many(commands, folder, timeout=600)


@pytest.mark.parametrize(("fault", "operation"), CASES)
def test_the_generated_suites_fail_the_wrong_target_naming_the_operation(
    request, runs, fault, operation
):
    _, results = runs
    key = f"{request.node.callspec.id}-generated"
    result, summary = results[key]
    assert result.returncode == 1, result.stdout + result.stderr
    assert summary["verdict"] == "fail"
    entry = summary["operations"][operation]
    assert entry["verdict"] == "fail", entry
    tests = {failure["test"].split("::")[0] for failure in entry["failures"]}
    assert tests
    assert all(name.startswith(GENERATED_FILES) for name in tests), tests
    assert summary["generation"]["seed"] == int(SEED)
    assert f"seed {SEED}" in result.stdout


@pytest.mark.parametrize(("fault", "operation"), CASES)
def test_the_shrunk_example_is_attached_as_redacted_curl_lines_and_kept(
    request, runs, fault, operation
):
    folder, results = runs
    key = f"{request.node.callspec.id}-generated"
    _, summary = results[key]
    allure = folder / key / summary["run_id"] / "allure-results"
    shrunk = [
        path.read_text(encoding="utf-8")
        for path in allure.glob("*-attachment.txt")
        if "as redacted curl lines" in path.read_text(encoding="utf-8")
    ]
    assert shrunk, sorted(path.name for path in allure.iterdir())
    assert all("curl " in text and "X-Auth-Token: ***" in text for text in shrunk)
    kept = [
        path for path in (folder / key / ".hypothesis" / "examples").rglob("*") if path.is_file()
    ]
    assert kept, "the failing example is kept for the next run to replay first"


@pytest.mark.parametrize(("fault", "operation"), CASES)
def test_the_hand_written_suite_lets_the_same_wrong_target_pass(request, runs, fault, operation):
    _, results = runs
    result, summary = results[f"{request.node.callspec.id}-handwritten"]
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary["operations"][operation]["verdict"] == "pass"
    assert summary["totals"]["tests_passed"] > 0, summary["totals"]
