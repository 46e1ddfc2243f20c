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

Five more are wrong in ways only generated inputs and stateful models find (the hand-written
cases pad with one repeated letter, send one pair at a time, and read a change back through
the family that made it):

- ``ascii-length:Op``: length limits in Op's request count only ASCII characters, so an
  over-long value (a tag of 81 characters) is accepted when it holds any other character;
- ``long-metadata-key:Op``: Op validates its body with every metadata key cut to 255
  characters, so a longer key is accepted and stored whole;
- ``crash-on-empty:Op``: Op answers 500 when a member of its body is an empty object (an
  empty metadata map);
- ``stale-nova-view:Op``: a server stopped by Op (a BMS native call) goes on showing its
  earlier power state through Nova, until its state changes again;
- ``apply-invalid:Op``: a body that fails validation is first applied with the parts that
  pass on their own (the valid pairs of a map, the valid items of a list), then refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    "ascii-length",
    "long-metadata-key",
    "crash-on-empty",
    "stale-nova-view",
    "apply-invalid",
)
METADATA_KEY_LIMIT = 255
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
        self._stale: dict[str, tuple[float, tuple[str, str, str | None, int]]] = {}

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

    def hide_from_nova(self, server_id: str, until_changed_at: float, shown: tuple) -> None:
        """The fault ``stale-nova-view``: Nova shows ``shown`` (status, vm_state, task_state,
        power_state) for the server while its last change is the one ending at the time
        given."""
        self._stale[server_id] = (until_changed_at, shown)

    def nova_state(self, server_id: str, updated: float) -> tuple | None:
        """The stale state Nova shows for a server, or None when it shows the real one."""
        found = self._stale.get(server_id)
        if found is None or found[0] != updated:
            return None
        return found[1]


def ascii_length_problems(errors: Iterable[Any]) -> list[Any]:
    """The fault ``ascii-length``: drop the ``maxLength`` errors of values whose ASCII
    characters alone fit the limit."""
    kept = []
    for error in errors:
        if error.validator == "maxLength" and isinstance(error.instance, str):
            ascii_only = sum(1 for character in error.instance if ord(character) < 128)
            if ascii_only <= error.validator_value:
                continue
        kept.append(error)
    return kept


def keys_cut(body: Any, limit: int = METADATA_KEY_LIMIT) -> Any:
    """The fault ``long-metadata-key``: the body with the keys of its maps cut to ``limit``."""
    if not isinstance(body, dict):
        return body
    return {key: _cut_keys(value, limit) for key, value in body.items()}


def _cut_keys(node: Any, limit: int) -> Any:
    if isinstance(node, list):
        return [_cut_keys(item, limit) for item in node]
    if not isinstance(node, dict):
        return node
    return {str(key)[:limit]: _cut_keys(value, limit) for key, value in node.items()}


def holds_empty_object(body: Any) -> bool:
    """Whether a member of the body is an empty object (the fault ``crash-on-empty``)."""
    return isinstance(body, dict) and any(value == {} for value in body.values())


def parts_that_pass(body: Any, passes: Callable[[Any], bool]) -> Any:
    """The fault ``apply-invalid``: the body keeping only the pairs of its one map (or the
    items of its one list) that pass on their own; None when nothing would be left."""
    if not isinstance(body, dict) or len(body) != 1:
        return None
    ((key, value),) = body.items()
    if isinstance(value, dict):
        kept: Any = {k: v for k, v in value.items() if passes({key: {k: v}})}
    elif isinstance(value, list):
        kept = [item for item in value if passes({key: [item]})]
    else:
        return None
    return {key: kept} if kept else None


def injected(specs: Iterable[str], kind: str, operation: str) -> bool:
    """Whether the fault ``kind:operation`` is among ``specs``, for handlers that only hold
    the settings (which carry the specs as given, already checked by ``Faults.parse``)."""
    return f"{kind}:{operation}" in specs
