"""The target's IAM endpoint issues project-scoped tokens, the client logs in once and again
before a token expires, and expired or foreign tokens are refused."""

import time

import httpx
import pytest

from bmscert.core.auth import IamLogin, IamTokenAuth, Outgoing
from bmscert.errors import CredentialError
from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import Account, TargetSettings

PASSWORD = "iam-test-password-0123"
EXPIRED = "an-expired-token-0123456789"
ACCOUNTS = {"main": Account(password=PASSWORD, expired_token=EXPIRED)}


@pytest.fixture(scope="module")
def target():
    with ThreadedTarget(TargetSettings(accounts=ACCOUNTS, token_seconds=3)) as running:
        yield running


def _login(target, password=PASSWORD, project=None):
    names = target.info["identities"]["main"]
    return IamLogin(
        target.info["endpoints"]["iam"],
        names["username"],
        password,
        names["domain"],
        project or names["project_id"],
    )


def _quota(target, token, project=None):
    project = project or target.info["resources"]["project_id"]
    url = f"{target.info['endpoints']['bms']}/v1/{project}/baremetalservers/limits"
    return httpx.get(url, headers={"X-Auth-Token": token})


def test_a_password_login_answers_201_with_the_token_in_x_subject_token(target):
    login = _login(target)
    reply = httpx.post(login.endpoint + "/v3/auth/tokens", json=login.body())
    body = reply.json()["token"]
    assert reply.status_code == 201
    assert reply.headers["x-subject-token"]
    assert body["project"]["id"] == target.info["resources"]["project_id"]
    assert body["expires_at"].endswith("Z")
    assert _quota(target, reply.headers["x-subject-token"]).status_code == 200


def test_a_wrong_password_is_a_one_line_credential_error_without_the_password(target):
    with pytest.raises(CredentialError) as error:
        _login(target, password="not-the-password-9").fetch()
    assert "HTTP 401" in str(error.value)
    assert "not-the-password-9" not in str(error.value)


def test_a_login_for_a_project_the_user_is_not_in_is_refused(target):
    other = target.info["identities"]["other"]["project_id"]
    with pytest.raises(CredentialError):
        _login(target, project=other).fetch()


def test_the_token_is_reused_then_renewed_before_it_expires(target):
    auth = IamTokenAuth(_login(target))
    url = f"{target.info['endpoints']['bms']}/v1/{target.info['resources']['project_id']}"

    first = auth.authorize(Outgoing("GET", url)).headers["X-Auth-Token"]
    again = auth.authorize(Outgoing("GET", url)).headers["X-Auth-Token"]
    time.sleep(1.7)
    renewed = auth.authorize(Outgoing("GET", url)).headers["X-Auth-Token"]

    assert first == again
    assert renewed != first
    assert auth.logins == 2
    assert _quota(target, renewed).status_code == 200


def test_a_token_is_refused_once_it_has_expired(target):
    token, _ = _login(target).fetch()
    time.sleep(3.2)
    reply = _quota(target, token)
    assert reply.status_code == 401
    assert "token expires" in reply.json()["error_msg"]


def test_an_expired_token_and_a_garbage_one_get_the_gateway_401(target):
    for token in (EXPIRED, "garbage-0123456789"):
        reply = _quota(target, token)
        assert (reply.status_code, reply.json()["error_code"]) == (401, "APIGW.0301")


def test_the_date_header_follows_the_targets_clock():
    settings = TargetSettings(clock_offset_seconds=3600)
    with ThreadedTarget(settings) as running:
        reply = httpx.get(running.info["endpoints"]["bms"] + "/")
    served = httpx.Headers(reply.headers)["date"]
    from email.utils import parsedate_to_datetime

    assert 3590 < parsedate_to_datetime(served).timestamp() - time.time() < 3610
