"""The base of the stateful models: a hypothesis ``RuleBasedStateMachine`` that drives a target
through generated sequences of calls and, after every step, compares what the target shows
with what a model of the documented rules holds.

A model starts from what the target shows (a run begins wherever the last one left the
server), so no run depends on another. Each rule asks the model what the documents say must
happen (accepted, or refused with which answer), sends the call, checks the answer, waits
for the effect to land (a job to its end, a server to settle, a volume to show), and updates
the model only when the documents say the call took effect. An invariant then reads the
state through both API families and compares it with the model, so a change that one family
shows and the other does not fails the step that made it.

The stateful suites (``conformance/test_stateful_*.py``) subclass ``ModelMachine`` and give
it a ``MachineContext`` before the run; one run is one example of the ``Generation``: its
verdicts are recorded once it passes, and a failing run is shrunk and reported as the curl
lines of its calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from hypothesis.stateful import RuleBasedStateMachine

from bmscert.checks import properties as checks
from bmscert.checks.jobs import judge_trace, poll_job
from bmscert.checks.strategies import RequestStrategies
from bmscert.core import microversion
from bmscert.core.client import Exchange
from bmscert.core.profile import Profile
from bmscert.runners.generation import Example, Generation
from bmscert.runners.workbench import Checkpoint, Workbench

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.2


@dataclass
class MachineContext:
    """What a model needs from the run: the generation, the bench, the server it drives."""

    generation: Generation
    bench: Workbench
    strategies: RequestStrategies
    server_id: str
    checkpoint: Checkpoint | None = None


def follow_job(
    run: Example, profile: Profile, operation_id: str, job_id: str, servers: Iterable[str]
) -> str:
    """Poll a BMS job to its end, verify every read, judge the trace; its final status."""

    def read() -> Exchange:
        reply = run.api.call("ShowJobInfos", path={"job_id": job_id}, recorded=False)
        return run.verify.success(reply)

    trace = poll_job(
        read,
        operation_id,
        job_id,
        poll_seconds=profile.job_poll_seconds,
        timeout_seconds=profile.job_timeout_seconds,
    )
    must_succeed = not (profile.is_embedded and profile.job_failure_rate > 0)
    results = judge_trace(
        trace, set(servers), profile.job_timeout_seconds, must_succeed=must_succeed
    )
    run.settle(results, trace.reads[-1] if trace.reads else None)
    return str(trace.final.get("status", ""))


class ModelMachine(RuleBasedStateMachine):
    """Sends calls through the run's client and judges them; subclasses hold the model."""

    context: ClassVar[MachineContext]

    def __init__(self) -> None:
        super().__init__()
        self.run = self.context.generation.begin_example()
        self.profile = self.context.generation.profile
        self.server_id = self.context.server_id
        self.last = "the model's first read"

    def teardown(self) -> None:
        """Put the target back as the run found it, so every run (and every replay while
        shrinking) starts from the same state; then settle the example."""
        try:
            self.reset()
        except Exception:
            logger.exception("could not put the target back after a model run")
        self.context.generation.end_example(self.run)

    def reset(self) -> None:
        """What a model's run changed, undone (nothing by default)."""

    # ------------------------------------------------------------------ sending

    def send(self, operation_id: str, *, at: str | None = None, **kwargs: Any) -> Exchange:
        """Send a step's call through the run's client; a Nova call names its microversion.
        A failure found after it names this operation."""
        self.last = operation_id
        return self.look(operation_id, at=at, **kwargs)

    def look(self, operation_id: str, *, at: str | None = None, **kwargs: Any) -> Exchange:
        """Send a read that observes the state (it does not become the step's operation)."""
        operation = self.context.generation.catalogue[operation_id]
        if not operation.is_bms:
            version = at or operation.min_microversion or microversion.DEFAULT
            asked = microversion.request_headers(version)
            kwargs["headers"] = {**asked, **kwargs.get("headers", {})}
        return self.run.api.call(operation_id, **kwargs)

    def accepted(self, exchange: Exchange, *, at: str | None = None) -> Exchange:
        """The call was the documented success (and never a 5xx)."""
        self.run.settle([checks.no_server_error(exchange)], exchange)
        operation = self.context.generation.catalogue[exchange.operation]
        version = at or operation.min_microversion or microversion.DEFAULT
        return self.run.verify.success(exchange, microversion=version)

    def refused(
        self,
        exchange: Exchange,
        status: int,
        *,
        code: str | None = None,
        fault: str | None = None,
        naming: tuple[str, ...] = (),
        at: str | None = None,
    ) -> Exchange:
        """The call was refused as the documents say: status, envelope, code or fault."""
        self.run.settle([checks.no_server_error(exchange)], exchange)
        operation = self.context.generation.catalogue[exchange.operation]
        if operation.is_bms:
            return self.run.verify.error(exchange, status, "bms", code)
        version = at or operation.min_microversion or microversion.DEFAULT
        return self.run.verify.nova_error(
            exchange, status, fault or "badRequest", microversion=version, naming=naming
        )

    def refused_as_invalid(self, exchange: Exchange, broken: str) -> None:
        """A request breaking one documented rule: a 4xx in the family's envelope."""
        self.run.settle([checks.no_server_error(exchange, "invalid request")], exchange)
        self.run.settle([checks.refused_as_invalid(exchange, broken)], exchange)
        envelope = self.context.generation.catalogue[exchange.operation].error_envelope
        self.run.verify.error(exchange, exchange.status, envelope)

    # ------------------------------------------------------------------ observing

    def matches(self, what: str, model: Any, observed: Any, read: Exchange) -> None:
        """The target shows what the model holds; a failure names the step that led here."""
        result = checks.observed_state_matches_model(self.last, what, model, observed, read)
        self.run.settle([result], read)

    def read_nova_server(self, at: str = "2.26") -> tuple[dict[str, Any], Exchange]:
        reply = self.run.api.call(
            "show_server",
            path={"server_id": self.server_id},
            headers=microversion.request_headers(at),
        )
        self.run.verify.success(reply, microversion=at)
        return reply.json["server"], reply

    def read_bms_server(self) -> tuple[dict[str, Any], Exchange]:
        reply = self.run.api.call("ListBareMetalServerDetails", path={"server_id": self.server_id})
        self.run.verify.success(reply)
        return reply.json["server"], reply

    def wait_until_settled(self) -> dict[str, Any]:
        """Poll (unrecorded) until no task runs on the server; its last reading."""
        deadline = time.monotonic() + self.profile.job_timeout_seconds
        while True:
            server, _ = self.context.bench.nova_state(self.server_id)
            if server.get("task_state") is None or time.monotonic() > deadline:
                return server
            time.sleep(_POLL_SECONDS)

    def follow(self, exchange: Exchange) -> str:
        """Follow the job a BMS call answered with, for this model's server."""
        job_id = str((exchange.json or {}).get("job_id", ""))
        return follow_job(self.run, self.profile, exchange.operation, job_id, [self.server_id])
