"""Schema-derived invalid bodies: one broken rule each, located where the rule is."""

import pytest
from jsonschema import Draft202012Validator

from bmscert.checks.mutations import EXTRA_MEMBER, mutations
from bmscert.core.catalogue import load_catalogue
from bmscert.core.schemas import load_schemas
from bmscert.runners.fleet import valid_body

STORE = load_schemas()
CATALOGUE = load_catalogue()
WITH_BODY = [
    "CreateBareMetalServers",
    "BatchStartBaremetalServers",
    "BatchRebootBaremetalServers",
    "BatchStopBaremetalServers",
    "ChangeBaremetalServerName",
    "UpdateBaremetalServerMetadata",
    "ReinstallBaremetalServerOs",
    "AttachBaremetalServerVolume",
    "ResetPwdOneClick",
]


def body_schema(operation):
    return STORE.inlined(CATALOGUE[operation].request_schema, "/properties/body")


def _located(error):
    return [part for part in error.absolute_path if not isinstance(part, int)]


@pytest.mark.parametrize("operation", WITH_BODY)
def test_every_mutation_of_a_valid_body_is_invalid_at_its_own_place(operation):
    schema = body_schema(operation)
    validator = Draft202012Validator(schema)

    found = mutations(schema, valid_body(operation, {}))

    assert found
    for mutation in found:
        errors = list(validator.iter_errors(mutation.body))
        assert errors, mutation.description
        wanted = [part for part in mutation.where.replace("[0]", "").split(".") if part]
        wanted = [] if wanted == ["body"] else wanted
        assert any(_located(e)[: len(wanted)] == wanted[: len(_located(e))] for e in errors)


def test_the_batch_limit_is_broken_with_1001_servers():
    schema = body_schema("BatchStopBaremetalServers")

    found = {m.case_id: m for m in mutations(schema, valid_body("BatchStopBaremetalServers", {}))}

    assert len(found["maxItems:os-stop.servers"].body["os-stop"]["servers"]) == 1001


def test_each_kind_of_rule_is_covered_by_the_create_and_action_bodies():
    rules = set()
    for operation in WITH_BODY:
        rules |= {m.rule for m in mutations(body_schema(operation), valid_body(operation, {}))}

    assert {
        "required",
        "type",
        "enum",
        "maxLength",
        "maxItems",
        "pattern",
        "additionalProperties",
    } <= rules


def test_an_extra_member_is_offered_only_where_the_schema_forbids_one():
    schema = {
        "type": "object",
        "properties": {
            "open": {"type": "object"},
            "closed": {"type": "object", "properties": {}, "additionalProperties": False},
        },
    }

    found = mutations(schema, {"open": {}, "closed": {}})

    extra = [m for m in found if m.rule == "additionalProperties"]
    assert [m.where for m in extra] == ["closed"]
    assert EXTRA_MEMBER in extra[0].body["closed"]


def test_the_same_body_shape_always_yields_the_same_cases():
    schema = body_schema("CreateBareMetalServers")
    first = [m.case_id for m in mutations(schema, valid_body("CreateBareMetalServers", {}))]
    ids = {"image_id": "11111111-1111-4111-8111-111111111111", "user_id": "someone"}
    second = [m.case_id for m in mutations(schema, valid_body("CreateBareMetalServers", ids))]

    assert first == second


def test_an_invalid_template_is_refused():
    with pytest.raises(ValueError, match="template body is itself invalid"):
        mutations({"type": "object", "required": ["a"]}, {})
