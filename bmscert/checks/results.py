"""The outcome of one check, in a form both people and reports can read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from bmscert.core.client import Exchange

Outcome = Literal["passed", "failed", "warning"]


@dataclass(frozen=True)
class CheckResult:
    """What a check decided about one exchange: where, what was documented, what came back."""

    check: str
    operation: str
    outcome: Outcome
    expected: str = ""
    received: str = ""
    request_id: str = ""
    curl: str = ""

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def describe(self) -> str:
        """Several lines: the fault, expected against received, and how to reproduce it."""
        lines = [f"{self.operation}: {self.check} {self.outcome}"]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.received:
            lines.append(f"  received: {self.received}")
        lines.append(f"  request id: {self.request_id or '(none returned)'}")
        if self.curl:
            lines.append(f"  reproduce: {self.curl}")
        return "\n".join(lines)

    def as_event(self) -> dict[str, Any]:
        return asdict(self)


def judged(
    operation: str,
    check: str,
    passed: bool,
    expected: str,
    received: str,
    exchange: Exchange | None,
) -> CheckResult:
    """A pass or a failure about one exchange. Only a failure keeps what was received and a
    curl line: a passing check's reply says nothing the expectation does not."""
    return CheckResult(
        check=check,
        operation=operation,
        outcome="passed" if passed else "failed",
        expected=expected,
        received=received if not passed else "",
        request_id=exchange.request_id if exchange else "",
        curl=exchange.curl() if exchange and not passed else "",
    )
