"""Credentials and the ledger for a load process (a Locust process the run starts).

A load process reads the run's resolved profile (its path is in the environment), builds the
main identity's authorizer as the suites do (a ready token, an IAM login renewed before it
expires, or AK/SK signatures through the official signer), and writes every create it sends
to the run's ledger before sending it, and again when the reply comes. The ledger is written
as the calls happen rather than rebuilt from the samples afterwards: the samples reach disk
only when Locust quits, and a run stopped by a signal may never get there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from bmscert.core.auth import Authorizer, Outgoing, credentials_from_env
from bmscert.core.client import CREATES, created_name
from bmscert.core.ledger import Ledger
from bmscert.core.profile import PROFILE_ENV, Profile
from bmscert.errors import BmscertError


class LoadCredentials:
    """Signs (or adds a token to) each load request, and keeps the ledger of creates."""

    def __init__(self, authorizer: Authorizer, ledger: Ledger | None):
        self.authorizer = authorizer
        self.ledger = ledger

    def prepare(
        self, method: str, url: str, body: str | None, extra: dict[str, str] | None = None
    ) -> Outgoing:
        """The request to send: headers (``extra`` too, a microversion say), body and URL as
        the authorizer leaves them; extra headers are added first so a signature covers them."""
        headers = {"Accept": "application/json", **(extra or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        content = body.encode("utf-8") if body is not None else b""
        return self.authorizer.authorize(Outgoing(method, url, headers, content))

    def before_create(self, operation: str, body: str | None) -> None:
        name, count = self._named(operation, body)
        if name:
            self.ledger.append(
                "requested",
                CREATES[operation],
                name=name,
                count=count,
                operation=operation,
                identity=self.authorizer.label,
                phase="load",
            )

    def after_create(self, operation: str, body: str | None, status: int, reply: Any) -> None:
        name, count = self._named(operation, body)
        if not name or not 200 <= status < 300:
            return
        reply = reply if isinstance(reply, dict) else {}
        self.ledger.append(
            "created",
            CREATES[operation],
            name=name,
            count=count,
            job_id=reply.get("job_id", ""),
            order_id=reply.get("order_id", ""),
            operation=operation,
            identity=self.authorizer.label,
            phase="load",
        )

    def server_built(self, name: str, server_id: str) -> None:
        """A created server's id, once its job named it."""
        if self.ledger is not None and server_id:
            identity = self.authorizer.label
            self.ledger.append("created", "server", name=name, id=server_id, identity=identity)

    def _named(self, operation: str, body: str | None) -> tuple[str, int]:
        if self.ledger is None or operation not in CREATES or body is None:
            return "", 0
        try:
            return created_name(operation, json.loads(body))
        except ValueError:
            return "", 0


def load_credentials_from_env() -> LoadCredentials:
    """The run's credentials and ledger; anything missing ends the process with one line."""
    path = os.environ.get(PROFILE_ENV, "")
    if not path:
        raise SystemExit(f"bmscert: {PROFILE_ENV} is not set; start load with `bmscert run`")
    profile = Profile.from_json(Path(path).read_text(encoding="utf-8"))
    try:
        authorizer = credentials_from_env(profile)
    except BmscertError as error:
        raise SystemExit(f"bmscert: {error}") from None
    return LoadCredentials(authorizer, Ledger.from_env())
