"""Client credentials, read from the environment and never from a profile.

Issue 7 adds AK/SK signing and IAM token fetching; both will present the same small
interface: headers to add to a request, and the secret values a redactor must mask.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from bmscert.core.profile import Profile
from bmscert.errors import EnvironmentBlocked


@dataclass(frozen=True)
class TokenAuth:
    """An IAM token sent as ``X-Auth-Token``."""

    token: str

    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self.token}

    def secrets(self) -> tuple[str, ...]:
        return (self.token,)


def credentials_from_env(profile: Profile, environ: dict[str, str] | None = None) -> TokenAuth:
    """The credentials the profile points at; a missing variable is an environment problem."""
    environ = os.environ if environ is None else environ
    token = environ.get(profile.token_env, "").strip()
    if not token:
        raise EnvironmentBlocked(
            f"environment variable {profile.token_env} is not set; it must hold the IAM token "
            f"(profile {profile.source}, auth.token_env)"
        )
    return TokenAuth(token)
