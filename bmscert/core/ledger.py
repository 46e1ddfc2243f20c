"""The ledger: every resource a run asks for, written down before the call that creates it
returns, so that a run stopped at any instant can still be cleaned up.

``reports/<run-id>/ledger.jsonl`` holds one JSON object per line. Every process of a run
(pytest, each Locust process, the cleanup) appends to the same file: it is opened with
``O_APPEND`` and each record is a single ``write`` of one line, which the kernel appends
whole, so lines from several processes never interleave. Records, by ``event``:

- ``requested``: a create is about to be sent (kind, name, identity, operation);
- ``created``: the target accepted it (2xx): an id, or for a BMS order its job and order;
- ``refused``: the target refused it (the status), so it should have made nothing;
- ``deleted``: a delete the run made succeeded; ``gone``: a cleanup found it no longer there;
- ``cleanup``: what a cleanup deleted, found gone, or had to leave, and why.

``Claims`` reads the records back into what the run may have left behind. Only resources the
target acknowledged (``created``) or whose name carries the run id are ever deleted.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bmscert.core.credentials import IDENTITIES

LEDGER_ENV = "BMSCERT_LEDGER"
LEDGER_NAME = "ledger.jsonl"
SERVER = "server"
KEYPAIR = "keypair"


class Ledger:
    """Appends records to one ledger file; safe across threads, greenlets and processes."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = None

    @classmethod
    def from_env(cls) -> Ledger | None:
        """The ledger ``bmscert run`` named for this process, if any."""
        path = os.environ.get(LEDGER_ENV, "")
        return cls(Path(path)) if path else None

    def append(self, event: str, kind: str, **fields: Any) -> None:
        record = {"event": event, "kind": kind, "ts": round(time.time(), 3), **fields}
        line = (json.dumps(record, default=str) + "\n").encode("utf-8")
        with self._lock:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
                self._fd = os.open(self.path, flags, 0o600)
            os.write(self._fd, line)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Every whole record of the ledger at ``path``; a torn last line is skipped."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _owner(identity: str) -> str:
    """Whose project a call acted in: a call with no or broken credentials (``none``,
    ``garbage``, ``unknown``) can only have acted in the main identity's, through a target
    that skipped a check."""
    return identity if identity in IDENTITIES else "main"


def expected_names(name: str, count: int) -> list[str]:
    """The names a BMS order of ``count`` servers gives: a suffix per server past one."""
    if count <= 1:
        return [name]
    return [f"{name}-{index:04d}" for index in range(1, count + 1)]


@dataclass
class Claim:
    """One thing the run may have created, as the ledger knows it."""

    kind: str
    identity: str
    name: str = ""
    id: str = ""
    job_id: str = ""
    order_id: str = ""
    acknowledged: bool = False
    deleted: bool = False

    @property
    def label(self) -> str:
        shown = self.id or self.name or self.job_id
        return f"{self.kind} {shown}" + (f" ({self.name})" if self.id and self.name else "")


@dataclass
class Claims:
    """What the ledger says the run created, merged by id, name and order."""

    items: list[Claim] = field(default_factory=list)
    cleanups: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> Claims:
        claims = cls()
        for record in records:
            claims._absorb(record)
        return claims

    def outstanding(self) -> list[Claim]:
        return [claim for claim in self.items if not claim.deleted]

    def _find(self, kind: str, identity: str, **keys: str) -> Claim | None:
        for claim in self.items:
            if claim.kind != kind or claim.identity != identity:
                continue
            if any(value and getattr(claim, name) == value for name, value in keys.items()):
                return claim
        return None

    def _claim(self, kind: str, identity: str, *, name: str = "", id: str = "") -> Claim:
        found = self._find(kind, identity, id=id) or self._find(kind, identity, name=name)
        if found is None:
            found = Claim(kind, identity, name=name, id=id)
            self.items.append(found)
        found.name = found.name or name
        found.id = found.id or id
        return found

    def _absorb(self, record: dict[str, Any]) -> None:
        event, kind = record.get("event"), record.get("kind", "")
        identity = _owner(record.get("identity", "main"))
        if event == "cleanup":
            self.cleanups.append(record)
            return
        if event == "requested":
            for name in expected_names(record.get("name", ""), int(record.get("count", 1))):
                self._claim(kind, identity, name=name)
        elif event == "created":
            self._created(record, kind, identity)
        elif event in ("deleted", "gone"):
            self._settle(kind, identity, record.get("id", ""), record.get("name", ""))

    def _settle(self, kind: str, identity: str, id: str, name: str) -> None:
        """Every claim a delete (or a find that it is gone) answers, by id or by name: one
        server may have been claimed by both, before and after its order's job named it."""
        matched = [
            claim
            for claim in self.items
            if claim.kind == kind
            and claim.identity == identity
            and ((id and claim.id == id) or (name and claim.name == name))
        ]
        for claim in matched or [self._claim(kind, identity, name=name, id=id)]:
            claim.deleted = True

    def _created(self, record: dict[str, Any], kind: str, identity: str) -> None:
        ids = record.get("ids") or ([record["id"]] if record.get("id") else [])
        names = expected_names(record.get("name", ""), int(record.get("count", 1)))
        if not ids:
            for name in names:
                claim = self._claim(kind, identity, name=name)
                claim.acknowledged = True
                claim.job_id = claim.job_id or record.get("job_id", "")
                claim.order_id = claim.order_id or record.get("order_id", "")
            return
        order = record.get("order_id", "")
        ordered = self._find(kind, identity, order_id=order) if order and len(ids) == 1 else None
        for index, server_id in enumerate(ids):
            name = names[index] if record.get("name") and index < len(names) else ""
            claim = ordered or self._claim(kind, identity, name=name, id=server_id)
            claim.id = claim.id or server_id
            claim.acknowledged = True
