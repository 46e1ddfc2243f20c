"""Masking secrets before anything is written: logs, curl lines, reports, attachments.

Two nets, because either alone leaks. Known secret *places* (the ``X-Auth-Token`` header, a
``password`` member in a body) are masked whatever their value. Known secret *values* (the
token the run was given) are masked wherever they appear, even inside a URL or an error
message a target echoed back.
"""

from __future__ import annotations

import logging
import re
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
    }
)
_MIN_SECRET_LENGTH = 4


class Redactor:
    """Masks a fixed set of secret values, plus every secret header and body member."""

    def __init__(self, secrets: Iterable[str] = ()):
        values = sorted({s for s in secrets if s and len(s) >= _MIN_SECRET_LENGTH}, key=len)
        values.reverse()
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def text(self, value: str) -> str:
        if self._pattern is None or not value:
            return value
        return self._pattern.sub(MASK, value)

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
