"""bmscert's pytest plugin: the fixtures and hooks that turn a pytest run into a certification.

The plugin stays inert unless ``--bmscert-profile`` is given, so it does nothing to other
pytest runs in the same environment. When active it:

- selects tests by the profile's safety classes (``readonly``, ``mutating``, ``destructive``
  markers) and by ``--bmscert-operations``; a test the profile does not allow is skipped
  with the reason, never silently passed;
- runs throttle probes last, so they cannot starve the other tests of their budget;
- gives tests an ``api`` client (authenticated as the profile says, writing what it creates
  to the run's ledger), a ``verify`` verifier and the ``resources`` to work on;
- records one ``test`` event per test and labels allure results by family and operation,
  with secret members of parametrized bodies (passwords, keys) masked in allure's record of
  the parameters;
- selects suites (``--bmscert-suites``: the hand-written cases, the ``property`` suites, the
  ``stateful`` models) and gives the generated ones their seed and example database
  (``--bmscert-seed``, ``--bmscert-hypothesis-db``), recorded as one ``generation`` event.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest

from bmscert.checks.results import CheckResult
from bmscert.checks.verifier import Verifier
from bmscert.core.auth import credentials_from_env
from bmscert.core.catalogue import Catalogue, load_catalogue
from bmscert.core.client import ApiClient, Exchange
from bmscert.core.events import EventRecorder
from bmscert.core.ledger import Ledger
from bmscert.core.pacing import Pacer
from bmscert.core.profile import SAFETY_CLASSES, Profile, load_profile
from bmscert.core.redact import RedactingFilter, Redactor
from bmscert.core.schemas import SchemaStore, load_schemas
from bmscert.errors import BmscertError
from bmscert.runners.fleet import Fleet
from bmscert.runners.resources import Resources
from bmscert.runners.selection import new_seed

logger = logging.getLogger(__name__)

_MARKERS = {
    "readonly": "reads only; safe against any tenant",
    "mutating": "changes state of resources the harness owns",
    "destructive": "can disrupt a server (power, reinstall, passwords)",
    "throttle": "pushes an operation past its ceiling on purpose",
    "operation(id)": "the catalogue operation a test certifies",
    "operations(*ids)": "every catalogue operation a test drives (a stateful model)",
    "property": "a property checked over requests generated from the schemas",
    "stateful": "a stateful model checked over generated sequences of calls",
}
SUITES = ("handwritten", "property", "stateful")
_STATE: dict[str, Any] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bmscert", "bmscert certification")
    group.addoption("--bmscert-profile", help="profile: resolved JSON from bmscert run, or YAML")
    group.addoption("--bmscert-events", help="append check and test events here (JSON lines)")
    group.addoption("--bmscert-operations", help="comma-separated operation ids to certify")
    group.addoption(
        "--bmscert-suites",
        help=f"comma-separated suites to run, of {', '.join(SUITES)} (default: all)",
    )
    group.addoption("--bmscert-seed", type=int, help="seed of the generated suites")
    group.addoption("--bmscert-hypothesis-db", help="folder of the hypothesis example database")


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("--bmscert-profile", default=None))


def _load_profile(path: Path) -> Profile:
    if path.suffix == ".json":
        return Profile.from_json(path.read_text(encoding="utf-8"))
    profile = load_profile(path)
    if profile.is_embedded:
        raise pytest.UsageError(
            "an embedded profile needs a running target; use `bmscert run`, which starts one"
        )
    return profile


def pytest_configure(config: pytest.Config) -> None:
    for name, text in _MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if not _active(config):
        return
    try:
        profile = _load_profile(Path(config.getoption("--bmscert-profile")))
    except BmscertError as error:
        raise pytest.UsageError(str(error)) from None
    events = config.getoption("--bmscert-events")
    _STATE["profile"] = profile
    _STATE["recorder"] = EventRecorder(Path(events) if events else None)
    _STATE["suites"] = _chosen_suites(config)
    _STATE["seed"] = config.getoption("--bmscert-seed")
    if _STATE["seed"] is None:
        _STATE["seed"] = new_seed()
    _keep_hypothesis_files_beside(hypothesis_database(config))
    _STATE["recorder"].emit(
        "generation",
        seed=_STATE["seed"],
        database=config.getoption("--bmscert-hypothesis-db") or "",
        suites=list(_STATE["suites"]),
        examples_per_operation=profile.examples_per_operation,
        steps_per_machine=profile.steps_per_machine,
        runs_per_machine=profile.runs_per_machine,
    )


def _chosen_suites(config: pytest.Config) -> tuple[str, ...]:
    text = config.getoption("--bmscert-suites")
    if not text:
        return SUITES
    chosen = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in chosen if name not in SUITES]
    if unknown:
        raise pytest.UsageError(f"unknown suite(s) {', '.join(unknown)}; choose from {SUITES}")
    return chosen


def generation_seed(config: pytest.Config) -> int:
    """The seed every generated suite of this run uses (printed in the pytest header)."""
    return int(_STATE["seed"])


def hypothesis_database(config: pytest.Config) -> Path | None:
    """Where failing examples are kept between runs; None keeps them nowhere."""
    folder = config.getoption("--bmscert-hypothesis-db")
    return Path(folder) if folder else None


def _keep_hypothesis_files_beside(database: Path | None) -> None:
    """Hypothesis keeps a character table it takes seconds to build in its home folder; the
    example database's parent (``reports/.hypothesis``) keeps it between runs too."""
    if database is None:
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    database.mkdir(parents=True, exist_ok=True)
    set_hypothesis_home_dir(database.parent)


