"""The request strategies draw what the schemas allow, and break exactly one rule when asked.

The catalogue-wide tests validate drawn requests against the very request schemas they came
from (path, query and body parts, each as the operation's schema states it); the small-schema
tests check that each kind of break produces one departure, of the kind ``broken`` names.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bmscert.checks.strategies import ABSENT, GeneratedRequest, RequestStrategies
from bmscert.core.catalogue import load_catalogue
from bmscert.core.schemas import load_schemas
from bmscert.core.views import SchemaView
from bmscert.runners.selection import placeholder_pins

CATALOGUE = load_catalogue()
STORE = load_schemas()
STRATEGIES = RequestStrategies(STORE)
EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _readings():
    """Each operation as the property suites read it: BMS as written, Nova in each dialect
    at the microversion that introduced the call and at the newest one."""
    for op in CATALOGUE:
        if op.is_bms:
            yield pytest.param(op, None, id=op.id)
            continue
        for dialect in ("huawei", "openstack"):
            for version in dict.fromkeys((op.min_microversion or "2.1", "2.60")):
                view = SchemaView(dialect, version)
                yield pytest.param(op, view, id=f"{op.id}-{dialect}-{version}")


READINGS = list(_readings())
BREAKABLE = [
    case
    for case in READINGS
    if STRATEGIES.can_break(case.values[0], case.values[1], placeholder_pins(case.values[0]))
]


def _instance(operation, view, request: GeneratedRequest) -> dict:
    """The request as its schema describes it: parts side by side, the project filled in
    where the path names one (the client fills it from the profile, so it is never drawn)."""
    described = STORE.document(operation.request_schema, view).get("properties", {})
    instance = {}
    if "path" in described:
        project = {"project_id": "0" * 32} if "{project_id}" in operation.path else {}
        instance["path"] = {**project, **request.path}
    if request.query:
        instance["query"] = request.query
    if request.body is not ABSENT:
        instance["body"] = request.body
    return instance


def _problems(operation, view, request):
    instance = _instance(operation, view, request)
    return STORE.problems(operation.request_schema, instance, formats=False, view=view)


@pytest.mark.parametrize(("operation", "view"), READINGS)
def test_valid_requests_satisfy_the_operation_request_schema(operation, view):
    @EXAMPLES
    @given(st.data())
    def drawn_requests_validate(data):
        request = data.draw(STRATEGIES.valid(operation, view))
        assert _problems(operation, view, request) == []

    drawn_requests_validate()


@pytest.mark.parametrize(("operation", "view"), BREAKABLE)
def test_invalid_requests_break_the_schema_and_say_which_rule(operation, view):
    pins = placeholder_pins(operation)

    @EXAMPLES
    @given(st.data())
    def drawn_requests_are_refused_by_the_schema(data):
        request = data.draw(STRATEGIES.invalid(operation, view, pins))
        assert request.broken
        assert _problems(operation, view, request), request

    drawn_requests_are_refused_by_the_schema()


SMALL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "kind"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 8, "pattern": "^[a-z]+$"},
        "kind": {"enum": ["a", "b"]},
        "count": {"type": "integer", "minimum": 1, "maximum": 3},
    },
}
VALID_SMALL = {"name": "abc", "kind": "a", "count": 2}
KEYWORD_OF = {
    "required": "required",
    "type": "type",
    "enum": "enum",
    "maxLength": "maxLength",
    "minLength": "minLength",
    "pattern": "pattern",
    "minimum": "minimum",
    "maximum": "maximum",
    "additionalProperties": "additionalProperties",
}


@EXAMPLES
@given(st.data())
def test_one_break_is_one_departure_of_the_kind_it_names(data):
    value, broken = data.draw(STRATEGIES.broken_value(SMALL, VALID_SMALL))
    errors = list(Draft202012Validator(SMALL).iter_errors(value))
    keywords = {error.validator for error in errors}
    named = {keyword for keyword in KEYWORD_OF if keyword in broken}
    assert errors, (value, broken)
    assert keywords & named, (broken, keywords)
    changed = [key for key in {*VALID_SMALL, *value} if VALID_SMALL.get(key) != value.get(key)]
    assert len(changed) == 1, (value, broken)


@settings(max_examples=60, deadline=None, database=None)
@given(st.data())
def test_an_over_long_value_is_longer_than_the_limit_and_says_so(data):
    """The break names the rule, and the value really is past it."""
    value, broken = data.draw(STRATEGIES.broken_value({"type": "string", "maxLength": 4}, "ab"))
    assert len(value) > 4
    assert "maxLength" in broken


def test_over_long_values_vary_across_draws_and_leave_ascii():
    """The breaking value is drawn: a long run tries many over-long strings, not one."""
    seen = set()

    @settings(max_examples=40, deadline=None, database=None)
    @given(STRATEGIES.broken_value({"type": "string", "maxLength": 4}, "ab"))
    def collect(pair):
        seen.add(pair[0])

    collect()
    assert len(seen) > 5
    assert any(not text.isascii() for text in seen), seen
