"""What the auth and isolation suites send (``conformance/test_*_auth.py``,
``test_auth_signing.py``, ``test_isolation_*.py``); their fixtures are in ``auth_fixtures``.

- ``Identities``: how the other identities authenticate (another user of the project, a user
  of another project), the main identity's AK/SK signer and expired token; what the
  environment does not give skips the tests that need it, with the reason;
- the deliberately wrong credentials of each auth case, as authorizers;
- ``AuthProbe``: sends any operation with one such case and checks the refusal. Every
  request names things that exist nowhere (a server id no target knows, an absent flavor), so
  even a target that skipped authentication would change nothing; reads of the BMS API name
  the profile's real resources, so a skipped check shows as a plain 200.

The gateway locks an access key after more than five failed signatures in a row, so every
case that fails the main key's signature is followed by one valid signed read.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import pytest

from bmscert.checks import expectations
from bmscert.checks.isolation import FOREIGN_PROJECT_FAULT, foreign_project
from bmscert.checks.verifier import Verifier
from bmscert.core import microversion
from bmscert.core.auth import AkSkAuth, Authorizer, Outgoing, TokenAuth, authorizer_for
from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.client import ApiClient, Exchange
from bmscert.core.credentials import read_secrets
from bmscert.core.profile import Profile
from bmscert.errors import BmscertError
from bmscert.runners.fleet import create_body, valid_body
from bmscert.runners.resources import Resources

TOKEN_CASES = ("no-credentials", "garbage-token", "expired-token", "other-project-credentials")
SIGNATURE_CASES = (
    "stale-date",
    "malformed-date",
    "unknown-access-key",
    "query-tampered",
    "body-tampered",
)
# Cases that fail a signature of the main access key; each is followed by a valid one.
AGAINST_THE_MAIN_KEY = frozenset(
    {"stale-date", "malformed-date", "query-tampered", "body-tampered"}
)
VERSION_OPERATIONS = frozenset(
    {"ListVersions", "ShowSpecifiedVersion", "list_api_versions", "show_api_version"}
)
STALE_SECONDS = 20 * 60.0
ABSENT_FLAVOR = "physical.bmscert.absent"
ABSENT_ID = "00000000-0000-4000-8000-0000000a0000"
NOVA_BODIES = {
    "create_server": {
        "server": {
            "name": "x",
            "imageRef": "i",
            "flavorRef": "f",
            "availability_zone": "z",
            "networks": [{"uuid": "n"}],
        }
    },
    "start_server": {"os-start": None},
    "stop_server": {"os-stop": None},
    "reboot_server": {"reboot": {"type": "HARD"}},
    "update_server_metadata": {"metadata": {"k": "v"}},
    "replace_server_metadata": {"metadata": {"k": "v"}},
    "set_server_metadata_item": {"meta": {"k": "v"}},
    "attach_volume": {"volumeAttachment": {"volumeId": "v"}},
    "create_keypair": {"keypair": {"name": "bmscert/never"}},
    "replace_server_tags": {"tags": ["x"]},
}
NOVA_ABSENT_PATH = {
    "server_id": ABSENT_ID,
    "flavor_id": "physical.none",
    "key": "k",
    "network_label": "n",
    "flavor_extra_spec_key": "k",
    "port_id": ABSENT_ID,
    "volume_id": ABSENT_ID,
    "keypair_name": "bmscert-never",
    "tag": "x",
    "api_version": "v2.1",
}


@dataclass(frozen=True)
class StaleDate:
    """A valid signature, dated past the gateway's 15-minute window."""

    signer: AkSkAuth
    label: str = "main"

    def authorize(self, request: Outgoing) -> Outgoing:
        return self.signer.signed(request, at=time.time() - STALE_SECONDS)

    def secrets(self) -> tuple[str, ...]:
        return self.signer.secrets()


@dataclass(frozen=True)
class MalformedDate:
    """A valid signature whose ``X-Sdk-Date`` is then written as an HTTP date."""

    signer: AkSkAuth
    label: str = "main"

    def authorize(self, request: Outgoing) -> Outgoing:
        signed = self.signer.signed(request)
        headers = {k: v for k, v in signed.headers.items() if k.lower() != "x-sdk-date"}
        headers["X-Sdk-Date"] = "Mon, 01 Jan 2024 00:00:00 GMT"
        return replace(signed, headers=headers)

    def secrets(self) -> tuple[str, ...]:
        return self.signer.secrets()


@dataclass(frozen=True)
class QueryTampered:
    """Signed as it was, then sent with one more query parameter: a verifier that leaves
    the query out would still accept it."""

    signer: AkSkAuth
    label: str = "main"

    def authorize(self, request: Outgoing) -> Outgoing:
        signed = self.signer.signed(request)
        parts = urlsplit(signed.url)
        query = "&".join(filter(None, (parts.query, "bmscert-tampered=1")))
        return replace(signed, url=urlunsplit(parts._replace(query=query)))

    def secrets(self) -> tuple[str, ...]:
        return self.signer.secrets()


@dataclass(frozen=True)
class BodyTampered:
    """A body other than the one signed: a request with a body is signed without it (a
    verifier that leaves the body hash out would still accept it); one without a body is
    signed over a body it then does not carry."""

    signer: AkSkAuth
    label: str = "main"

    def authorize(self, request: Outgoing) -> Outgoing:
        if request.body:
            signed = self.signer.signed(replace(request, body=b""))
            return replace(signed, body=request.body)
        signed = self.signer.signed(replace(request, body=b'{"bmscert": "signed"}'))
        return replace(signed, body=b"")

    def secrets(self) -> tuple[str, ...]:
        return self.signer.secrets()


