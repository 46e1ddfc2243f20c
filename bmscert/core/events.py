"""The structured event stream every report is built from.

Runners append one JSON object per line: a request sent, a check decided, a test finished,
a load sample. Reports read these files; nobody scrapes logs. Each process writes its own
file, so no two processes append to the same one.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class EventRecorder:
    """Appends events to a JSON-lines file; safe to share between threads."""

    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.Lock()
        self._handle = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = path.open("a", encoding="utf-8")

    def emit(self, kind: str, **fields: Any) -> None:
        if self._handle is None:
            return
        line = json.dumps({"kind": kind, "ts": round(time.time(), 6), **fields}, default=str)
        with self._lock:
            self._handle.write(line + "\n")
            self._handle.flush()

    def close(self) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.close()
                self._handle = None


def read_events(*paths: Path) -> Iterator[dict[str, Any]]:
    """Every event in ``paths`` that exist, file by file; a torn last line is skipped."""
    for path in paths:
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    continue
