"""Each response check on hand-made exchanges: what passes, what fails, what it says."""

import json

from bmscert.checks import responses
from bmscert.core.client import Exchange
from bmscert.core.redact import Redactor

SECRET = "tok-very-secret-0001"


def exchange(status=200, body=None, headers=None, operation="ShowResetPwd"):
    raw = b"" if body is None else json.dumps(body).encode()
    return Exchange(
        operation=operation,
        method="GET",
        url="http://127.0.0.1:1/v1/p/baremetalservers/s/os-resetpwd-flag",
        request_headers={"X-Auth-Token": SECRET},
        request_body=b"",
        status=status,
        response_headers={"x-request-id": "r1", **(headers or {})},
        response_body=raw,
        elapsed_ms=1.0,
        redactor=Redactor([SECRET]),
    )


def test_an_undocumented_status_fails_naming_both_statuses():
    result = responses.status_is_documented(exchange(500, {"x": 1}), {200})
    assert result.failed
    assert result.expected == "HTTP 200"
    assert result.received.startswith("HTTP 500")


def test_a_failure_carries_a_curl_line_without_the_token():
    result = responses.status_is_documented(exchange(500), {200})
    assert "curl" in result.curl
    assert SECRET not in result.curl
    assert "***" in result.curl
    assert "r1" in result.describe()


def test_a_body_breaking_its_schema_fails_with_the_location(store):
    result = responses.body_matches_schema(
        exchange(body={"resetpwd_flag": 1}), store, "bms/ShowResetPwd.response.json"
    )
    assert result.failed
    assert "$.resetpwd_flag" in result.received


def test_an_undocumented_member_is_a_warning_unless_strict(store):
    reply = exchange(body={"resetpwd_flag": "True", "extra": 1})
    schema = "bms/ShowResetPwd.response.json"
    lenient = responses.no_undocumented_members(reply, store, schema, strict=False)
    strict = responses.no_undocumented_members(reply, store, schema, strict=True)
    assert (lenient.outcome, strict.outcome) == ("warning", "failed")


def test_a_missing_request_id_fails():
    reply = exchange(body={})
    reply.response_headers.pop("x-request-id")
    assert responses.carries_request_id(reply).failed


def test_the_error_envelope_and_code_are_both_checked(store):
    gateway = {"error_code": "APIGW.0301", "error_msg": "no", "request_id": "r1"}
    assert not responses.error_envelope_matches(exchange(401, gateway), store, "gateway").failed
    wrong_code = responses.error_envelope_matches(
        exchange(401, gateway), store, "gateway", "APIGW.0308"
    )
    wrong_shape = responses.error_envelope_matches(exchange(401, gateway), store, "bms")
    assert wrong_code.failed
    assert "APIGW.0301" in wrong_code.received
    assert wrong_shape.failed


def test_a_body_where_none_is_documented_fails():
    assert responses.body_is_empty(exchange(204, {"x": 1})).failed
    assert not responses.body_is_empty(exchange(204)).failed