def pytest_report_header(config: pytest.Config) -> str | None:
    if not _active(config):
        return None
    return f"bmscert: suites {', '.join(_STATE['suites'])}; hypothesis seed {_STATE['seed']}"


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder = _STATE.pop("recorder", None)
    if recorder is not None:
        recorder.close()
    _STATE.clear()


def operation_of(item: pytest.Item) -> str | None:
    """The operation a test certifies: its ``operation_id`` parameter or ``operation`` mark."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "operation_id" in callspec.params:
        return str(callspec.params["operation_id"])
    marker = item.get_closest_marker("operation")
    return str(marker.args[0]) if marker and marker.args else None


def operations_of(item: pytest.Item) -> set[str]:
    """Every operation a test drives: its own, and those an ``operations`` mark lists."""
    found = {operation_of(item)} - {None}
    for marker in item.iter_markers("operations"):
        found |= {str(arg) for arg in marker.args}
    return found


def suite_of(item: pytest.Item) -> str:
    if item.get_closest_marker("stateful"):
        return "stateful"
    if item.get_closest_marker("property"):
        return "property"
    return "handwritten"


def _safety_of(item: pytest.Item) -> str | None:
    found = [name for name in SAFETY_CLASSES if item.get_closest_marker(name)]
    return found[-1] if found else None


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not _active(config):
        return
    profile: Profile = _STATE["profile"]
    wanted = config.getoption("--bmscert-operations")
    wanted_ids = {op.strip() for op in wanted.split(",")} if wanted else None

    suites = _STATE["suites"]
    kept, dropped = [], []
    for item in items:
        if wanted_ids is not None and not operations_of(item) & wanted_ids:
            dropped.append(item)
            continue
        if suite_of(item) not in suites:
            dropped.append(item)
            continue
        kept.append(item)
        safety = _safety_of(item)
        if safety is None:
            item.add_marker(pytest.mark.skip(reason="test carries no safety marker"))
        elif safety not in profile.safety_allow:
            reason = f"{safety} tests are not allowed by this profile (safety.allow)"
            item.add_marker(pytest.mark.skip(reason=reason))
        elif item.get_closest_marker("throttle") and not profile.throttle_probe:
            item.add_marker(pytest.mark.skip(reason="throttle probe disabled (throttle.probe)"))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    kept.sort(key=lambda item: item.get_closest_marker("throttle") is not None)
    items[:] = kept


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    recorder = _STATE.get("recorder")
    decisive = report.when == "call" or (report.when == "setup" and not report.passed)
    if recorder is not None and decisive:
        recorder.emit(
            "test",
            test=item.nodeid,
            operation=operation_of(item),
            outcome=report.outcome,
            seconds=round(report.duration, 3),
            detail=str(report.longrepr)[-2000:] if report.failed else "",
            skip_reason=report.longrepr[2] if report.skipped and report.longrepr else "",
        )
    return report


@pytest.fixture(scope="session")
def bmscert_profile(pytestconfig: pytest.Config) -> Profile:
    if not _active(pytestconfig):
        pytest.skip("not a bmscert run: pass --bmscert-profile")
    return _STATE["profile"]


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def schema_store() -> SchemaStore:
    return load_schemas()


@pytest.fixture(scope="session")
def recorder(bmscert_profile: Profile) -> EventRecorder:
    return _STATE["recorder"]


@pytest.fixture(scope="session")
def api(bmscert_profile: Profile, catalogue: Catalogue, recorder: EventRecorder):
    credentials = credentials_from_env(bmscert_profile)
    pacer = Pacer(bmscert_profile.pacing_fraction, bmscert_profile.window_seconds)
    ledger = Ledger.from_env()
    client = ApiClient(
        bmscert_profile, catalogue, credentials, recorder=recorder, pacer=pacer, ledger=ledger
    )
    redacting = RedactingFilter(client.redactor)
    logging.getLogger().addFilter(redacting)
    _STATE["redactor"] = client.redactor
    yield client
    logging.getLogger().removeFilter(redacting)
    client.close()
    if ledger is not None:
        ledger.close()


@pytest.fixture(scope="session")
def resources(bmscert_profile: Profile, api: ApiClient) -> Resources:
    return Resources(bmscert_profile, api)


@pytest.fixture(autouse=True)
def _secrets_out_of_allure_parameters(request: pytest.FixtureRequest) -> None:
    """Allure records every parameter of a test; a body parameter may hold a password."""
    callspec = getattr(request.node, "callspec", None)
    if not _active(request.config) or callspec is None:
        return
    try:
        import allure
    except ImportError:
        return
    redactor = _STATE.get("redactor") or Redactor()
    for name, value in callspec.params.items():
        masked = redactor.body(value)
        if masked != value:
            allure.dynamic.parameter(name, masked)


def _attach_to_allure(result: CheckResult, exchange: Exchange | None) -> None:
    try:
        import allure
    except ImportError:
        return
    text = result.describe()
    if exchange is not None:
        text += "\n\nresponse body:\n" + exchange.redacted_response_body()
    allure.attach(text, name=f"{result.check} {result.outcome}", attachment_type="text/plain")


@pytest.fixture
def verify(
    request: pytest.FixtureRequest,
    bmscert_profile: Profile,
    catalogue: Catalogue,
    schema_store: SchemaStore,
    recorder: EventRecorder,
) -> Verifier:
    verifier = Verifier(
        bmscert_profile,
        catalogue,
        schema_store,
        recorder,
        attach=_attach_to_allure,
        fail=lambda message: pytest.fail(message, pytrace=False),
    )
    verifier.test_id = request.node.nodeid
    _label_for_allure(request.node, catalogue)
    return verifier


def _label_for_allure(item: pytest.Item, catalogue: Catalogue) -> None:
    operation_id = operation_of(item)
    if operation_id is None or operation_id not in catalogue:
        return
    try:
        import allure
    except ImportError:
        return
    operation = catalogue[operation_id]
    allure.dynamic.feature(operation.family)
    allure.dynamic.story(operation_id)
    allure.dynamic.tag(_safety_of(item) or "unclassified")


@pytest.fixture(scope="session")
def fleet(bmscert_profile: Profile, api: ApiClient, resources: Resources) -> Fleet:
    """The servers the run creates and lends to mutating tests; the ledger records them."""
    return Fleet(bmscert_profile, api, resources)


def new_uuid() -> str:
    """A fresh id no target can know: the unknown-id cases use it."""
    return str(uuid.uuid4())
