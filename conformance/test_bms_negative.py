"""Invalid requests to every BMS operation that takes a body: the documented 400, no change.

The cases are derived from the request schemas (``bmscert.checks.mutations``): each breaks
exactly one documented rule of a valid body (a required member left out, a wrong type, a
value outside its enumeration, a string too long, 1001 servers in a batch, ...). They are
computed at collection time from a template with placeholder ids and again at run time from
the real ids; the template's shape is fixed, so both give the same cases.

Bodies that are not JSON, JSON of the wrong shape and bodies past the gateway's size limit
get the documented 4xx too, and none of these calls may change anything.
"""

import pytest

from bmscert.checks import effects, expectations
from bmscert.checks.mutations import mutations
from bmscert.core.catalogue import load_catalogue
from bmscert.core.schemas import load_schemas
from bmscert.runners.fleet import POWER, valid_body

CATALOGUE = load_catalogue()
STORE = load_schemas()
ON_A_SERVER = (
    "ChangeBaremetalServerName",
    "UpdateBaremetalServerMetadata",
    "ReinstallBaremetalServerOs",
    "AttachBaremetalServerVolume",
    "ResetPwdOneClick",
)
WITH_BODY = ("CreateBareMetalServers", *POWER, *ON_A_SERVER)
GATEWAY_LIMIT = 12 * 1024 * 1024


def _body_schema(operation_id):
    return STORE.inlined(CATALOGUE[operation_id].request_schema, "/properties/body")


def _safety(operation_id):
    return getattr(pytest.mark, CATALOGUE[operation_id].safety)


def _cases():
    for operation_id in WITH_BODY:
        template = valid_body(operation_id, {})
        for mutation in mutations(_body_schema(operation_id), template):
            yield pytest.param(
                operation_id,
                mutation.case_id,
                marks=_safety(operation_id),
                id=f"{operation_id}-{mutation.case_id}",
            )


def _ids(fleet, verify, operation_id):
    """The real ids the operation's valid body is built from, and the server it acts on."""
    if operation_id == "CreateBareMetalServers":
        return fleet.create_ids(), None
    server_id = fleet.owned(verify)
    fleet.ensure(verify, server_id, "ACTIVE")
    ids = {"server_id": server_id}
    if operation_id == "ReinstallBaremetalServerOs":
        ids.update(fleet.ids("user_id"))
    if operation_id == "AttachBaremetalServerVolume":
        ids.update(fleet.ids("volume_id"))
    return ids, server_id


def _send(api, operation_id, server_id, **body):
    path = {"server_id": server_id} if server_id else None
    return api.call(operation_id, path=path, **body)


def _observe(fleet, operation_id, server_id):
    return fleet.snapshot([server_id] if server_id else [], quota=server_id is None)


@pytest.mark.parametrize(("operation_id", "case"), list(_cases()))
def test_a_body_breaking_one_documented_rule_is_refused_without_effect(
    operation_id, case, api, verify, fleet
):
    ids, server_id = _ids(fleet, verify, operation_id)
    found = {
        m.case_id: m for m in mutations(_body_schema(operation_id), valid_body(operation_id, ids))
    }
    mutation = found[case]
    before = _observe(fleet, operation_id, server_id)

    exchange = _send(api, operation_id, server_id, json_body=mutation.body)

    expected = expectations.invalid_request()
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    after = _observe(fleet, operation_id, server_id)
    verify.settle([effects.state_is_unchanged(operation_id, before, after, exchange)])


BAD_BODIES = [
    pytest.param(b"{not json", expectations.body_not_json(), id="not-json"),
    pytest.param(b'{"server": ', expectations.body_not_json(), id="truncated-json"),
    pytest.param(b"\xff\xfe\x00garbage", expectations.body_not_json(), id="not-utf8"),
    pytest.param(b"[1, 2, 3]", expectations.invalid_request(), id="json-array"),
    pytest.param(b'"server"', expectations.invalid_request(), id="json-string"),
    pytest.param(b"[" * 100_000, expectations.body_not_json(), id="nested-too-deep"),
]


@pytest.mark.mutating
@pytest.mark.parametrize("operation_id", ["CreateBareMetalServers"])
@pytest.mark.parametrize(("content", "expected"), BAD_BODIES)
def test_a_body_that_is_not_a_json_object_is_refused_without_effect(
    operation_id, content, expected, api, verify, fleet
):
    before = fleet.snapshot(quota=True)

    exchange = api.call(
        operation_id, content=content, headers={"Content-Type": "application/json"}
    )

    verify.error(exchange, expected.status, expected.envelope, expected.code)
    after = fleet.snapshot(quota=True)
    verify.settle([effects.state_is_unchanged(operation_id, before, after, exchange)])


@pytest.mark.mutating
@pytest.mark.parametrize("operation_id", ["CreateBareMetalServers"])
def test_a_body_past_the_gateway_limit_is_refused_with_413(operation_id, api, verify, fleet):
    before = fleet.snapshot(quota=True)
    huge = b'{"server": {"name": "' + b"a" * GATEWAY_LIMIT + b'"}}'

    exchange = api.call(operation_id, content=huge, headers={"Content-Type": "application/json"})

    expected = expectations.body_too_large()
    verify.error(exchange, expected.status, expected.envelope, expected.code)
    after = fleet.snapshot(quota=True)
    verify.settle([effects.state_is_unchanged(operation_id, before, after, exchange)])
