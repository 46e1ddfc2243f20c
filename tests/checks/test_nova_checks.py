"""The Nova checks and the verifier's Nova path, on hand-made exchanges."""

import json

import pytest

from bmscert.checks import nova
from bmscert.checks.verifier import CheckFailed, Verifier
from bmscert.core.catalogue import load_catalogue
from bmscert.core.client import Exchange
from bmscert.core.events import EventRecorder
from bmscert.core.microversion import echo_headers
from bmscert.core.profile import Profile
from bmscert.core.redact import Redactor
from bmscert.core.schemas import load_schemas

ECHO_2_26 = {name.lower(): value for name, value in echo_headers("2.26").items()}


def exchange(status=200, body=None, headers=None, operation="list_server_tags"):
    return Exchange(
        operation=operation,
        method="GET",
        url="http://127.0.0.1:1/v2.1/p/servers/s/tags",
        request_headers={"X-OpenStack-Nova-API-Version": "2.26"},
        request_body=b"",
        status=status,
        response_headers={"x-request-id": "r1", **(headers or {})},
        response_body=b"" if body is None else json.dumps(body).encode(),
        elapsed_ms=1.0,
        redactor=Redactor([]),
    )


def verifier(dialect="huawei"):
    profile = Profile(name="t", source="t", kind="embedded", dialect=dialect)
    return Verifier(profile, load_catalogue(), load_schemas(), EventRecorder(None))


def test_an_echo_of_the_version_asked_for_passes_and_a_missing_one_fails():
    assert not nova.microversion_is_echoed(exchange(headers=ECHO_2_26), "2.26").failed
    missing = nova.microversion_is_echoed(exchange(), "2.26")
    assert missing.failed
    assert "(absent)" in missing.received


def test_an_echo_of_another_version_fails_naming_both():
    result = nova.microversion_is_echoed(exchange(headers=ECHO_2_26), "2.27")
    assert result.failed
    assert "2.27" in result.expected
    assert "2.26" in result.received


def test_the_fault_name_and_the_state_named_are_checked():
    body = {"conflictingRequest": {"code": 409, "message": "while it is in vm_state active"}}
    refused = exchange(409, body)
    assert not nova.fault_is(refused, "conflictingRequest").failed
    assert nova.fault_is(refused, "badRequest").failed
    assert not nova.fault_names(refused, ["vm_state", "active"]).failed
    assert nova.fault_names(refused, ["task_state"]).failed


def test_a_refusal_that_changed_something_fails_saying_what_became_of_it():
    result = nova.nothing_changed(exchange(400), "tags", ["a"], ["a", ""])
    assert result.failed
    assert "['a', '']" in result.received


def test_the_verifier_fails_a_nova_success_without_the_echo():
    with pytest.raises(CheckFailed, match="microversion_is_echoed"):
        verifier().success(exchange(200, {"tags": ["a"]}), microversion="2.26")


def test_the_verifier_reads_the_body_as_the_dialect_reads_it():
    long_tag = {"tags": ["t" * 70]}
    verifier("huawei").success(exchange(200, long_tag, ECHO_2_26), microversion="2.26")
    with pytest.raises(CheckFailed, match="body_matches_schema"):
        verifier("openstack").success(exchange(200, long_tag, ECHO_2_26), microversion="2.26")


def test_the_verifier_takes_a_nova_fault_without_echo_for_a_refused_version():
    body = {"computeFault": {"code": 406, "message": "Version 3.0 is not supported"}}
    verifier().nova_error(exchange(406, body), 406, "computeFault", microversion=None)
    with pytest.raises(CheckFailed, match="no_microversion_echoed"):
        verifier().nova_error(
            exchange(406, body, ECHO_2_26), 406, "computeFault", microversion=None
        )
