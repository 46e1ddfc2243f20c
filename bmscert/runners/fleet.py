"""The servers the mutating suites create and act on, and the moves that prepare them.

Mutating tests never touch servers they did not create: the fleet orders its own servers
through CreateBareMetalServers, follows their jobs to the end, and lends them to the tests,
bringing one into the state a test needs first (a stop test gets a running server). Every
server it orders carries the run id in its name (``bmscert-<run id>-...``) and in a
``bmscert-run`` tag; the client writes each order to the run's ledger, and the fleet adds the
server ids once their job names them, so the cleanup finds them however the run ends.

The fleet also builds the valid request bodies the suites start from, from the profile's
resources, so the positive cases and the schema-derived negative ones share one template.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Collection
from typing import Any

import pytest

from bmscert.checks import effects
from bmscert.checks.jobs import JobTrace, judge_trace, poll_job, servers_named_by
from bmscert.checks.verifier import Verifier
from bmscert.core.client import ApiClient, Exchange
from bmscert.core.ledger import SERVER
from bmscert.core.naming import RUN_TAG_KEY, current_run_id, resource_name, resource_prefix
from bmscert.core.profile import Profile
from bmscert.runners.resources import Resources

STABLE = frozenset({"ACTIVE", "SHUTOFF"})
POWER = {
    "BatchStartBaremetalServers": "os-start",
    "BatchStopBaremetalServers": "os-stop",
    "BatchRebootBaremetalServers": "reboot",
}
PLACEHOLDER_ID = "8c2a5d1e-0b7f-4c3d-9e6a-1f2b3c4d5e6f"


def new_password() -> str:
    """A password that meets the documented rules (8 to 26 characters, four classes)."""
    return f"Bc-{secrets.token_hex(6)}9x"


def unique_name(role: str) -> str:
    """A fresh server name that carries the run id."""
    return resource_name(role)


def valid_body(operation: str, ids: dict[str, str]) -> Any:
    """A valid body for ``operation`` built from ``ids`` (server, volume, image, ...).

    The shapes are fixed so that the schema-derived negative cases, computed once from
    placeholders when the tests are collected, match the ones built from real ids.
    """
    server = {"id": ids.get("server_id", PLACEHOLDER_ID)}
    bodies: dict[str, Callable[[], Any]] = {
        "CreateBareMetalServers": lambda: create_body(ids, f"{resource_prefix()}negative"),
        "BatchStartBaremetalServers": lambda: {"os-start": {"servers": [server]}},
        "BatchStopBaremetalServers": lambda: {"os-stop": {"type": "HARD", "servers": [server]}},
        "BatchRebootBaremetalServers": lambda: {"reboot": {"type": "HARD", "servers": [server]}},
        "ChangeBaremetalServerName": lambda: {"server": {"name": unique_name("renamed")}},
        "UpdateBaremetalServerMetadata": lambda: {"metadata": {"bmscert": "negative-case"}},
        "ReinstallBaremetalServerOs": lambda: {
            "os-reinstall": {"adminpass": new_password(), "userid": ids.get("user_id", "user")}
        },
        "AttachBaremetalServerVolume": lambda: {
            "volumeAttachment": {"volumeId": ids.get("volume_id", PLACEHOLDER_ID)}
        },
        "ResetPwdOneClick": lambda: {"reset-password": {"new_password": new_password()}},
    }
    return bodies[operation]()


def create_body(ids: dict[str, str], name: str, *, image_id: str | None = None, count: int = 1):
    """An order for ``count`` yearly/monthly servers, paid at once, from the resources."""
    return {
        "server": {
            "imageRef": image_id or ids.get("image_id", PLACEHOLDER_ID),
            "flavorRef": ids.get("flavor_id", "physical.s4.medium"),
            "name": name,
            "metadata": {"op_svc_userid": ids.get("user_id", "user")},
            "adminPass": new_password(),
            "nics": [{"subnet_id": ids.get("subnet_id", PLACEHOLDER_ID)}],
            "availability_zone": ids.get("availability_zone", "zone"),
            "vpcid": ids.get("vpc_id", PLACEHOLDER_ID),
            "count": count,
            "extendparam": {
                "chargingMode": "prePaid",
                "periodType": "month",
                "periodNum": 1,
                "isAutoRenew": "false",
                "isAutoPay": "true",
            },
            "server_tags": [
                {"key": "bmscert", "value": "conformance"},
                {"key": RUN_TAG_KEY, "value": current_run_id()},
            ],
        }
    }


class Fleet:
    """Servers the run owns, lent to the tests that change servers."""

    def __init__(self, profile: Profile, api: ApiClient, resources: Resources):
        self.profile = profile
        self.api = api
        self.resources = resources
        self._owned: dict[str, str] = {}

    def ids(self, *needed: str) -> dict[str, str]:
        """The resource ids a body needs; a missing one skips the test with one clear line."""
        return {name: self.resources.required(name) for name in needed}

    def create_ids(self) -> dict[str, str]:
        names = ("image_id", "flavor_id", "vpc_id", "subnet_id", "availability_zone", "user_id")
        return self.ids(*names)

    def follow_job(
        self,
        verify: Verifier,
        operation: str,
        job_id: str,
        servers: Collection[str] | None,
        *,
        must_succeed: bool = True,
    ) -> JobTrace:
        """Poll the job to its end, verify every read, judge the trace for ``operation``."""

        def read() -> Exchange:
            return verify.success(self.api.call("ShowJobInfos", path={"job_id": job_id}))

        trace = poll_job(
            read,
            operation,
            job_id,
            poll_seconds=self.profile.job_poll_seconds,
            timeout_seconds=self.profile.job_timeout_seconds,
        )
        named = servers if servers is not None else servers_named_by(trace.final)
        chosen_failure = self._failure_was_chosen(trace)
        results = judge_trace(
            trace,
            named,
            self.profile.job_timeout_seconds,
            must_succeed=must_succeed and not chosen_failure,
        )
        verify.settle(results, trace.reads[-1])
        if chosen_failure:
            pytest.skip(f"job {job_id} failed, as target.job_failure_rate lets the target choose")
        return trace

    def _failure_was_chosen(self, trace: JobTrace) -> bool:
        """An embedded target told to fail some jobs did: the effect cannot be checked."""
        failed = trace.final.get("status") == "FAIL"
        return failed and self.profile.is_embedded and self.profile.job_failure_rate > 0

    def create(self, verify: Verifier, role: str, *, image_id: str | None = None) -> str:
        """Order one server, follow its job, and return its id once it is ACTIVE."""
        ids = self.create_ids()
        body = create_body(ids, unique_name(role), image_id=image_id)
        exchange = self.api.call("CreateBareMetalServers", json_body=body)
        if exchange.status != 200 or not isinstance(exchange.json, dict):
            pytest.fail(f"could not create a server to act on: HTTP {exchange.status}")
        reply = exchange.json
        trace = self.follow_job(verify, "CreateBareMetalServers", reply.get("job_id", ""), None)
        (server_id,) = servers_named_by(trace.final) or (None,)
        if server_id is None:
            pytest.fail("the creation job named no server")
        self.record(SERVER, [server_id], str(reply.get("order_id", "")), verify.test_id)
        return server_id

    def record(self, kind: str, ids: Collection[str], order_id: str, test: str) -> None:
        """Add to the ledger the ids an order's job named, and the test that ordered them:
        the order itself was written down before it was sent."""
        ledger = self.api.ledger
        if ledger is None or not ids:
            return
        identity = self.api.credentials.label if self.api.credentials else "main"
        ledger.append(
            "created", kind, ids=sorted(ids), order_id=order_id, test=test, identity=identity
        )

    def owned(self, verify: Verifier, role: str = "linux") -> str:
        """The run's own server for ``role`` (linux or windows), created on first use."""
        if role not in self._owned:
            image = self.resources.required("windows_image_id") if role == "windows" else None
            self._owned[role] = self.create(verify, role, image_id=image)
        return self._owned[role]

    def details(self, server_id: str) -> tuple[dict[str, Any], Exchange]:
        exchange = self.api.call("ListBareMetalServerDetails", path={"server_id": server_id})
        body = exchange.json if isinstance(exchange.json, dict) else {}
        return body.get("server") or {}, exchange

    def settled(self, server_id: str) -> tuple[dict[str, Any], Exchange]:
        """The server once no task runs on it (bounded by the job timeout)."""
        deadline = time.monotonic() + self.profile.job_timeout_seconds
        server, exchange = self.details(server_id)
        while server.get("OS-EXT-STS:task_state") is not None and time.monotonic() < deadline:
            time.sleep(self.profile.job_poll_seconds)
            server, exchange = self.details(server_id)
        return server, exchange

    def power(self, verify: Verifier, operation: str, server_id: str) -> JobTrace:
        """Start, stop or reboot (HARD) one server and follow the job."""
        body = valid_body(operation, {"server_id": server_id})
        exchange = verify.success(self.api.call(operation, json_body=body))
        return self.follow_job(verify, operation, exchange.json["job_id"], [server_id])

    def ensure(self, verify: Verifier, server_id: str, wanted: str) -> dict[str, Any]:
        """Bring an owned server to ACTIVE or SHUTOFF, starting or stopping it if needed."""
        server, _ = self.settled(server_id)
        status = server.get("status")
        if status == wanted:
            return server
        moves = {("SHUTOFF", "ACTIVE"): "BatchStartBaremetalServers"}
        moves[("ACTIVE", "SHUTOFF")] = "BatchStopBaremetalServers"
        operation = moves.get((status, wanted))
        if operation is None:
            pytest.fail(f"server {server_id} is {status}; it cannot be brought to {wanted}")
        self.power(verify, operation, server_id)
        server, _ = self.settled(server_id)
        if server.get("status") != wanted:
            pytest.fail(f"server {server_id} is {server.get('status')}, not {wanted}")
        return server

    def expect_state(
        self, verify: Verifier, operation: str, server_id: str, wanted: str
    ) -> dict[str, Any]:
        """Check that the server shows ``wanted`` after ``operation``'s job succeeded."""
        server, exchange = self.settled(server_id)
        verify.settle(
            [effects.server_reaches_state(operation, server_id, wanted, server, exchange)]
        )
        return server

    def snapshot(self, server_ids: Collection[str] = (), quota: bool = False) -> dict[str, Any]:
        """What a refused call must not change: the servers' state and the quota usage."""
        seen: dict[str, Any] = {}
        for server_id in server_ids:
            server, _ = self.settled(server_id)
            seen[server_id] = {
                "status": server.get("status"),
                "task_state": server.get("OS-EXT-STS:task_state"),
                "name": server.get("name"),
                "metadata": server.get("metadata"),
                "key_name": server.get("key_name"),
                "volumes": sorted(
                    v.get("id", "") for v in server.get("os-extended-volumes:volumes_attached", [])
                ),
            }
        if quota:
            usage = self.api.call("ShowTenantQuota").json or {}
            absolute = usage.get("absolute", {})
            seen["quota"] = {k: v for k, v in absolute.items() if k.startswith("total")}
        return seen

    def instances_used(self) -> tuple[int, int, Exchange]:
        """Servers used and allowed, from ShowTenantQuota."""
        exchange = self.api.call("ShowTenantQuota")
        absolute = (exchange.json or {}).get("absolute", {})
        return (
            absolute.get("totalInstancesUsed", 0),
            absolute.get("maxTotalInstances", -1),
            exchange,
        )
