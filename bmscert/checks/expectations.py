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


def invalid_request() -> ExpectedError:
    """A body that breaks a documented rule: 400 in the BMS envelope, whatever the code.

    The error table has several codes for invalid parameters (BMS.0018, BMS.0022, BMS.0201,
    ...) and no page says which one a given rule yields, so the code is not checked.
    """
    return ExpectedError(400, "bms")


def body_not_json() -> ExpectedError:
    return ExpectedError(400, "bms", "BMS.0001")


def body_too_large() -> ExpectedError:
    return ExpectedError(413, "gateway", "APIGW.0201")


def refused_by_state(code: str) -> ExpectedError:
    """A documented refusal: BMS.0035 to BMS.0039 are all HTTP 400."""
    return ExpectedError(400, "bms", code)


def state_conflict(profile: Profile) -> ExpectedError:
    """A refusal no document gives a code for (``state_conflict`` behaviour)."""
    status = 409 if profile.behaviours["state_conflict"] == "conflict-409" else 400
    return ExpectedError(status, "bms", "BMS.0006")


def quota_exceeded() -> ExpectedError:
    return ExpectedError(400, "bms", "BMS.0025")


def volume_not_found() -> ExpectedError:
    return ExpectedError(400, "bms", "BMS.0103")


def volume_not_attached() -> ExpectedError:
    return ExpectedError(400, "bms", "BMS.0114")


def reset_password_status(profile: Profile) -> int:
    return int(profile.behaviours["reset_password_status"])


def lowercase_power_type_accepted(profile: Profile) -> bool:
    return profile.behaviours["lowercase_power_type"] == "accepted"


def soft_power_type_acts(profile: Profile) -> bool:
    return profile.behaviours["soft_power_type"] == "acts"


def name_filter_keeps(profile: Profile, wanted: str, name: str) -> bool:
    """Whether the list's name filter ``wanted`` should keep a server called ``name``."""
    if profile.behaviours["name_filter"] == "exact":
        return name == wanted
    return wanted in name


# ---------------------------------------------------------------- Nova: where dialects differ


def soft_reboot_status(profile: Profile) -> str:
    """The BMS pages force every reboot (HARD_REBOOT); upstream Nova keeps SOFT (REBOOT)."""
    return "HARD_REBOOT" if profile.dialect == "huawei" else "REBOOT"


def power_state(profile: Profile, state: str) -> int:
    """The number of a power state: the BMS pages count 0 to 4, upstream Nova skips 2 and 5."""
    numbers = {
        "huawei": {"pending": 0, "running": 1, "paused": 2, "shutdown": 3, "crashed": 4},
        "openstack": {"pending": 0, "running": 1, "paused": 3, "shutdown": 4, "crashed": 6},
    }
    return numbers[profile.dialect][state]


def image_filter_stands_alone(profile: Profile) -> bool:
    """On the BMS pages an image filter disables every other server filter and paging."""
    return profile.dialect == "huawei"


def detail_list_has_bms_members(profile: Profile) -> bool:
    """The BMS detail-list page adds sys_tags, enterprise_project_id and os:scheduler_hints."""
    return profile.dialect == "huawei"


def tag_put_gives_location(profile: Profile) -> bool:
    """Upstream Nova (and Tempest) give a Location header for an added tag."""
    return profile.dialect == "openstack"


def created_server_gives_location(profile: Profile) -> bool:
    return profile.dialect == "openstack"
