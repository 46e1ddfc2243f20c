"""The version documents of the compute API: v2.0 (no microversions) and v2.1.

v2.1's ``version`` is the newest microversion the target offers, so a client learns the
range here, as openstacksdk and Tempest do. An unknown version id is an unpublished path,
answered by the gateway's 404.
"""

from __future__ import annotations

from typing import Any

from bmscert.target.http import Call, Reply, gateway_error
from bmscert.target.registry import handles

MEDIA_TYPE = "application/vnd.openstack.compute+json;version={}"


def _documents(call: Call) -> dict[str, dict[str, Any]]:
    settings = call.settings
    return {
        "v2.0": {
            "id": "v2.0",
            "status": "SUPPORTED",
            "version": "",
            "min_version": "",
            "updated": "2011-01-21T11:33:21Z",
            "links": [{"rel": "self", "href": f"{call.base_url}/v2/"}],
        },
        "v2.1": {
            "id": "v2.1",
            "status": "CURRENT",
            "version": settings.max_microversion,
            "min_version": settings.min_microversion,
            "updated": "2013-07-23T11:33:21Z",
            "links": [{"rel": "self", "href": f"{call.base_url}/v2.1/"}],
        },
    }


@handles("list_api_versions")
def list_versions(call: Call) -> Reply:
    return Reply(200, {"versions": list(_documents(call).values())})


@handles("show_api_version")
def show_version(call: Call) -> Reply:
    wanted = {"v2": "v2.0"}.get(call.path["api_version"], call.path["api_version"])
    document = _documents(call).get(wanted)
    if document is None:
        raise gateway_error(404, "APIGW.0101", "The API does not exist or has not been published")
    media_types = [{"base": "application/json", "type": MEDIA_TYPE.format(wanted[1:])}]
    return Reply(200, {"version": {**document, "media-types": media_types}})
