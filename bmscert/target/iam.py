"""Who may call the reference target: its users' tokens and access keys, and a small IAM.

The seeded world has two projects with two users each (``main`` and ``peer`` in the first,
``other`` and ``other_peer`` in the second). ``IdentityStore`` holds what proves a caller is
one of them:

- tokens: the main user's ready token from the settings, each account's ready token, tokens
  the IAM endpoint issued (they expire after ``token_seconds``), and an already expired one
  per account for the expired-token case;
- access keys, each with its secret key and, for temporary credentials, a security token the
  request must carry (signed) in ``X-Security-Token``; more than five failed signatures in a
  row lock a key for five minutes, as the gateway documents.

``iam_routes`` is the IAM endpoint: ``POST /v3/auth/tokens`` with a password login scoped to a
project answers 201, the token in ``X-Subject-Token`` and its ``expires_at`` in the body.
"""

from __future__ import annotations

import json
import secrets
import string
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bmscert.target.http import gateway_error
from bmscert.target.model import User
from bmscert.target.settings import ROLES, Account, TargetSettings

# Issued tokens carry a mark of their own, so a test can look for any of them in a report.
ISSUED_PREFIX = "bmscert-iam-"
LOCK_AFTER_FAILURES = 5
LOCK_SECONDS = 300.0
_AK_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Issued:
    """A token: whose, and until when (None: as long as the target runs)."""

    user: User
    expires_at: float | None = None


@dataclass(frozen=True)
class AccessKey:
    user: User
    secret_key: str
    security_token: str = ""


def _generated(account: Account, role: str, token: str = "") -> Account:
    """The account with every empty secret filled in (the main user's token from the
    settings); only ``peer`` gets temporary keys, so both kinds are exercised whenever the
    harness uses every identity."""
    return replace(
        account,
        password=account.password or secrets.token_urlsafe(12),
        token=account.token or token or secrets.token_urlsafe(24),
        expired_token=account.expired_token or secrets.token_urlsafe(24),
        access_key=account.access_key or "".join(secrets.choice(_AK_ALPHABET) for _ in range(20)),
        secret_key=account.secret_key or secrets.token_urlsafe(30),
        security_token=account.security_token
        or (secrets.token_urlsafe(48) if role == "peer" else ""),
    )


def iso_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class IdentityStore:
    """Tokens, access keys and passwords of the seeded users, checked on every call."""

    def __init__(self, users: dict[str, User], settings: TargetSettings):
        self.settings = settings
        self.users = users
        self.accounts = {
            role: _generated(
                settings.accounts.get(role, Account()),
                role,
                settings.token if role == "main" else "",
            )
            for role in ROLES
            if role in users
        }
        self.tokens: dict[str, Issued] = {}
        self.keys: dict[str, AccessKey] = {}
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        for role, account in self.accounts.items():
            user = users[role]
            self.tokens[account.token] = Issued(user)
            self.tokens[account.expired_token] = Issued(user, expires_at=settings.now() - 3600)
            self.keys[account.access_key] = AccessKey(
                user, account.secret_key, account.security_token
            )

    @property
    def main(self) -> User:
        return self.users["main"]

    def user_of_token(self, token: str) -> User:
        issued = self.tokens.get(token)
        if issued is None:
            raise refused("decrypt token fail")
        if issued.expires_at is not None and self.settings.now() >= issued.expires_at:
            raise refused(f"token expires, expires_at: {iso_time(issued.expires_at)}")
        return issued.user

    def access_key(self, access_key: str) -> AccessKey:
        key = self.keys.get(access_key)
        if key is None:
            raise refused(f"ak {access_key} not exist")
        if self._locked_until.get(access_key, 0.0) > self.settings.now():
            raise refused("AK access failed to reach the limit,forbidden")
        return key

    def signature_failed(self, access_key: str) -> None:
        failures = self._failures.get(access_key, 0) + 1
        self._failures[access_key] = failures
        if failures > LOCK_AFTER_FAILURES:
            self._locked_until[access_key] = self.settings.now() + LOCK_SECONDS
            self._failures[access_key] = 0

    def signature_passed(self, access_key: str) -> None:
        self._failures.pop(access_key, None)

    def issue(self, user: User) -> tuple[str, Issued]:
        token = ISSUED_PREFIX + secrets.token_urlsafe(48)
        issued = Issued(user, expires_at=self.settings.now() + self.settings.token_seconds)
        self.tokens[token] = issued
        return token, issued

    def login(self, domain: str, name: str, password: str) -> User | None:
        for role, user in self.users.items():
            account = self.accounts.get(role)
            if account is None or (user.domain_name, user.name) != (domain, name):
                continue
            if secrets.compare_digest(account.password, password):
                return user
        return None


def refused(reason: str):
    """A gateway 401: the caller's credentials do not hold."""
    return gateway_error(401, "APIGW.0301", f"Incorrect IAM authentication information: {reason}")


def _keystone_error(status: int, title: str, message: str) -> Response:
    body = {"error": {"code": status, "title": title, "message": message}}
    return JSONResponse(body, status, headers={"X-Request-Id": uuid.uuid4().hex})


def _password_user(body: Any) -> dict[str, Any]:
    """The ``auth.identity.password.user`` member of a login body; KeyError if absent."""
    identity = body["auth"]["identity"]
    if "password" not in identity.get("methods", []):
        raise KeyError("methods")
    user = identity["password"]["user"]
    if not all(isinstance(user.get(k), str) for k in ("name", "password")):
        raise KeyError("user")
    return user


def _scoped_project(body: Any, user: User, world_projects: dict[str, Any]) -> str | None:
    """The project the token is for: the one named in the scope, if the user is in it."""
    project = body["auth"].get("scope", {}).get("project")
    if project is None:
        return user.project_id
    wanted = project.get("id") or next(
        (pid for pid, p in world_projects.items() if p.name == project.get("name")), None
    )
    return wanted if wanted == user.project_id else None


def _token_body(user: User, issued: Issued, now: float, project: Any) -> dict[str, Any]:
    domain = {"id": user.domain_id, "name": user.domain_name}
    return {
        "token": {
            "methods": ["password"],
            "issued_at": iso_time(now),
            "expires_at": iso_time(issued.expires_at or now),
            "user": {"id": user.id, "name": user.name, "domain": domain},
            "project": {"id": project.id, "name": project.name, "domain": domain},
            "roles": [{"id": uuid.uuid5(uuid.NAMESPACE_DNS, "te_admin").hex, "name": "te_admin"}],
            "catalog": [],
        }
    }


def iam_routes(store: IdentityStore, world: Any) -> list[Route]:
    async def issue_token(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            wanted = _password_user(body)
        except (ValueError, KeyError, TypeError, AttributeError):
            return _keystone_error(400, "Bad Request", "The request body is not a password login")
        domain = wanted.get("domain", {}).get("name", "")
        user = store.login(domain, wanted["name"], wanted["password"])
        if user is None:
            return _keystone_error(401, "Unauthorized", "The username or password is wrong.")
        project_id = _scoped_project(body, user, world.projects)
        if project_id is None:
            return _keystone_error(401, "Unauthorized", "The user has no role in that project.")
        token, issued = store.issue(user)
        now = store.settings.now()
        headers = {"X-Subject-Token": token, "X-Request-Id": uuid.uuid4().hex}
        content = _token_body(user, issued, now, world.projects[project_id])
        return JSONResponse(content, 201, headers=headers)

    return [Route("/v3/auth/tokens", issue_token, methods=["POST"])]
