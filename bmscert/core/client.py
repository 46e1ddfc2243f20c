"""Calling an operation by its catalogue id, and keeping a faithful record of the exchange.

``ApiClient.call`` fills the path from the catalogue, lets the authorizer add a token or
sign the request (``bmscert.core.auth``), waits for the operation's pacing budget, sends with
httpx and returns an ``Exchange``: the request as sent and the reply as received, which every
check reads. Each call logs one INFO line (operation, status, milliseconds, request id) and
emits one ``request`` event; neither ever carries a secret.

A call that creates a server or a key pair is written to the run's ledger before it is sent
and again when its reply comes back, so the cleanup knows about it even if the run stops
half-way; a successful delete is written too.
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

from bmscert.core.auth import Authorizer, Outgoing
from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.events import EventRecorder
from bmscert.core.ledger import KEYPAIR, SERVER, Ledger
from bmscert.core.pacing import Pacer
from bmscert.core.profile import Profile
from bmscert.core.redact import Redactor
from bmscert.errors import EnvironmentBlocked

logger = logging.getLogger(__name__)

_UNSET: Any = object()
CREATES = {"CreateBareMetalServers": SERVER, "create_server": SERVER, "create_keypair": KEYPAIR}
DELETES = {"delete_server": (SERVER, "server_id"), "delete_keypair": (KEYPAIR, "keypair_name")}


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
        credentials: Authorizer | None,
        *,
        recorder: EventRecorder | None = None,
        pacer: Pacer | None = None,
        phase: str = "conformance",
        ledger: Ledger | None = None,
    ):
        self.profile = profile
        self.catalogue = catalogue
        self.credentials = credentials
        self.redactor = Redactor(credentials.secrets() if credentials else ())
        self.recorder = recorder or EventRecorder(None)
        self.pacer = pacer
        self.phase = phase
        self.ledger = ledger
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
        auth: Authorizer | None = None,
        paced: bool = True,
        recorded: bool = True,
    ) -> Exchange:
        """Send one operation and return the exchange; never raises for an HTTP status.

        ``auth`` sends as another identity (or with a deliberately broken signature) instead
        of the client's own credentials; ``authenticated=False`` sends no credentials at all.
        ``paced=False`` bypasses the pacing budget (the throttle probe must exceed it);
        ``recorded=False`` skips the log line and event for floods of identical calls.
        """
        operation = self.catalogue[operation_id]
        body = content if content is not None else b""
        sent_headers = {"Accept": "application/json"}
        if json_body is not _UNSET:
            body = json.dumps(json_body).encode("utf-8")
        if body:
            sent_headers["Content-Type"] = "application/json"
        sent_headers.update(headers or {})
        request = Outgoing(
            operation.method, self.url_for(operation, path, query), sent_headers, body
        )
        authorizer = (auth or self.credentials) if authenticated else None

        if paced and self.pacer is not None:
            self.pacer.wait_turn(operation)
        if authorizer is not None:
            request = authorizer.authorize(request)
            self.redactor.remember(*authorizer.secrets())
        identity = authorizer.label if authorizer is not None else "none"
        self._ledger_before(operation, json_body, identity)
        exchange = self._send(operation, request)
        self._ledger_after(exchange, json_body, path or {}, identity)
        if recorded:
            self._record(exchange)
        return exchange

    def _send(self, operation: Operation, request: Outgoing) -> Exchange:
        started = time.perf_counter()
        try:
            reply = self._http.request(
                request.method, request.url, headers=request.headers, content=request.body
            )
        except httpx.TransportError as exc:
            raise EnvironmentBlocked(
                f"{operation.id}: cannot reach {self.redactor.text(request.url)} "
                f"({type(exc).__name__}); check the profile's endpoints and that the target "
                "is running"
            ) from None
        elapsed_ms = (time.perf_counter() - started) * 1000

        exchange = Exchange(
            operation=operation.id,
            method=operation.method,
            url=request.url,
            request_headers=request.headers,
            request_body=request.body,
            status=reply.status_code,
            response_headers={name.lower(): value for name, value in reply.headers.items()},
            response_body=reply.content,
            elapsed_ms=elapsed_ms,
            redactor=self.redactor,
        )
        return exchange

    def _ledger_before(self, operation: Operation, json_body: Any, identity: str) -> None:
        """Write down a create before it is sent: if the run stops now, its name is known."""
        kind = CREATES.get(operation.id)
        if self.ledger is None or kind is None:
            return
        name, count = created_name(operation.id, json_body)
        if name:
            self.ledger.append(
                "requested",
                kind,
                name=name,
                count=count,
                operation=operation.id,
                identity=identity,
            )

    def _ledger_after(
        self, exchange: Exchange, json_body: Any, path: Mapping[str, str], identity: str
    ) -> None:
        if self.ledger is None or not 200 <= exchange.status < 300:
            return
        operation = exchange.operation
        if operation in DELETES:
            kind, parameter = DELETES[operation]
            key = "id" if kind == SERVER else "name"
            self.ledger.append("deleted", kind, identity=identity, **{key: path.get(parameter)})
            return
        kind = CREATES.get(operation)
        if kind is None:
            return
        name, count = created_name(operation, json_body)
        reply = exchange.json if isinstance(exchange.json, dict) else {}
        made = reply.get("server") if operation == "create_server" else None
        self.ledger.append(
            "created",
            kind,
            name=name,
            count=count,
            id=made.get("id", "") if isinstance(made, dict) else "",
            job_id=reply.get("job_id", ""),
            order_id=reply.get("order_id", ""),
            operation=operation,
            identity=identity,
        )

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


def created_name(operation_id: str, body: Any) -> tuple[str, int]:
    """The name (and server count) a create body asks for; ("", 0) if it names none."""
    member = "keypair" if operation_id == "create_keypair" else "server"
    spec = body.get(member) if isinstance(body, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        return "", 0
    count = spec.get("count", 1)
    return spec["name"], count if isinstance(count, int) and count > 0 else 1
