"""The version documents of the BMS native API."""

from __future__ import annotations

from typing import Any

from bmscert.target.http import Call, Reply, bms_error, gateway_error
from bmscert.target.registry import handles

_RELEASED = "2018-09-30T00:00:00Z"
_VERSIONS = ("v1",)


def _version(version_id: str, base_url: str) -> dict[str, Any]:
    return {
        "id": version_id,
        "links": [{"href": f"{base_url}/{version_id}/", "rel": "self"}],
        "min_version": "",
        "status": "CURRENT",
        "updated": _RELEASED,
        "version": "",
    }


@handles("ListVersions")
def list_versions(call: Call) -> Reply:
    return Reply(200, {"versions": [_version(v, call.base_url) for v in _VERSIONS]})


@handles("ShowSpecifiedVersion")
def show_version(call: Call) -> Reply:
    version_id = call.path["api_version"]
    if version_id not in _VERSIONS:
        if call.settings.behaviours["unknown_version"] == "bms-404":
            raise bms_error(404, "BMS.0001", f"Version {version_id} does not exist")
        raise gateway_error(404, "APIGW.0101", "The API does not exist or has not been published")
    return Reply(200, {"version": _version(version_id, call.base_url)})
