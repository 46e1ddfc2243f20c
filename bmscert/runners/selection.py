"""Which operations the generated suites draw requests for, decided when tests are collected.

The property suites are parametrized from the catalogue; this module says, without reading the
target, which operations get valid requests generated, which writes the documents make
idempotent, and where a request names a resource (and so is pinned, never broken); and it
draws the run's seed. It imports no generator, so the pytest plugin and ``bmscert run`` can
read it cheaply.
"""

from __future__ import annotations

import secrets
from typing import Any

from bmscert.core.catalogue import Operation

# Operations whose valid requests are not generated, and why.
NOT_GENERATED_VALID = {
    "CreateBareMetalServers": "a valid order buys real servers; the lifecycle suite orders one",
    "create_server": "a valid create makes a real server; the Nova suites create one",
    "delete_server": "its only input is the server to delete; the Nova suites delete their own",
}
# Merges: sending the same pairs again changes nothing, like any PUT.
MERGES = ("UpdateBaremetalServerMetadata", "update_server_metadata")
# Path parameters that name a resource: always pinned to one the harness may use.
RESOURCE_PATH_PARAMS = frozenset(
    {"server_id", "job_id", "attachment_id", "flavor_id", "port_id", "network_label", "volume_id"}
)
# Body members that name a resource, by operation: where they are, and what they name.
BODY_PINS = {
    "BatchStartBaremetalServers": {"os-start.servers.*.id": "server"},
    "BatchStopBaremetalServers": {"os-stop.servers.*.id": "server"},
    "BatchRebootBaremetalServers": {"reboot.servers.*.id": "server"},
    "AttachBaremetalServerVolume": {"volumeAttachment.volumeId": "spare_volume"},
    "attach_volume": {"volumeAttachment.volumeId": "spare_volume"},
    "CreateBareMetalServers": {
        "server.imageRef": "image_id",
        "server.flavorRef": "flavor_id",
        "server.vpcid": "vpc_id",
        "server.nics.*.subnet_id": "subnet_id",
        "server.availability_zone": "availability_zone",
    },
    "create_server": {
        "server.imageRef": "nova_image_id",
        "server.flavorRef": "nova_flavor_id",
        "server.networks.*.uuid": "nova_network_id",
        "server.availability_zone": "nova_availability_zone",
    },
}


def new_seed() -> int:
    """A fresh seed for a run's generated suites; printed and recorded, so the run can be
    repeated with ``bmscert run --seed``."""
    return secrets.randbelow(2**32)


def writes(operation: Operation) -> bool:
    return operation.safety != "readonly"


def repeatable_write(operation: Operation) -> bool:
    """A write the documents make idempotent: every PUT, and the metadata merges."""
    return writes(operation) and (operation.method == "PUT" or operation.id in MERGES)


def placeholder_pins(operation: Operation) -> dict[str, Any]:
    """Pins of the right shape without reading the target, to decide at collection time
    whether anything is left to break."""
    pins: dict[str, Any] = {}
    for name in operation.path_params:
        if name in RESOURCE_PATH_PARAMS:
            pins[f"path.{name}"] = "placeholder"
    for location in BODY_PINS.get(operation.id, {}):
        pins[f"body.{location}"] = "placeholder"
    return pins
