"""Nova microversions: what one looks like, how versions order, and the headers that carry them.

A microversion is ``MAJOR.MINOR`` (``2.26``); ``latest`` asks for the newest the target offers.
A request names one in ``OpenStack-API-Version: compute 2.26`` or, the older way, in
``X-OpenStack-Nova-API-Version: 2.26``; when both are present the first wins, and a request
naming neither means 2.1. A reply echoes the version it used in both headers.

The suites and the reference target both read these rules here, so they are written once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
SERVICE = "compute"
LATEST = "latest"
DEFAULT = "2.1"
_FORMAT = re.compile(r"^([1-9][0-9]*)\.([1-9][0-9]*|0)$")


class MalformedMicroversion(ValueError):
    """The text is not ``MAJOR.MINOR`` (nor ``latest`` where that is allowed)."""


@dataclass(frozen=True, order=True)
class Microversion:
    """A parsed microversion; instances order as versions do (2.9 < 2.10)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Microversion:
        match = _FORMAT.match(text.strip())
        if match is None:
            raise MalformedMicroversion(
                f"API Version String {text!r} is of invalid format. "
                "Must be of format MajorNum.MinorNum."
            )
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


def at_least(version: str, floor: str) -> bool:
    """Whether ``version`` is ``floor`` or newer; both are ``MAJOR.MINOR`` texts."""
    return Microversion.parse(version) >= Microversion.parse(floor)


def in_range(version: str, lowest: str, highest: str) -> bool:
    parsed = Microversion.parse(version)
    return Microversion.parse(lowest) <= parsed <= Microversion.parse(highest)


def request_headers(version: str, style: str = "new") -> dict[str, str]:
    """The header(s) that ask for ``version``: ``new``, ``legacy`` or ``both`` styles."""
    headers = {}
    if style in ("new", "both"):
        headers[HEADER] = f"{SERVICE} {version}"
    if style in ("legacy", "both"):
        headers[LEGACY_HEADER] = version
    return headers


def echo_headers(version: str) -> dict[str, str]:
    """What a reply carries to say it used ``version``."""
    return {
        HEADER: f"{SERVICE} {version}",
        LEGACY_HEADER: version,
        "Vary": f"{HEADER}, {LEGACY_HEADER}",
    }


def _compute_entry(value: str) -> str | None:
    """The compute version in an ``OpenStack-API-Version`` value, which may name services."""
    for entry in value.split(","):
        service, _, version = entry.strip().partition(" ")
        if service.lower() == SERVICE:
            return version.strip()
    return None


def requested(headers: Mapping[str, str]) -> str | None:
    """The version text a request asks for, or None when it names none.

    ``headers`` must look names up case-insensitively (Starlette's and httpx's headers do;
    a plain dict must have lowercase names).
    """
    new = headers.get(HEADER.lower())
    if new is not None:
        version = _compute_entry(new)
        if version is not None:
            return version
    legacy = headers.get(LEGACY_HEADER.lower())
    return legacy.strip() if legacy is not None else None


def echoed(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The versions a reply names in its new-style and legacy headers (None where absent)."""
    new = headers.get(HEADER.lower())
    legacy = headers.get(LEGACY_HEADER.lower())
    return (_compute_entry(new) if new is not None else None), legacy
