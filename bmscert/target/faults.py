"""Deliberate defects, injected on request, to prove that the checks catch a wrong target.

The reference target is faithful by default and is never bent to make a check pass. These
faults exist only so the project's own tests can run the suites against a target that is
wrong on purpose and see them fail. Each fault is ``kind:Operation[:argument]``:

- ``skip-auth:Op``: the operation answers without checking the token;
- ``no-throttle:Op``: the operation is never throttled;
- ``drop-field:Op:a.*.b``: remove a member from the success body (``*`` walks a list);
- ``status:Op:NNN``: answer success with status NNN instead of the documented one;
- ``ceiling-scale:Op:F``: enforce F times the documented ceiling (1.2 is too lax);
- ``throttle-envelope:Op``: answer 429 in the BMS envelope instead of the gateway's;
- ``throttled-effect:Op``: run the handler even for a throttled call, then answer 429;
- ``shared-counters:Op``: count start, reboot and stop on one counter, whatever the
  ``action_counters`` behaviour says (any of the three operations may be named);
- ``job-regress:Op``: a job started by Op shows RUNNING again after it was seen finished;
- ``no-effect:Op``: Op answers and its job succeeds, but the server's state never changes;
- ``skip-quota:Op``: servers Op creates are not counted against the project's quota;
- ``skip-validation:Op``: Op's request is not validated, so an invalid body is accepted;
- ``job-never-ends:Op``: jobs started by Op are shown RUNNING forever;
- ``ignore-min-microversion:Op``: serve a Nova operation below the microversion that
  introduced it (the tag calls below 2.26);
- ``no-microversion-echo:Op``: leave the microversion headers out of the operation's replies;
- ``skip-rule:Op:KEYWORD``: request validation ignores one JSON Schema keyword
  (``skip-rule:replace_server_tags:minLength`` accepts an empty tag);
- ``accept-mismatched-key:set_server_metadata_item``: the item PUT takes a body whose key
  differs from the URL's;
- ``accept-duplicate:create_keypair``: a second key pair of the same name replaces the first;
- ``sign-ignores-query:Op``: the AK/SK verifier leaves the query out of Op's canonical
  request, so a signature still holds after the query was changed;
- ``cross-project:Op``: Op finds servers and jobs of every project, not only the caller's
  (``cross-project:ShowJobInfos`` lets another tenant poll a job);
- ``ignore-url-project:Op``: Op serves the project named in the URL, whoever the caller is;
- ``shared-keypairs:Op``: Op sees the key pairs of every user of the caller's project
  (``shared-keypairs:list_keypairs`` shows one user's pairs to another).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bmscert.core.catalogue import Catalogue
from bmscert.errors import ConfigError
from bmscert.target.http import Reply

KINDS = (
    "skip-auth",
    "no-throttle",
    "drop-field",
    "status",
    "ceiling-scale",
    "throttle-envelope",
    "throttled-effect",
    "shared-counters",
    "job-regress",
    "no-effect",
    "skip-quota",
    "skip-validation",
    "job-never-ends",
    "ignore-min-microversion",
    "no-microversion-echo",
    "skip-rule",
    "accept-mismatched-key",
    "accept-duplicate",
    "sign-ignores-query",
    "cross-project",
    "ignore-url-project",
    "shared-keypairs",
)
NEEDS_ARGUMENT = ("drop-field", "status", "ceiling-scale", "skip-rule")


@dataclass(frozen=True)
class Fault:
    kind: str
    operation: str
    argument: str = ""


def _drop(node: Any, parts: list[str]) -> None:
    if not parts:
        return
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(node, list):
        for item in node:
            _drop(item, rest)
    elif isinstance(node, dict) and head in node:
        if rest:
            _drop(node[head], rest)
        else:
            del node[head]


def _is_positive_number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


class Faults:
    """The faults a target was started with, asked about on the request path."""

    def __init__(self, faults: Iterable[Fault] = ()):
        self._faults = list(faults)

    @classmethod
    def parse(cls, specs: Iterable[str], catalogue: Catalogue) -> Faults:
        faults = []
        for spec in specs:
            kind, _, rest = spec.partition(":")
            operation, _, argument = rest.partition(":")
            if kind not in KINDS:
                raise ConfigError(f"unknown fault {spec!r}; kinds are: {', '.join(KINDS)}")
            if operation not in catalogue:
                raise ConfigError(f"fault {spec!r} names unknown operation {operation!r}")
            if kind in NEEDS_ARGUMENT and not argument:
                raise ConfigError(f"fault {spec!r} needs an argument after the operation")
            if kind == "status" and not argument.isdigit():
                raise ConfigError(f"fault {spec!r}: the status must be a number")
            if kind == "ceiling-scale" and not _is_positive_number(argument):
                raise ConfigError(f"fault {spec!r}: the scale must be a positive number")
            faults.append(Fault(kind, operation, argument))
        return cls(faults)

    def __bool__(self) -> bool:
        return bool(self._faults)

    def has(self, kind: str, operation: str | None = None) -> bool:
        return any(
            f.kind == kind and (operation is None or f.operation == operation)
            for f in self._faults
        )

    def ceiling_scales(self) -> dict[str, float]:
        return {f.operation: float(f.argument) for f in self._faults if f.kind == "ceiling-scale"}

    def arguments(self, kind: str, operation: str) -> set[str]:
        """The arguments of every ``kind`` fault on ``operation`` (skip-rule keywords)."""
        return {f.argument for f in self._faults if f.kind == kind and f.operation == operation}

    def alter(self, operation: str, reply: Reply) -> Reply:
        """Apply the body and status faults of ``operation`` to a success reply."""
        for fault in self._faults:
            if fault.operation != operation or reply.status >= 400:
                continue
            if fault.kind == "drop-field":
                _drop(reply.body, fault.argument.split("."))
            elif fault.kind == "status":
                reply.status = int(fault.argument)
        return reply


def injected(specs: Iterable[str], kind: str, operation: str) -> bool:
    """Whether the fault ``kind:operation`` is among ``specs``, for handlers that only hold
    the settings (which carry the specs as given, already checked by ``Faults.parse``)."""
    return f"{kind}:{operation}" in specs
