"""Masking secrets before anything is written: logs, curl lines, reports, attachments.

Three nets, because any one alone leaks. Known secret *places* (the ``X-Auth-Token`` and
``Authorization`` headers, a ``password`` or ``private_key`` member in a body) are masked
whatever their value. Known secret *values* (the tokens, keys and passwords the run holds)
are masked wherever they appear, even inside a URL or an error message a target echoed back;
credentials learned during the run (a renewed token) are added as they come. Known secret
*shapes* in free text (an AK/SK ``Signature=`` or a private key block) are masked too, since
every request has a signature of its own and no list of values could hold them all.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"

SECRET_HEADERS = frozenset(
    {"x-auth-token", "x-subject-token", "authorization", "x-security-token", "cookie"}
)
SECRET_MEMBERS = frozenset(
    {
        "adminpass",
        "admin_pass",
        "new_password",
        "password",
        "private_key",
        "user_data",
        "os-ext-srv-attr:user_data",
        "secret",
        "sk",
        "secret_key",
        "securitytoken",
        "security_token",
        "access",
    }
)
_SHAPES = (
    re.compile(r"(Signature=)[0-9a-fA-F]{16,}"),
    re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
        re.DOTALL,
    ),
)
_MIN_SECRET_LENGTH = 4


class Redactor:
    """Masks a growing set of secret values, every secret header and body member, and every
    secret shape."""

    def __init__(self, secrets: Iterable[str] = ()):
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self.remember(*secrets)

    def remember(self, *secrets: str) -> None:
        """Mask these values from now on (a token fetched during the run, another identity's
        keys)."""
        fresh = {s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH} - self._values
        if not fresh:
            return
        with self._lock:
            self._values |= fresh
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(map(re.escape, ordered)))

    def text(self, value: str) -> str:
        if not value:
            return value
        if self._pattern is not None:
            value = self._pattern.sub(MASK, value)
        for shape in _SHAPES:
            value = shape.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, value)
        return value

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {
            name: MASK if name.lower() in SECRET_HEADERS else self.text(str(value))
            for name, value in headers.items()
        }

    def body(self, body: Any) -> Any:
        """A copy of a decoded JSON body with secret members masked."""
        if isinstance(body, dict):
            return {
                key: MASK if str(key).lower() in SECRET_MEMBERS and value else self.body(value)
                for key, value in body.items()
            }
        if isinstance(body, list):
            return [self.body(item) for item in body]
        if isinstance(body, str):
            return self.text(body)
        return body


class RedactingFilter(logging.Filter):
    """A logging filter that masks the redactor's secret values in every record."""

    def __init__(self, redactor: Redactor):
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redactor.text(record.getMessage())
        record.args = None
        return True