class Identities:
    """The identities a run knows besides its main one, built once, skipped when absent."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self._built: dict[tuple[str, str], Authorizer] = {}

    def of(self, identity: str, method: str | None = None) -> Authorizer:
        key = (identity, method or self.profile.auth.method)
        if key not in self._built:
            try:
                self._built[key] = authorizer_for(self.profile, identity, method=key[1])
            except BmscertError as error:
                pytest.skip(f"no {key[1]} credentials for the {identity} identity: {error}")
        return self._built[key]

    @property
    def other(self) -> Authorizer:
        """A user of another project, authenticated the way the run is."""
        return self.of("other")

    @property
    def peer(self) -> Authorizer:
        """Another user of this project, authenticated the way the run is."""
        return self.of("peer")

    @property
    def signer(self) -> AkSkAuth:
        """The main identity's AK/SK signer, whatever the run's method."""
        return cast(AkSkAuth, self.of("main", "aksk"))

    @cached_property
    def expired_token(self) -> str:
        token = read_secrets(self.profile.auth, "main").expired_token
        if not token:
            variable = self.profile.auth.variable("main", "expired_token")
            pytest.skip(f"no expired token to send: set {variable}")
        return token

    def broken(self, case: str) -> Authorizer | None:
        """The credentials ``case`` sends; None for none at all."""
        if case == "no-credentials":
            return None
        builders = {
            "garbage-token": lambda: TokenAuth("not-a-token-" + "0" * 20, label="garbage"),
            "expired-token": lambda: TokenAuth(self.expired_token, label="expired"),
            "other-project-credentials": lambda: self.other,
            "stale-date": lambda: StaleDate(self.signer),
            "malformed-date": lambda: MalformedDate(self.signer),
            "unknown-access-key": self._unknown_key,
            "query-tampered": lambda: QueryTampered(self.signer),
            "body-tampered": lambda: BodyTampered(self.signer),
        }
        return builders[case]()

    def _unknown_key(self) -> Authorizer:
        access_key = "BMSCERTNOSUCHKEY" + secrets.token_hex(2).upper()
        return AkSkAuth(
            access_key, secrets.token_urlsafe(30), self.profile.project_id, label="unknown"
        )


def _bms_request(
    operation: Operation, resources: Resources, profile: Profile
) -> tuple[dict[str, str], Any]:
    """Reads name the profile's resources; writes name a server and volume no one has, and a
    create names a flavor no one has."""
    if operation.method == "GET":
        return resources.path_for(operation.path_params), None
    path = {
        name: ABSENT_ID
        for name in operation.path_params
        if name not in ("project_id", "api_version")
    }
    if operation.id == "CreateBareMetalServers":
        ids = {**profile.resources, "flavor_id": ABSENT_FLAVOR}
        return path, create_body(ids, "bmscert-never")
    try:
        return path, valid_body(operation.id, {"server_id": ABSENT_ID, "volume_id": ABSENT_ID})
    except KeyError:
        return path, None


def harmless_request(
    operation: Operation, resources: Resources, profile: Profile
) -> tuple[dict[str, str], Any]:
    """A path and body for ``operation`` that change nothing, whoever answers them."""
    if operation.is_bms:
        return _bms_request(operation, resources, profile)
    names = [name for name in operation.path_params if name != "project_id"]
    return {name: NOVA_ABSENT_PATH[name] for name in names}, NOVA_BODIES.get(operation.id)


def nova_headers(operation: Operation) -> dict[str, str]:
    """The microversion a Nova operation is sent at: its floor."""
    if operation.is_bms:
        return {}
    return microversion.request_headers(operation.min_microversion or microversion.DEFAULT)


class AuthProbe:
    """Sends one operation with one auth case, and checks the documented refusal."""

    def __init__(
        self,
        api: ApiClient,
        verify: Verifier,
        resources: Resources,
        identities: Identities,
        catalogue: Catalogue,
    ):
        self.api = api
        self.verify = verify
        self.resources = resources
        self.identities = identities
        self.catalogue = catalogue

    def send(self, operation_id: str, case: str) -> Exchange:
        operation = self.catalogue[operation_id]
        broken = self.identities.broken(case)
        path, body = harmless_request(operation, self.resources, self.verify.profile)
        extra = {"json_body": body} if body is not None else {}
        exchange = self.api.call(
            operation_id,
            path=path,
            headers=nova_headers(operation),
            authenticated=broken is not None,
            auth=broken,
            paced=False,
            **extra,
        )
        if case in AGAINST_THE_MAIN_KEY:
            self._recover()
        return exchange

    def _recover(self) -> None:
        """One valid signature, so the refused ones never run more than five in a row."""
        self.api.call("ShowTenantQuota", auth=self.identities.signer, recorded=False)

    def expect_refusal(self, exchange: Exchange, case: str) -> Exchange:
        operation = self.catalogue[exchange.operation]
        profile = self.verify.profile
        public = operation.id in VERSION_OPERATIONS
        if public and (case == "other-project-credentials" or not _versions_closed(profile)):
            return self.verify.success(exchange)
        if case == "other-project-credentials":
            return self._expect_foreign(operation, exchange)
        expected = expectations.missing_token()
        return self.verify.error(exchange, expected.status, expected.envelope, expected.code)

    def _expect_foreign(self, operation: Operation, exchange: Exchange) -> Exchange:
        expected = foreign_project(operation)
        if operation.is_bms:
            return self.verify.error(exchange, expected.status, expected.envelope, expected.code)
        version = operation.min_microversion or microversion.DEFAULT
        return self.verify.nova_error(
            exchange, expected.status, FOREIGN_PROJECT_FAULT, microversion=version
        )

    def run(self, operation_id: str, case: str) -> Exchange:
        return self.expect_refusal(self.send(operation_id, case), case)


def _versions_closed(profile: Profile) -> bool:
    return expectations.versions_need_token(profile)
