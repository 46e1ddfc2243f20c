"""What generated requests may name, what a write may change, and putting it back afterwards.

Generated requests are free wherever the documents let a client choose, and pinned where an
input names a resource: a read names the existing resources the read-only suites read
(``Resources``, ``NovaIds``); a write names only what the harness created, the server it
owns, the spare volume the profile lends (``resources.volume_id``) and key pairs it creates
itself. Free inputs that name something by key (a metadata key, a tag, a version) are drawn
among the ones that exist as well as any the schema allows, so both the found and the
not-found answers are exercised.

A refused request must change nothing: ``snapshot`` reads, through the operation's own
family, everything the operation could have changed, once the server has settled.
``checkpoint`` and ``restore`` put a server back as a property test found it (power state,
name, metadata, tags, the spare volume, key pairs it created), so the tests do not depend on
each other and a real tenant's own server ends as it began.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from bmscert.checks.strategies import Known
from bmscert.core import microversion
from bmscert.core.catalogue import Operation
from bmscert.core.client import ApiClient, Exchange
from bmscert.core.profile import Profile
from bmscert.runners.nova_fixtures import NovaIds, Servers
from bmscert.runners.resources import Resources
from bmscert.runners.selection import BODY_PINS

logger = logging.getLogger(__name__)

TAGS_VERSION = "2.26"
_SETTLE_POLL_SECONDS = 0.2


@dataclass
class Checkpoint:
    """How a server (and the user's key pairs) looked before a test changed them."""

    server_id: str
    name: str
    metadata: dict[str, str]
    tags: list[str]
    spare_attached: bool
    keypairs: set[str]
    created_keypairs: set[str] = field(default_factory=set)


def resource_of(operation: Operation) -> str:
    """What an operation can change: ``server``, ``servers`` (a create), ``keypairs``."""
    if "os-keypairs" in operation.path:
        return "keypairs"
    if "server_id" in operation.path_params or operation.body_selector:
        return "server"
    if operation.method == "POST":
        return "servers"
    return "nothing"


class Workbench:
    """The resources of a run's generated requests, read through the run's client."""

    def __init__(self, profile: Profile, api: ApiClient, resources: Resources, nova_ids: NovaIds):
        self.profile = profile
        self.api = api
        self.resources = resources
        self.nova_ids = nova_ids
        self.servers = Servers(api)

    # ------------------------------------------------------------------ what requests name

    def pins(self, operation: Operation, server_id: str) -> dict[str, Any]:
        """Pins and known values for ``operation`` acting on ``server_id``."""
        pins = {}
        for name in operation.path_params:
            value = self._path_value(operation, name, server_id)
            if value is not None:
                pins[f"path.{name}"] = value
        for location, source in BODY_PINS.get(operation.id, {}).items():
            pins[f"body.{location}"] = self._named(source, server_id)
        return pins

    def _path_value(self, operation: Operation, name: str, server_id: str) -> Any:
        writes = operation.safety != "readonly"
        sources = {
            "server_id": lambda: server_id,
            "job_id": lambda: self.resources.job_id,
            "attachment_id": lambda: self.spare_volume,
            "flavor_id": lambda: self.nova_ids.flavor_id,
            "port_id": lambda: self.nova_ids.port_id,
            "network_label": lambda: self.nova_ids.network_label,
            "volume_id": lambda: self.spare_volume if writes else self.nova_ids.volume_id,
            "api_version": lambda: Known((self._api_version(operation),)),
            "key": lambda: Known(tuple(sorted(self.metadata_of(server_id))) or ("none",)),
            "tag": lambda: Known(tuple(self.tags_of(server_id)) or ("none",)),
            "flavor_extra_spec_key": lambda: Known((self.nova_ids.flavor_extra_spec_key,)),
            "keypair_name": lambda: Known((self.nova_ids.keypair_name,)),
        }
        source = sources.get(name)
        return source() if source is not None else None

    def _api_version(self, operation: Operation) -> str:
        return self.resources.api_version if operation.is_bms else self.nova_ids.api_version

    def _named(self, source: str, server_id: str) -> Any:
        nova = {
            "nova_image_id": lambda: self.nova_ids.image_id,
            "nova_flavor_id": lambda: self.nova_ids.flavor_id,
            "nova_network_id": lambda: self.nova_ids.network_id,
            "nova_availability_zone": lambda: self.nova_ids.availability_zone,
        }
        if source == "server":
            return server_id
        if source == "spare_volume":
            return self.spare_volume
        if source in nova:
            return nova[source]()
        return self.resources.required(source)

    @property
    def spare_volume(self) -> str:
        return self.resources.required("volume_id")

    # ------------------------------------------------------------------ reading state

    def _nova(self, operation_id: str, **kwargs: Any) -> Exchange:
        version = TAGS_VERSION if "tag" in operation_id else microversion.DEFAULT
        headers = microversion.request_headers(version)
        return self.api.call(operation_id, headers=headers, recorded=False, **kwargs)

    def metadata_of(self, server_id: str) -> dict[str, str]:
        reply = self._nova("list_server_metadata", path={"server_id": server_id})
        return dict(reply.json.get("metadata", {})) if isinstance(reply.json, dict) else {}

    def tags_of(self, server_id: str) -> list[str]:
        reply = self._nova("list_server_tags", path={"server_id": server_id})
        return list(reply.json.get("tags", [])) if isinstance(reply.json, dict) else []

    def attached_to(self, server_id: str) -> set[str]:
        reply = self._nova("list_volume_attachments", path={"server_id": server_id})
        body = reply.json if isinstance(reply.json, dict) else {}
        return {item.get("volumeId", "") for item in body.get("volumeAttachments", [])}

    def keypairs(self) -> dict[str, str]:
        reply = self._nova("list_keypairs")
        body = reply.json if isinstance(reply.json, dict) else {}
        pairs = [item.get("keypair", {}) for item in body.get("keypairs", [])]
        return {pair.get("name", ""): pair.get("fingerprint", "") for pair in pairs}

    def settle(self, server_id: str) -> None:
        """Wait until no task runs on the server (bounded by the job timeout)."""
        deadline = time.monotonic() + self.profile.job_timeout_seconds
        while time.monotonic() < deadline:
            reply = self._nova("show_server", path={"server_id": server_id})
            server = reply.json.get("server", {}) if isinstance(reply.json, dict) else {}
            if server.get("OS-EXT-STS:task_state") is None:
                return
            time.sleep(_SETTLE_POLL_SECONDS)

    def snapshot(self, operation: Operation, server_id: str) -> tuple[dict[str, Any], Exchange]:
        """What ``operation`` could change, read through its own family, and the read."""
        resource = resource_of(operation)
        if resource == "keypairs":
            reply = self._nova("list_keypairs")
            return {"keypairs": self.keypairs()}, reply
        if resource == "servers":
            return self._servers_snapshot(operation)
        if operation.is_bms:
            return self.bms_state(server_id)
        return self.nova_state(server_id)

    def _servers_snapshot(self, operation: Operation) -> tuple[dict[str, Any], Exchange]:
        if operation.is_bms:
            reply = self.api.call("ShowTenantQuota", recorded=False)
            absolute = (reply.json or {}).get("absolute", {}) if reply.status == 200 else {}
            return {k: v for k, v in absolute.items() if k.startswith("total")}, reply
        reply = self._nova("list_servers", query={"limit": 1000})
        body = reply.json if isinstance(reply.json, dict) else {}
        return {"servers": sorted(s.get("id", "") for s in body.get("servers", []))}, reply

    def bms_state(self, server_id: str) -> tuple[dict[str, Any], Exchange]:
        reply = self.api.call(
            "ListBareMetalServerDetails", path={"server_id": server_id}, recorded=False
        )
        return _server_state(reply), reply

    def nova_state(self, server_id: str) -> tuple[dict[str, Any], Exchange]:
        reply = self._nova_at("show_server", TAGS_VERSION, path={"server_id": server_id})
        return _server_state(reply, "OS-EXT-STS:vm_state"), reply

    def _nova_at(self, operation_id: str, version: str, **kwargs: Any) -> Exchange:
        headers = microversion.request_headers(version)
        return self.api.call(operation_id, headers=headers, recorded=False, **kwargs)

    # ------------------------------------------------------------------ putting it back

    def checkpoint(self, server_id: str) -> Checkpoint:
        """The server as a test found it, once it has settled."""
        self.settle(server_id)
        reply = self._nova("show_server", path={"server_id": server_id})
        server = reply.json.get("server", {}) if isinstance(reply.json, dict) else {}
        spare = self.profile.resources.get("volume_id")
        return Checkpoint(
            server_id=server_id,
            name=str(server.get("name", "")),
            metadata=self.metadata_of(server_id),
            tags=self.tags_of(server_id),
            spare_attached=bool(spare) and spare in self.attached_to(server_id),
            keypairs=set(self.keypairs()),
        )

    def restore(self, checkpoint: Checkpoint) -> None:
        """Put the server back as it was: running, same name, metadata, tags and volumes;
        the key pairs the test created are deleted (only those: a name the checkpoint
        already knew is never touched)."""
        server_id = checkpoint.server_id
        self.servers.settle(server_id, "ACTIVE")
        self._restore_volume(checkpoint)
        self._nova(
            "replace_server_metadata",
            path={"server_id": server_id},
            json_body={"metadata": checkpoint.metadata},
        )
        self._nova(
            "replace_server_tags",
            path={"server_id": server_id},
            json_body={"tags": checkpoint.tags},
        )
        self.api.call(
            "ChangeBaremetalServerName",
            path={"server_id": server_id},
            json_body={"server": {"name": checkpoint.name}},
            recorded=False,
        )
        for name in checkpoint.created_keypairs - checkpoint.keypairs:
            self._nova("delete_keypair", path={"keypair_name": name})

    def bring_up(self, server_id: str) -> None:
        """Start the server through the BMS native API if it shows SHUTOFF there, and wait
        until it runs; a model's next run then starts from a running server whatever the
        Nova view says."""
        deadline = time.monotonic() + self.profile.job_timeout_seconds
        state, _ = self.bms_state(server_id)
        while state.get("task_state") is not None and time.monotonic() < deadline:
            time.sleep(_SETTLE_POLL_SECONDS)
            state, _ = self.bms_state(server_id)
        if state.get("status") != "SHUTOFF":
            return
        body = {"os-start": {"servers": [{"id": server_id}]}}
        self.api.call("BatchStartBaremetalServers", json_body=body, recorded=False)
        while state.get("status") != "ACTIVE" and time.monotonic() < deadline:
            time.sleep(_SETTLE_POLL_SECONDS)
            state, _ = self.bms_state(server_id)

    def reset_metadata_and_tags(self, checkpoint: Checkpoint) -> None:
        """Metadata and tags as the checkpoint found them (between a model's runs)."""
        path = {"server_id": checkpoint.server_id}
        self._nova(
            "replace_server_metadata", path=path, json_body={"metadata": checkpoint.metadata}
        )
        self._nova("replace_server_tags", path=path, json_body={"tags": checkpoint.tags})

    def reset_volume(self, checkpoint: Checkpoint) -> None:
        """The spare volume attached or not, as the checkpoint found it."""
        self._restore_volume(checkpoint)

    def _restore_volume(self, checkpoint: Checkpoint) -> None:
        spare = self.profile.resources.get("volume_id")
        if not spare:
            return
        path = {"server_id": checkpoint.server_id}
        attached = spare in self.attached_to(checkpoint.server_id)
        if attached and not checkpoint.spare_attached:
            self._nova("detach_volume", path={**path, "volume_id": spare})
        elif checkpoint.spare_attached and not attached:
            body = {"volumeAttachment": {"volumeId": spare}}
            self._nova("attach_volume", path=path, json_body=body)
        self.wait_for_attachment(checkpoint.server_id, spare, checkpoint.spare_attached)

    def wait_for_attachment(self, server_id: str, volume_id: str, attached: bool) -> bool:
        """Poll until the volume is (or is no longer) attached; whether it came to pass
        within the job timeout."""
        deadline = time.monotonic() + self.profile.job_timeout_seconds
        while (volume_id in self.attached_to(server_id)) != attached:
            if time.monotonic() > deadline:
                return False
            time.sleep(_SETTLE_POLL_SECONDS)
        return True


def _server_state(reply: Exchange, *extra: str) -> dict[str, Any]:
    """What a server detail shows that a request could change, as one comparable dict (the
    two families show it under the same names; ``extra`` adds members only one shows)."""
    server = reply.json.get("server", {}) if isinstance(reply.json, dict) else {}
    volumes = server.get("os-extended-volumes:volumes_attached", [])
    state = {
        "status": server.get("status"),
        "task_state": server.get("OS-EXT-STS:task_state"),
        "name": server.get("name"),
        "metadata": server.get("metadata"),
        "key_name": server.get("key_name"),
        "tags": server.get("tags"),
        "volumes": sorted(volume.get("id", "") for volume in volumes),
    }
    for member in extra:
        state[member.removeprefix("OS-EXT-STS:")] = server.get(member)
    return state
