"""Client authentication, both ways the service offers, behind one small interface.

An ``Authorizer`` turns the request about to be sent (``Outgoing``) into the one that is
sent, and names the secret values a redactor must mask:

- ``TokenAuth`` sends a ready IAM token as ``X-Auth-Token``;
- ``IamTokenAuth`` logs in to IAM with a password (``POST /v3/auth/tokens``; the token comes
  back in ``X-Subject-Token``), keeps the token and logs in again before it expires;
- ``AkSkAuth`` signs every request with SDK-HMAC-SHA256 through the official
  ``huaweicloudsdkcore`` signer, adding ``X-Sdk-Date``, ``X-Project-Id`` and, for temporary
  credentials, ``X-Security-Token``.

``authorizer_for`` builds the one a profile asks for, from the secrets of an identity
(``bmscert.core.credentials``). Errors name the variable to set, never a value.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import httpx

from bmscert.core.credentials import AuthSettings, Secrets, read_secrets
from bmscert.core.profile import Profile
from bmscert.errors import ConfigError, CredentialError, EnvironmentBlocked

logger = logging.getLogger(__name__)

SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# Renew a token when less than this is left, or half its lifetime for short-lived ones.
RENEW_BEFORE_SECONDS = 15 * 60.0


@dataclass
class Outgoing:
    """A request as it will cross the wire: what an authorizer reads and changes."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class Authorizer(Protocol):
    label: str

    def authorize(self, request: Outgoing) -> Outgoing: ...

    def secrets(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class TokenAuth:
    """An IAM token the environment gave, sent as ``X-Auth-Token``."""

    token: str
    label: str = "main"

    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.token}

    def authorize(self, request: Outgoing) -> Outgoing:
        return replace(request, headers={**request.headers, **self.headers()})

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)


@dataclass(frozen=True)
class IamLogin:
    """A password login to IAM, scoped to one project."""

    endpoint: str
    username: str
    password: str
    domain: str
    project_id: str
    timeout: float = 30.0

    def body(self) -> dict[str, Any]:
        user = {"name": self.username, "password": self.password, "domain": {"name": self.domain}}
        return {
            "auth": {
                "identity": {"methods": ["password"], "password": {"user": user}},
                "scope": {"project": {"id": self.project_id}},
            }
        }

    def fetch(self) -> tuple[str, float]:
        """A new token and how many seconds it lives, as IAM's own clock counts them."""
        url = self.endpoint.rstrip("/") + "/v3/auth/tokens"
        try:
            reply = httpx.post(url, json=self.body(), timeout=self.timeout)
        except httpx.TransportError as exc:
            raise EnvironmentBlocked(
                f"cannot reach IAM at {url} ({type(exc).__name__}); check target.endpoints.iam"
            ) from None
        token = reply.headers.get("x-subject-token", "")
        if reply.status_code != 201 or not token:
            raise CredentialError(
                f"IAM at {url} refused the password login of user {self.username!r} for "
                f"project {self.project_id} (HTTP {reply.status_code}); check the user, "
                "password and domain"
            )
        return token, _lifetime(reply)


def _lifetime(reply: httpx.Response) -> float:
    """Seconds from issue to expiry; measured on IAM's clock, so a skewed local clock does
    not move the renewal."""
    try:
        body = reply.json()["token"]
        expires = datetime.fromisoformat(body["expires_at"])
        issued = datetime.fromisoformat(body.get("issued_at") or reply.headers["date"])
    except (ValueError, KeyError, TypeError):
        return 24 * 3600.0
    return max(0.0, (expires - issued).total_seconds())


class IamTokenAuth:
    """Logs in once, sends the token, and logs in again before the token expires."""

    def __init__(self, login: IamLogin, label: str = "main", clock=time.monotonic):
        self.login = login
        self.label = label
        self._clock = clock
        self._lock = threading.Lock()
        self._token = ""
        self._renew_at = 0.0
        self._issued: list[str] = []
        self.logins = 0

    def current_token(self) -> str:
        with self._lock:
            if not self._token or self._clock() >= self._renew_at:
                self._renew()
            return self._token

    def _renew(self) -> None:
        token, lifetime = self.login.fetch()
        self.logins += 1
        self._token = token
        self._issued.append(token)
        self._renew_at = self._clock() + lifetime - min(RENEW_BEFORE_SECONDS, lifetime / 2)
        logger.info("IAM token for %s issued; renewal due in %.0f s", self.label, lifetime)

    def authorize(self, request: Outgoing) -> Outgoing:
        token = self.current_token()
        return replace(request, headers={**request.headers, "X-Auth-Token": token})

    def secrets(self) -> tuple[str, ...]:
        return (self.login.password, *self._issued)


