"""Running generated examples inside a certification run: budget, seed, example database,
and what a failing example leaves behind.

The property and stateful suites load this module with ``pytest_plugins``. Each test asks the
``generation`` fixture to run a property over a strategy, or a state machine. Hypothesis
draws the examples; this module makes them certification evidence:

- the budget comes from the profile (``generation.examples_per_operation``,
  ``steps_per_machine``, ``runs_per_machine``), so CI stays quick and a certification run can
  be thorough;
- the seed comes from the run (``bmscert run --seed``, printed and recorded), and the example
  database lives under the reports root, so a rerun replays earlier failures first;
- every request goes through the run's ``ApiClient`` (pacing, events, redaction) and every
  verdict through a ``Verifier``; an example's verdicts are recorded once the example has
  passed, so the many examples hypothesis tries while shrinking a failure leave no trace;
- the failing example, shrunk, is reported as its checks and the sequence of redacted curl
  lines that reproduce it, in the test's failure and as an allure attachment.

Hypothesis keys its database by the test function; every property here runs through one
function, so each test adds its node id to the key (``_hypothesis_internal_add_digest``, the
attribute Hypothesis's own pytest integration sets for parametrized tests).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import Flaky
from hypothesis.strategies import SearchStrategy

from bmscert.checks.results import CheckResult
from bmscert.checks.verifier import Verifier
from bmscert.core.catalogue import Catalogue
from bmscert.core.client import ApiClient, Exchange
from bmscert.core.events import EventRecorder
from bmscert.core.profile import Profile
from bmscert.core.schemas import SchemaStore

logger = logging.getLogger(__name__)

MAX_TRACE = 40
SHRINK_SECONDS = 15.0
_HEALTH_CHECKS = [
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
]


@dataclass(frozen=True)
class Budget:
    """How much the generated suites may do: per operation, per state machine."""

    examples_per_operation: int
    steps_per_machine: int
    runs_per_machine: int

    @classmethod
    def of(cls, profile: Profile) -> Budget:
        return cls(
            profile.examples_per_operation, profile.steps_per_machine, profile.runs_per_machine
        )


class _Buffer(EventRecorder):
    """Holds an example's events until the example is known to count."""

    def __init__(self) -> None:
        super().__init__(None)
        self.events: list[tuple[str, dict[str, Any]]] = []

    def emit(self, kind: str, **fields: Any) -> None:
        self.events.append((kind, fields))


class _ShrinkingTimeUp(BaseException):
    """Ends a hypothesis run whose shrinking has used its time (not a test failure)."""


class ExampleFailed(AssertionError):
    """A generated example broke a property; carries its verdicts and its exchanges."""

    def __init__(self, message: str, example: Example):
        super().__init__(message)
        self.example = example


class TracingClient:
    """The run's client, keeping every exchange of the current example in order."""

    def __init__(self, api: ApiClient, trace: list[Exchange]):
        self._api = api
        self.trace = trace

    def __getattr__(self, name: str) -> Any:
        return getattr(self._api, name)

    def call(self, operation_id: str, **kwargs: Any) -> Exchange:
        exchange = self._api.call(operation_id, **kwargs)
        self.trace.append(exchange)
        return exchange


@dataclass
class Example:
    """One example as it runs: the client to send with and the verifier to judge with."""

    api: TracingClient
    verify: Verifier
    buffer: _Buffer
    trace: list[Exchange] = field(default_factory=list)
    failed: bool = False

    def settle(self, results: list[CheckResult], exchange: Exchange | None = None) -> None:
        """Record the verdicts; fail the example at the first failed one."""
        self.verify.settle(results, exchange)

    def curl_lines(self) -> list[str]:
        shown = self.trace[-MAX_TRACE:]
        lines = [exchange.curl() for exchange in shown]
        hidden = len(self.trace) - len(shown)
        return ([f"# ... {hidden} earlier requests"] if hidden else []) + lines


