"""Deleting what a run created, and nothing else.

The ledger (``bmscert.core.ledger``) says what the run asked for. For each identity that
created something, the cleanup lists that identity's servers and key pairs once, matches them
to the ledger's claims (by id, by the job of a BMS order, by the exact name the run gave),
and deletes a match only if the target acknowledged creating it for this run or its name,
tag or metadata carries this run's id. Servers go through Nova's ``delete_server`` (the
native BMS API has no delete); key pairs through ``delete_keypair``. Tags and metadata keys
the run added to servers it did not create are left: deleting them would be touching them.

It runs at the end of every ``bmscert run``, on SIGINT or SIGTERM before the run stops, and on
demand (``bmscert cleanup --run-id ID``; a dry run unless ``--yes``). What it deleted, found
gone or had to leave is appended to the ledger as a ``cleanup`` record, so the ledger itself
says whether anything of the run is left.

A real region deletes a server asynchronously, and yearly/monthly (prepaid) servers are
released through the billing centre rather than the API: there a ``delete_server`` that is
refused leaves the server listed under ``left`` with the status the target gave.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bmscert.checks.jobs import servers_named_by
from bmscert.core.auth import authorizer_for
from bmscert.core.catalogue import Catalogue
from bmscert.core.client import ApiClient
from bmscert.core.credentials import IDENTITIES
from bmscert.core.ledger import KEYPAIR, SERVER, Claim, Claims, Ledger, read_ledger
from bmscert.core.naming import RUN_TAG_KEY, carries_run
from bmscert.core.pacing import Pacer
from bmscert.core.profile import Profile
from bmscert.errors import BmscertError

logger = logging.getLogger(__name__)

PAGE = 1000


@dataclass
class CleanupReport:
    """What a cleanup did: deleted, found already gone, left (with why), or would delete."""

    run_id: str
    dry_run: bool
    deleted: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    left: list[dict[str, str]] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.left and not self.planned

    def as_data(self) -> dict[str, Any]:
        """For the ledger and the summary; what was never made or already gone is a count
        (most of it is refused requests: negative cases, throttled creates)."""
        return {
            "dry_run": self.dry_run,
            "deleted": self.deleted,
            "gone": len(self.gone),
            "left": self.left,
            "planned": self.planned,
        }

    def lines(self) -> list[str]:
        """What a person reads: one line, plus one per resource left."""
        if self.dry_run:
            head = f"cleanup (dry run): would delete {len(self.planned)} resource(s)"
            return [head, *(f"  would delete {label}" for label in self.planned)] + [
                f"  would leave {item['resource']}: {item['reason']}" for item in self.left
            ]
        if not self.left:
            done = f"deleted {len(self.deleted)}, found {len(self.gone)} already gone"
            if not self.deleted and not self.gone:
                done = "nothing outstanding in the ledger"
            return [f"cleanup: {done}; nothing of run {self.run_id} is left"]
        retry = f"bmscert cleanup --run-id {self.run_id} --yes"
        head = f"cleanup: could not delete {len(self.left)} resource(s); retry with `{retry}`"
        return [head, *(f"  left {item['resource']}: {item['reason']}" for item in self.left)]


@dataclass
class _Listed:
    """What one identity sees: its servers by id, and its key pair names."""

    servers: dict[str, dict[str, Any]]
    keypairs: set[str]

    def named(self, name: str) -> list[str]:
        return [server_id for server_id, s in self.servers.items() if s.get("name") == name]


def _list_servers(client: ApiClient) -> dict[str, dict[str, Any]]:
    servers: dict[str, dict[str, Any]] = {}
    page = 1
    while True:
        reply = client.call("ListBareMetalServers", query={"limit": PAGE, "offset": page})
        found = (reply.json or {}).get("servers", []) if reply.status == 200 else []
        servers.update({s["id"]: s for s in found if isinstance(s, dict) and "id" in s})
        if reply.status != 200 or len(found) < PAGE:
            return servers
        page += 1


def _list_keypairs(client: ApiClient) -> set[str]:
    reply = client.call("list_keypairs")
    pairs = (reply.json or {}).get("keypairs", []) if reply.status == 200 else []
    return {p.get("keypair", {}).get("name", "") for p in pairs if isinstance(p, dict)}


def _marked(server: dict[str, Any], run_id: str) -> bool:
    """Whether a server carries the run id: name prefix, a tag, or a metadata key."""
    tags = server.get("tags") or []
    metadata = server.get("metadata") or {}
    return (
        carries_run(str(server.get("name", "")), run_id)
        or f"{RUN_TAG_KEY}={run_id}" in tags
        or metadata.get(RUN_TAG_KEY) == run_id
    )


class _Cleaner:
    """One identity's share of a cleanup."""

    def __init__(self, client: ApiClient, report: CleanupReport, claims: list[Claim]):
        self.client = client
        self.report = report
        self.claims = claims
        self.run_id = report.run_id
        self.ledger = client.ledger

    def run(self) -> None:
        kinds = {claim.kind for claim in self.claims}
        listed = _Listed(
            _list_servers(self.client) if SERVER in kinds else {},
            _list_keypairs(self.client) if KEYPAIR in kinds else set(),
        )
        targets: dict[str, tuple[str, list[Claim]]] = {}
        for claim in self.claims:
            if claim.kind == SERVER:
                self._match_server(claim, listed, targets)
            elif claim.kind == KEYPAIR:
                self._keypair(claim, listed)
        for server_id, (label, claims) in targets.items():
            self._delete("delete_server", {"server_id": server_id}, label, claims, server_id)

    def _gone(self, claim: Claim) -> None:
        self.report.gone.append(claim.label)
        self._settle("gone", [claim])

    def _settle(self, event: str, claims: list[Claim], resource_id: str = "") -> None:
        """Tell the ledger which claims a delete answered, by name as well as by id."""
        if self.ledger is None or self.report.dry_run:
            return
        for claim in claims:
            self.ledger.append(
                event,
                claim.kind,
                id=resource_id or claim.id,
                name=claim.name,
                identity=claim.identity,
            )

    def _leave(self, label: str, reason: str) -> None:
        self.report.left.append({"resource": label, "reason": reason})

    def _ids_of(self, claim: Claim, listed: _Listed) -> list[str]:
        if claim.id:
            return [claim.id] if claim.id in listed.servers else []
        if claim.job_id:
            reply = self.client.call("ShowJobInfos", path={"job_id": claim.job_id})
            named = servers_named_by(reply.json) if reply.status == 200 else set()
            found = [server_id for server_id in named if server_id in listed.servers]
            by_name = [i for i in found if listed.servers[i].get("name") == claim.name]
            if by_name or found:
                return by_name or found
        return listed.named(claim.name) if claim.name else []

    def _match_server(
        self, claim: Claim, listed: _Listed, targets: dict[str, tuple[str, list[Claim]]]
    ) -> None:
        ids = self._ids_of(claim, listed)
        if not ids:
            self._gone(claim)
            return
        for server_id in ids:
            server = listed.servers[server_id]
            label = f"server {server_id} ({server.get('name', '')})"
            if claim.acknowledged or _marked(server, self.run_id):
                targets.setdefault(server_id, (label, []))[1].append(claim)
            else:
                self._leave(label, f"it does not carry run id {self.run_id}")

    def _keypair(self, claim: Claim, listed: _Listed) -> None:
        if claim.name not in listed.keypairs:
            self._gone(claim)
            return
        label = f"key pair {claim.name}"
        if not (claim.acknowledged or carries_run(claim.name, self.run_id)):
            self._leave(label, f"its name does not carry run id {self.run_id}")
            return
        self._delete("delete_keypair", {"keypair_name": claim.name}, label, [claim])

    def _delete(
        self,
        operation: str,
        path: dict[str, str],
        label: str,
        claims: list[Claim],
        resource_id: str = "",
    ) -> None:
        if self.report.dry_run:
            self.report.planned.append(label)
            return
        reply = self.client.call(operation, path=path)
        if 200 <= reply.status < 300:
            self.report.deleted.append(label)
            self._settle("deleted", claims, resource_id)
        elif reply.status == 404:
            self.report.gone.append(label)
            self._settle("gone", claims, resource_id)
        else:
            code = _error_code(reply.json)
            self._leave(label, f"{operation} answered HTTP {reply.status}{code}")