def sdk_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime(SDK_DATE_FORMAT)


class AkSkAuth:
    """Signs requests with SDK-HMAC-SHA256, through huaweicloudsdkcore's own signer."""

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        project_id: str,
        *,
        security_token: str = "",
        label: str = "main",
        clock=time.time,
    ):
        # Imported here: the SDK pulls in requests, which every other command can do without.
        from huaweicloudsdkcore.auth.credentials import BasicCredentials

        self._credentials = BasicCredentials(access_key, secret_key, project_id or None)
        if security_token:
            self._credentials.with_security_token(security_token)
        self.access_key = access_key
        self.project_id = project_id
        self.label = label
        self._secret_key = secret_key
        self._security_token = security_token
        self._clock = clock

    def signed(self, request: Outgoing, *, at: float | None = None) -> Outgoing:
        """``request`` signed as of ``at`` (default: now), with the URL the SDK builds."""
        from huaweicloudsdkcore.sdk_request import SdkRequest

        parts = urlsplit(request.url)
        headers = {**request.headers, "X-Sdk-Date": sdk_date(self._clock() if at is None else at)}
        sdk_request = SdkRequest(
            method=request.method,
            schema=parts.scheme,
            host=parts.netloc,
            resource_path=parts.path or "/",
            query_params=parse_qsl(parts.query, keep_blank_values=True),
            header_params=headers,
            body=request.body,
        )
        self._credentials.sign_request(sdk_request)
        return Outgoing(
            request.method, sdk_request.url, dict(sdk_request.header_params), request.body
        )

    def authorize(self, request: Outgoing) -> Outgoing:
        return self.signed(request)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.access_key, self._secret_key, self._security_token) if s)


def _project_of(profile: Profile, identity: str) -> str:
    if identity != "other":
        return profile.project_id
    if not profile.other_project_id:
        raise EnvironmentBlocked(
            f"no other project to test isolation against: set isolation.project_id in "
            f"{profile.source}"
        )
    return profile.other_project_id


def _token_authorizer(
    profile: Profile, auth: AuthSettings, identity: str, secrets: Secrets
) -> Authorizer:
    if secrets.token:
        return TokenAuth(secrets.token, label=identity)
    if not secrets.can_log_in:
        raise EnvironmentBlocked(
            f"environment variable {auth.variable(identity, 'token')} is not set; it must hold "
            f"the IAM token of the {identity} identity, or set "
            f"{auth.variable(identity, 'username')} and {auth.variable(identity, 'password')} "
            f"to log in (profile {profile.source}, auth.method token)"
        )
    if not secrets.domain:
        raise EnvironmentBlocked(
            f"environment variable {auth.variable(identity, 'domain')} is not set; an IAM "
            "password login needs the user's domain (account) name"
        )
    endpoint = profile.endpoints.get("iam")
    if not endpoint:
        raise ConfigError(f"an IAM password login needs target.endpoints.iam in {profile.source}")
    login = IamLogin(
        endpoint,
        secrets.username,
        secrets.password,
        secrets.domain,
        _project_of(profile, identity),
        timeout=profile.request_timeout,
    )
    return IamTokenAuth(login, label=identity)


def _aksk_authorizer(
    profile: Profile, auth: AuthSettings, identity: str, secrets: Secrets
) -> Authorizer:
    if not secrets.has_aksk:
        missing = "access_key" if not secrets.access_key else "secret_key"
        raise EnvironmentBlocked(
            f"environment variable {auth.variable(identity, missing)} is not set; AK/SK "
            f"signing needs {auth.variable(identity, 'access_key')} and "
            f"{auth.variable(identity, 'secret_key')} (profile {profile.source}, "
            "auth.method aksk)"
        )
    return AkSkAuth(
        secrets.access_key,
        secrets.secret_key,
        _project_of(profile, identity),
        security_token=secrets.security_token,
        label=identity,
    )


def authorizer_for(
    profile: Profile,
    identity: str = "main",
    *,
    method: str | None = None,
    environ: dict[str, str] | None = None,
) -> Authorizer:
    """How ``identity`` authenticates with ``method`` (default: the profile's)."""
    auth = profile.auth
    secrets = read_secrets(auth, identity, environ)
    if (method or auth.method) == "aksk":
        return _aksk_authorizer(profile, auth, identity, secrets)
    return _token_authorizer(profile, auth, identity, secrets)


def credentials_from_env(profile: Profile, environ: dict[str, str] | None = None) -> Authorizer:
    """The main identity's authorizer; a missing variable is an environment problem."""
    return authorizer_for(profile, "main", environ=environ)