class Generation:
    """Runs properties and state machines for one test, within the run's budget."""

    def __init__(
        self,
        *,
        profile: Profile,
        catalogue: Catalogue,
        store: SchemaStore,
        api: ApiClient,
        recorder: EventRecorder,
        seed_value: int,
        database: Path | None,
        test_id: str,
    ):
        self.profile = profile
        self.catalogue = catalogue
        self.store = store
        self.api = api
        self.recorder = recorder
        self.seed = seed_value
        self.database = database
        self.test_id = test_id
        self.budget = Budget.of(profile)
        self._first_failure_at: float | None = None
        self._smallest: ExampleFailed | None = None

    def settings(self, examples: int, steps: int | None = None) -> settings:
        database = DirectoryBasedExampleDatabase(self.database) if self.database else None
        extra = {"stateful_step_count": steps} if steps is not None else {}
        return settings(
            max_examples=examples,
            deadline=None,
            database=database,
            derandomize=False,
            report_multiple_bugs=False,
            suppress_health_check=_HEALTH_CHECKS,
            phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
            print_blob=False,
            **extra,
        )

    def begin_example(self) -> Example:
        """A fresh example: its own trace of exchanges and a verifier that holds its
        verdicts back, and fails the example at the first failed one."""
        self._stop_shrinking_when_time_is_up()
        buffer = _Buffer()
        trace: list[Exchange] = []
        holder: dict[str, Example] = {}

        def fail(message: str) -> NoReturn:
            holder["example"].failed = True
            failure = ExampleFailed(message, holder["example"])
            self._remember(failure)
            raise failure

        verifier = Verifier(self.profile, self.catalogue, self.store, buffer, fail=fail)
        verifier.test_id = self.test_id
        example = Example(TracingClient(self.api, trace), verifier, buffer, trace)
        holder["example"] = example
        return example

    def _remember(self, failure: ExampleFailed) -> None:
        """Keep the shortest failing example seen, in case shrinking runs out of time."""
        if self._first_failure_at is None:
            self._first_failure_at = time.monotonic()
        shortest = self._smallest
        if shortest is None or len(failure.example.trace) <= len(shortest.example.trace):
            self._smallest = failure

    def _stop_shrinking_when_time_is_up(self) -> None:
        """Shrinking replays examples against the target, each call paced and every job
        waited for; past ``SHRINK_SECONDS`` the shortest failure found so far is reported."""
        started = self._first_failure_at
        if started is not None and time.monotonic() - started > SHRINK_SECONDS:
            raise _ShrinkingTimeUp

    def end_example(self, example: Example) -> None:
        """An example that passed leaves its verdicts in the event file; a failed one waits
        for the report of the shrunk example."""
        if not example.failed:
            self._flush(example)

    @contextmanager
    def example(self) -> Iterator[Example]:
        example = self.begin_example()
        yield example
        self.end_example(example)

    def _flush(self, example: Example) -> None:
        for kind, fields in example.buffer.events:
            self.recorder.emit(kind, **fields)

    def check(
        self,
        strategy: SearchStrategy,
        body: Callable[[Any, Example], None],
        *,
        examples: int | None = None,
        what: str = "",
    ) -> None:
        """Run ``body`` over ``examples`` drawn from ``strategy`` (the budget by default)."""

        def property_example(drawn: Any) -> None:
            with self.example() as example:
                body(drawn, example)

        digest = self.test_id.encode()
        property_example._hypothesis_internal_add_digest = digest  # type: ignore[attr-defined]
        runs = examples or self.budget.examples_per_operation
        test = self.settings(runs)(given(strategy)(property_example))
        # What hypothesis's @seed sets, without its other effect: @seed switches the example
        # database off, and a failure must be kept for the next run to replay first.
        test._hypothesis_internal_use_seed = self.seed  # type: ignore[attr-defined]
        self._run(test, what)

    def run_machine(self, machine: type, what: str = "") -> None:
        """Run a ``RuleBasedStateMachine`` within the budget's runs and steps."""
        from hypothesis.stateful import run_state_machine_as_test

        machine._hypothesis_internal_use_seed = self.seed  # type: ignore[attr-defined]
        chosen = self.settings(self.budget.runs_per_machine, self.budget.steps_per_machine)
        self._run(lambda: run_state_machine_as_test(machine, settings=chosen), what)

    def _run(self, test: Callable[[], None], what: str) -> None:
        """Run, and report a failing example outside the exception hypothesis raised, so the
        report is the example, not hypothesis's traceback."""
        self._first_failure_at, self._smallest = None, None
        found: tuple[ExampleFailed, bool, bool] | None = None
        try:
            test()
        except _ShrinkingTimeUp:
            if self._smallest is None:
                raise
            found = (self._smallest, True, False)
        except ExampleFailed as failure:
            found = (failure, True, True)
        except Flaky as flaky:
            failure = _first_failure(flaky) or self._smallest
            if failure is None:
                raise
            found = (failure, False, True)
        if found is not None:
            failure, replayed, shrunk = found
            self._report(failure, what, replayed=replayed, shrunk=shrunk)

    def _report(
        self, failure: ExampleFailed, what: str, *, replayed: bool, shrunk: bool = True
    ) -> NoReturn:
        """Record the shrunk example's verdicts, attach its curl lines, and fail the test."""
        example = failure.example
        self._flush(example)
        lines = example.curl_lines()
        note = ""
        if not replayed:
            note = " (it did not fail again when replayed: the answer depends on the state)"
        if not shrunk:
            note = f" (the shortest found in {SHRINK_SECONDS:g} s of shrinking)"
        header = (
            f"{what or 'a property'} failed for a generated example{note}; hypothesis seed "
            f"{self.seed} (bmscert run --seed {self.seed} repeats the run, and any later run "
            "replays the example first from the example database)"
        )
        shape = "shrunk" if shrunk else "as short as shrinking got it"
        reproduce = f"the example, {shape}, as redacted curl lines:\n  " + "\n  ".join(lines)
        _attach(f"{header}\n\n{failure}\n\n{reproduce}")
        pytest.fail(f"{header}\n{failure}\n{reproduce}", pytrace=False)


def _first_failure(error: BaseException | None) -> ExampleFailed | None:
    """The example failure behind hypothesis's report that a replay went differently: in
    the group of failures it gathered, or the error it was handling when it noticed."""
    if error is None or isinstance(error, ExampleFailed):
        return error
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            found = _first_failure(inner)
            if found is not None:
                return found
    return _first_failure(error.__context__)


def _attach(text: str) -> None:
    try:
        import allure
    except ImportError:
        return
    allure.attach(text, name="shrunk example", attachment_type=allure.attachment_type.TEXT)


@pytest.fixture
def generation(
    request: pytest.FixtureRequest,
    bmscert_profile: Profile,
    catalogue: Catalogue,
    schema_store: SchemaStore,
    api: ApiClient,
    recorder: EventRecorder,
) -> Generation:
    """Generated examples for this test, with the run's seed, budget and database."""
    from bmscert.runners.pytest_plugin import generation_seed, hypothesis_database

    config = request.config
    return Generation(
        profile=bmscert_profile,
        catalogue=catalogue,
        store=schema_store,
        api=api,
        recorder=recorder,
        seed_value=generation_seed(config),
        database=hypothesis_database(config),
        test_id=request.node.nodeid,
    )
