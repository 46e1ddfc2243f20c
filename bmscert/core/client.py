"""Calling an operation by its catalogue id, and keeping a faithful record of the exchange.

``ApiClient.call`` fills the path from the catalogue, adds credentials, waits for the
operation's pacing budget, sends with httpx and returns an ``Exchange``: the request as sent
and the reply as received, which every check reads. Each call logs one INFO line
(operation, status, milliseconds, request id) and emits one ``request`` event; neither ever
carries a secret.
"""

from __future__ import annotations

import json
import logging
import shlex
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

import httpx

from bmscert.core.auth import TokenAuth
from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.events import EventRecorder
from bmscert.core.pacing import Pacer
from bmscert.core.profile import Profile
from bmscert.core.redact import Redactor
from bmscert.errors import EnvironmentBlocked

logger = logging.getLogger(__name__)

_UNSET: Any = object()


@dataclass
class Exchange:
    """One request and its reply, as they crossed the wire."""

    operation: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int
    response_headers: dict[str, str]
    response_body: bytes
    elapsed_ms: float
    redactor: Redactor = field(repr=False)

    @cached_property
    def json(self) -> Any:
        """The reply body decoded as JSON, or None when it is empty or not JSON."""
        if not self.response_body:
            return None
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None

    @property
    def request_id(self) -> str:
        from_header = self.response_headers.get("x-request-id", "")
        if from_header:
            return from_header
        body = self.json
        return str(body.get("request_id", "")) if isinstance(body, dict) else ""

    def redacted_request_body(self) -> str:
        if not self.request_body:
            return ""
        try:
            decoded = json.loads(self.request_body)
        except ValueError:
            return self.redactor.text(self.request_body.decode("utf-8", "replace"))
        return json.dumps(self.redactor.body(decoded), ensure_ascii=False)

    def redacted_response_body(self, limit: int = 4000) -> str:
        body = self.json
        if body is None:
            text = self.response_body.decode("utf-8", "replace")
        else:
            text = json.dumps(self.redactor.body(body), ensure_ascii=False, indent=1)
        text = self.redactor.text(text)
        return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"

    def curl(self) -> str:
        """A curl command that repeats this request, with every secret masked."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.redactor.text(self.url))]
        for name, value in self.redactor.headers(self.request_headers).items():
            parts += ["-H", shlex.quote(f"{name}: {value}")]
        body = self.redacted_request_body()
        if body:
            parts += ["--data-raw", shlex.quote(body)]
        return " ".join(parts)


class ApiClient:
    """Sends catalogue operations to the target a profile describes."""

    def __init__(
        self,
        profile: Profile,
        catalogue: Catalogue,
        credentials: TokenAuth | None,
        *,
        recorder: EventRecorder | None = None,
        pacer: Pacer | None = None,
        phase: str = "conformance",
    ):
        self.profile = profile
        self.catalogue = catalogue
        self.credentials = credentials
        self.redactor = Redactor(credentials.secrets() if credentials else ())
        self.recorder = recorder or EventRecorder(None)
        self.pacer = pacer
        self.phase = phase
        self._http = httpx.Client(timeout=profile.request_timeout, follow_redirects=False)

    def close(self) -> None:
        self._http.close()

    def url_for(self, operation: Operation, path: Mapping[str, str] | None, query: Any) -> str:
        params = {"project_id": self.profile.project_id, **(path or {})}
        url = self.profile.endpoint(operation.endpoint) + operation.render_path(params)
        if query:
            url += "?" + urlencode(query, doseq=True)
        return url

    def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, str] | None = None,
        query: Any = None,
        json_body: Any = _UNSET,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        authenticated: bool = True,
        paced: bool = True,
        recorded: bool = True,
    ) -> Exchange:
        """Send one operation and return the exchange; never raises for an HTTP status.

        ``paced=False`` bypasses the pacing budget (the throttle probe must exceed it);
        ``recorded=False`` skips the log line and event for floods of identical calls.
        """
        operation = self.catalogue[operation_id]
        url = self.url_for(operation, path, query)
        body = content if content is not None else b""
        sent_headers = {"Accept": "application/json"}
        if json_body is not _UNSET:
            body = json.dumps(json_body).encode("utf-8")
        if body:
            sent_headers["Content-Type"] = "application/json"
        if authenticated and self.credentials is not None:
            sent_headers.update(self.credentials.headers())
        sent_headers.update(headers or {})

        if paced and self.pacer is not None:
            self.pacer.wait_turn(operation)
        exchange = self._send(operation, url, sent_headers, body)
        if recorded:
            self._record(exchange)
        return exchange

    def _send(
        self, operation: Operation, url: str, headers: dict[str, str], body: bytes
    ) -> Exchange:
        started = time.perf_counter()
        try:
            reply = self._http.request(operation.method, url, headers=headers, content=body)
        except httpx.TransportError as exc:
            raise EnvironmentBlocked(
                f"{operation.id}: cannot reach {self.redactor.text(url)} ({type(exc).__name__});"
                " check the profile's endpoints and that the target is running"
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000

        exchange = Exchange(
            operation=operation.id,
            method=operation.method,
            url=url,
            request_headers=headers,
            request_body=body,
            status=reply.status_code,
            response_headers={name.lower(): value for name, value in reply.headers.items()},
            response_body=reply.content,
            elapsed_ms=elapsed_ms,
            redactor=self.redactor,
        )
        return exchange

    def _record(self, exchange: Exchange) -> None:
        logger.info(
            "%s %s %d %.1f ms request_id=%s",
            exchange.method,
            exchange.operation,
            exchange.status,
            exchange.elapsed_ms,
            exchange.request_id or "-",
        )
        self.recorder.emit(
            "request",
            phase=self.phase,
            operation=exchange.operation,
            method=exchange.method,
            status=exchange.status,
            ms=round(exchange.elapsed_ms, 3),
            request_id=exchange.request_id,
        )
