"""Where secrets come from: the environment, or a credentials file the profile names.

A profile never holds a secret. It says how the run authenticates (``auth.method``: an IAM
token or AK/SK signing) and where the secrets are: environment variables whose names start
with ``auth.env_prefix`` (``BMSCERT`` by default), or a YAML file (``auth.credentials_file``).
A run knows up to three identities:

- ``main``: every call of the suites (``BMSCERT_...``);
- ``peer``: another user of the same project, for key pair isolation (``BMSCERT_PEER_...``);
- ``other``: a user of another project, for tenant isolation (``BMSCERT_OTHER_...``).

Each identity may give ``TOKEN`` (a ready IAM token), ``IAM_USER``, ``IAM_PASSWORD`` and
``IAM_DOMAIN`` (a password login to IAM), ``ACCESS_KEY``, ``SECRET_KEY`` and
``SECURITY_TOKEN`` (AK/SK, temporary when the security token is set), and ``EXPIRED_TOKEN``
(a token of that identity that has expired, for the expired-token case). The credentials file
is a YAML mapping from identity to the same fields in lower case (``token``, ``username``,
``password``, ``domain``, ``access_key``, ``secret_key``, ``security_token``,
``expired_token``).

A malformed value is a ``CredentialError`` that names the variable (or file key), never the
value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from bmscert.errors import ConfigError, CredentialError

IDENTITIES = ("main", "peer", "other")
AUTH_METHODS = ("token", "aksk")
_IDENTITY_INFIX = {"main": "", "peer": "_PEER", "other": "_OTHER"}
_SUFFIXES = {
    "token": "TOKEN",
    "username": "IAM_USER",
    "password": "IAM_PASSWORD",
    "domain": "IAM_DOMAIN",
    "access_key": "ACCESS_KEY",
    "secret_key": "SECRET_KEY",
    "security_token": "SECURITY_TOKEN",
    "expired_token": "EXPIRED_TOKEN",
}
# What each field may hold: printable ASCII without spaces for tokens and keys, anything on
# one line for a password or a name.
_ONE_WORD = re.compile(r"^[\x21-\x7e]+$")
_ACCESS_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ONE_LINE = re.compile(r"^[^\x00-\x1f\x7f]+$")
_HIDDEN = (
    "token",
    "password",
    "access_key",
    "secret_key",
    "security_token",
    "expired_token",
)
_SHAPES = {
    "token": (_ONE_WORD, "a token (printable characters, no spaces)"),
    "expired_token": (_ONE_WORD, "a token (printable characters, no spaces)"),
    "security_token": (_ONE_WORD, "a security token (printable characters, no spaces)"),
    "access_key": (_ACCESS_KEY, "an access key (letters, digits, - and _)"),
    "secret_key": (_ONE_WORD, "a secret key (printable characters, no spaces)"),
    "username": (_ONE_LINE, "a user name on one line"),
    "password": (_ONE_LINE, "a password on one line"),
    "domain": (_ONE_LINE, "a domain name on one line"),
}


@dataclass(frozen=True)
class AuthSettings:
    """The profile's ``auth`` section: how to authenticate and where the secrets are."""

    method: str = "token"
    env_prefix: str = "BMSCERT"
    credentials_file: str = ""
    token_env: str = ""

    def variable(self, identity: str, name: str) -> str:
        """The environment variable that holds ``name`` of ``identity``."""
        if identity == "main" and name == "token" and self.token_env:
            return self.token_env
        return f"{self.env_prefix}{_IDENTITY_INFIX[identity]}_{_SUFFIXES[name]}"


@dataclass(frozen=True)
class Secrets:
    """The secrets of one identity; empty strings for what was not given."""

    token: str = ""
    username: str = ""
    password: str = ""
    domain: str = ""
    access_key: str = ""
    secret_key: str = ""
    security_token: str = ""
    expired_token: str = ""

    @property
    def can_log_in(self) -> bool:
        return bool(self.username and self.password)

    @property
    def has_token_source(self) -> bool:
        return bool(self.token) or self.can_log_in

    @property
    def has_aksk(self) -> bool:
        return bool(self.access_key and self.secret_key)

    def values(self) -> tuple[str, ...]:
        """Every value a report must never show. User and domain names are not secret; the
        access key is masked all the same, as it names the key pair."""
        return tuple(getattr(self, name) for name in _HIDDEN if getattr(self, name))

    def as_mapping(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _checked(name: str, value: str, where: str) -> str:
    pattern, shape = _SHAPES[name]
    if not pattern.match(value):
        raise CredentialError(f"{where} does not hold {shape}; fix its value")
    return value


def _from_environment(
    auth: AuthSettings, identity: str, environ: Mapping[str, str]
) -> dict[str, str]:
    found = {}
    for name in _SUFFIXES:
        variable = auth.variable(identity, name)
        value = environ.get(variable, "")
        if value.strip():
            found[name] = _checked(name, value.strip(), f"environment variable {variable}")
    return found


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"credentials file {path} does not exist (auth.credentials_file)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        raise CredentialError(f"credentials file {path} is not valid YAML") from None
    if not isinstance(data, dict) or not set(data) <= set(IDENTITIES):
        raise CredentialError(
            f"credentials file {path} must map identities ({', '.join(IDENTITIES)}) to "
            "their secrets"
        )
    return data


def _from_file(path: Path, identity: str) -> dict[str, str]:
    section = _read_file(path).get(identity) or {}
    if not isinstance(section, dict):
        raise CredentialError(f"credentials file {path}: {identity} must be a mapping")
    unknown = sorted(set(section) - set(_SUFFIXES))
    if unknown:
        allowed = ", ".join(_SUFFIXES)
        raise CredentialError(
            f"credentials file {path}: unknown key {identity}.{unknown[0]} (allowed: {allowed})"
        )
    found = {}
    for name, value in section.items():
        if value is None or not str(value).strip():
            continue
        found[name] = _checked(name, str(value).strip(), f"credentials file {path}: {identity}")
    return found


def read_secrets(
    auth: AuthSettings, identity: str = "main", environ: Mapping[str, str] | None = None
) -> Secrets:
    """The secrets of ``identity``, from the credentials file if the profile names one, from
    the environment otherwise."""
    environ = os.environ if environ is None else environ
    if auth.credentials_file:
        found = _from_file(Path(auth.credentials_file).expanduser(), identity)
    else:
        found = _from_environment(auth, identity, environ)
    return Secrets(**found)


def environment_for(auth: AuthSettings, identity: str, secrets: Secrets) -> dict[str, str]:
    """The environment variables that hand ``secrets`` to another process of the run."""
    return {auth.variable(identity, name): value for name, value in secrets.as_mapping().items()}
