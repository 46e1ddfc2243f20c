"""The target verifies AK/SK signatures: requests the official SDK signs pass, the documented
reference vector checks out, and every way a signature can be wrong is a 401."""

import hashlib
import time
from datetime import UTC, datetime

import httpx
import pytest
from huaweicloudsdkbms.v1 import BmsClient
from huaweicloudsdkbms.v1 import model as sdk
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig

from bmscert.core.auth import AkSkAuth, Outgoing
from bmscert.target import signing
from bmscert.target.seed import seed_identities
from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import Account, TargetSettings

AK, SK = "BMSCERTSIGNINGTESTAK", "signing-test-secret-key"
PEER_AK, PEER_SK, PEER_ST = "BMSCERTPEERTEMPKEY01", "peer-secret-key", "peer-security-token"
ACCOUNTS = {
    "main": Account(access_key=AK, secret_key=SK),
    "peer": Account(access_key=PEER_AK, secret_key=PEER_SK, security_token=PEER_ST),
}
VECTOR_CANONICAL = (
    "GET\n/v1/p1/baremetalservers/detail/\nlimit=10&offset=1\n"
    "host:bms.cn-north-4.myhuaweicloud.com\nx-sdk-date:20240101T000000Z\n\n"
    "host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)


@pytest.fixture(scope="module")
def target():
    with ThreadedTarget(TargetSettings(accounts=ACCOUNTS)) as running:
        yield running


@pytest.fixture(scope="module")
def project(target):
    return target.info["resources"]["project_id"]


def _send(request: Outgoing) -> httpx.Response:
    return httpx.request(
        request.method, request.url, headers=request.headers, content=request.body
    )


def _signed(target, path, *, method="GET", body=b"", key=(AK, SK), project="", **options):
    url = target.info["endpoints"]["bms"] + path
    headers = {"Content-Type": "application/json"} if body else {}
    signer = AkSkAuth(*key, project, **options)
    return signer.signed(Outgoing(method, url, headers, body))


def test_the_verifier_builds_the_documented_canonical_request_and_signature():
    request = signing.ReceivedRequest(
        "GET",
        "/v1/p1/baremetalservers/detail",
        "offset=1&limit=10",
        {"host": "bms.cn-north-4.myhuaweicloud.com", "x-sdk-date": "20240101T000000Z"},
        b"",
    )
    canonical = signing.canonical_request(request, ("host", "x-sdk-date"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    authorization = signing.parse_authorization(
        "SDK-HMAC-SHA256 Access=AKTEST, SignedHeaders=host;x-sdk-date, "
        "Signature=9753bee022b9cfc1ad4b6564716dc6fbef0436aae14322f5a8d452a1541ca277"
    )

    assert canonical == VECTOR_CANONICAL
    assert digest == "508581827c6ee265b79bc015fec201f387d40ab9603e7b8a4b8c89f0847aa62a"
    signing.verify(request, authorization, "SKTEST", datetime(2024, 1, 1, tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    "path",
    [
        "/baremetalservers/detail?limit=2&offset=1",
        "/baremetalservers/detail?name=a%20b&name=a+c&status=ACTIVE&flavor=",
        "/baremetalservers/detail?tags=env%3Dprod%2Cteam%2Fweb",
        "/baremetalservers/limits",
    ],
)
def test_a_read_the_sdk_signer_signs_is_accepted(target, project, path):
    reply = _send(_signed(target, f"/v1/{project}{path}", project=project))
    assert reply.status_code == 200, reply.text


def test_a_write_the_sdk_signer_signs_is_accepted_and_acts(target, project):
    server = target.info["resources"]["server_id"]
    body = b'{"metadata": {"signed": "yes"}}'
    path = f"/v1/{project}/baremetalservers/{server}/metadata"

    reply = _send(_signed(target, path, method="POST", body=body, project=project))

    assert reply.status_code == 200, reply.text
    assert target.target.world.projects[project].servers[server].user_metadata["signed"] == "yes"


def test_the_official_bms_sdk_is_accepted_with_temporary_credentials(target, project):
    credentials = BasicCredentials(PEER_AK, PEER_SK, project).with_security_token(PEER_ST)
    client = _sdk_client(target, credentials)
    reply = client.show_tenant_quota(sdk.ShowTenantQuotaRequest())
    assert reply.absolute.max_total_instances > 0


def test_temporary_credentials_without_their_security_token_are_refused(target, project):
    with pytest.raises(ClientRequestException) as error:
        _sdk_client(target, BasicCredentials(PEER_AK, PEER_SK, project)).show_tenant_quota(
            sdk.ShowTenantQuotaRequest()
        )
    assert error.value.status_code == 401


def _sdk_client(target, credentials) -> BmsClient:
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    return (
        BmsClient.new_builder()
        .with_http_config(config)
        .with_credentials(credentials)
        .with_endpoint(target.info["endpoints"]["bms"])
        .build()
    )


def _tampered(target, project, change):
    request = _signed(target, f"/v1/{project}/baremetalservers/detail?limit=1", project=project)
    return _send(change(request))


@pytest.mark.parametrize(
    ("case", "change"),
    [
        ("another-query", lambda r: Outgoing(r.method, r.url + "&offset=2", r.headers)),
        ("a-query-removed", lambda r: Outgoing(r.method, r.url.split("?")[0], r.headers)),
        ("a-body-added", lambda r: Outgoing(r.method, r.url, r.headers, b"{}")),
        (
            "a-signed-header-changed",
            lambda r: Outgoing(r.method, r.url, {**r.headers, "X-Project-Id": "p9"}),
        ),
        (
            "another-path",
            lambda r: Outgoing(r.method, r.url.replace("detail", "limits"), r.headers),
        ),
    ],
)
def test_a_request_that_differs_from_what_was_signed_is_refused(target, project, case, change):
    reply = _tampered(target, project, change)
    assert reply.status_code == 401, case
    assert reply.json()["error_code"] == "APIGW.0301"


@pytest.mark.parametrize(("minutes", "status"), [(-14, 200), (14, 200), (-16, 401), (16, 401)])
def test_the_signing_date_must_be_within_fifteen_minutes(target, project, minutes, status):
    at = time.time() + minutes * 60
    request = _signed(target, f"/v1/{project}/baremetalservers/limits", project=project)
    request = AkSkAuth(AK, SK, project).signed(Outgoing("GET", request.url), at=at)
    assert _send(request).status_code == status


def test_an_unknown_access_key_is_refused_naming_it(target, project):
    reply = _send(_signed(target, f"/v1/{project}/baremetalservers/limits", key=("AKNOPE", SK)))
    assert reply.status_code == 401
    assert "ak AKNOPE not exist" in reply.json()["error_msg"]


def test_a_signature_for_another_project_is_refused_at_the_url(target, project):
    other = seed_identities(TargetSettings())["other"]["project_id"]
    reply = _send(_signed(target, f"/v1/{other}/baremetalservers/limits", project=project))
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == "Common.0018"


def test_more_than_five_failed_signatures_in_a_row_lock_the_key():
    with ThreadedTarget(TargetSettings(accounts=ACCOUNTS)) as running:
        project = running.info["resources"]["project_id"]
        path = f"/v1/{project}/baremetalservers/limits"

        def broken(r):
            return Outgoing(r.method, r.url + "?x=1", r.headers)

        statuses = [
            _send(broken(_signed(running, path, project=project))).status_code for _ in range(6)
        ]
        locked = _send(_signed(running, path, project=project))

    assert statuses == [401] * 6
    assert locked.status_code == 401
    assert "reach the limit" in locked.json()["error_msg"]


def test_a_valid_signature_between_failures_keeps_the_key_open(target, project):
    path = f"/v1/{project}/baremetalservers/limits"
    replies = []
    for _ in range(8):
        good = _signed(target, path, project=project)
        _send(Outgoing(good.method, good.url + "?x=1", good.headers))
        replies.append(_send(_signed(target, path, project=project)).status_code)
    assert replies == [200] * 8
