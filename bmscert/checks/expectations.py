"""What the suites expect where the documents leave a choice (``schemas/behaviours.yaml``).

The reference target implements each behaviour value; this module says what a client should
then observe, so the suites follow the profile's choice instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bmscert.core.profile import Profile


@dataclass(frozen=True)
class ExpectedError:
    status: int
    envelope: str
    code: str | None = None


def unknown_server(profile: Profile) -> ExpectedError:
    status = 404 if profile.behaviours["unknown_server"] == "not-found-404" else 400
    return ExpectedError(status, "bms", "BMS.0040")


def unknown_job(profile: Profile) -> ExpectedError:
    status = 404 if profile.behaviours["unknown_job"] == "not-found-404" else 400
    return ExpectedError(status, "bms")


def unknown_version(profile: Profile) -> ExpectedError:
    if profile.behaviours["unknown_version"] == "bms-404":
        return ExpectedError(404, "bms")
    return ExpectedError(404, "gateway", "APIGW.0101")


def missing_token() -> ExpectedError:
    return ExpectedError(401, "gateway", "APIGW.0301")


def throttled() -> ExpectedError:
    return ExpectedError(429, "gateway", "APIGW.0308")


def versions_need_token(profile: Profile) -> bool:
    return profile.behaviours["versions_need_auth"] == "yes"