def _error_code(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    code = body.get("error_code") or (body.get("error") or {}).get("code")
    return f" {code}" if code else ""


def _client_for(
    profile: Profile,
    catalogue: Catalogue,
    identity: str,
    ledger: Ledger | None,
    environ: dict[str, str] | None,
) -> ApiClient:
    known = identity if identity in IDENTITIES else "main"
    pacer = Pacer(profile.pacing_fraction, profile.window_seconds)
    authorizer = authorizer_for(profile, known, environ=environ)
    return ApiClient(profile, catalogue, authorizer, pacer=pacer, phase="cleanup", ledger=ledger)


def clean_up(
    profile: Profile,
    catalogue: Catalogue,
    ledger_path: Path,
    run_id: str,
    *,
    dry_run: bool = False,
    environ: dict[str, str] | None = None,
) -> CleanupReport:
    """Delete (or, in a dry run, list) what the ledger says the run left behind."""
    report = CleanupReport(run_id, dry_run)
    outstanding = Claims.from_records(read_ledger(ledger_path)).outstanding()
    by_identity: dict[str, list[Claim]] = defaultdict(list)
    for claim in outstanding:
        by_identity[claim.identity].append(claim)
    ledger = None if dry_run else Ledger(ledger_path)
    try:
        for identity, claims in by_identity.items():
            _clean_as(profile, catalogue, identity, claims, report, ledger, environ)
    finally:
        if ledger is not None:
            ledger.append("cleanup", "run", **report.as_data())
            ledger.close()
    return report


def _clean_as(
    profile: Profile,
    catalogue: Catalogue,
    identity: str,
    claims: list[Claim],
    report: CleanupReport,
    ledger: Ledger | None,
    environ: dict[str, str] | None,
) -> None:
    """Clean up what ``identity`` created; an error leaves the rest listed with its reason."""
    if any(c.kind == SERVER for c in claims) and "ecs" not in profile.endpoints:
        for claim in claims:
            if claim.kind == SERVER:
                report.left.append(
                    {"resource": claim.label, "reason": "no ecs endpoint to delete it through"}
                )
        claims = [c for c in claims if c.kind != SERVER]
    try:
        client = _client_for(profile, catalogue, identity, ledger, environ)
    except BmscertError as error:
        report.left += [{"resource": c.label, "reason": str(error)} for c in claims]
        return
    try:
        _Cleaner(client, report, claims).run()
    except BmscertError as error:
        mentioned = " ".join(report.deleted + report.gone)
        report.left += [
            {"resource": c.label, "reason": str(error)}
            for c in claims
            if (c.id or c.name) not in mentioned
        ]
    finally:
        client.close()
