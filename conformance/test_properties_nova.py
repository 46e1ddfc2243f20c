"""Properties of every Nova v2.1 operation, over requests generated from its schema.

For each operation: a valid request (path, query and body drawn from the request schema,
resource ids pinned to what the harness may use) never gets a 5xx and gets a documented
success or a documented refusal, its status change waited to its end; an invalid one (one
documented rule broken, the breaking value drawn too) gets a 4xx in the Nova fault envelope
and changes nothing; a read twice in a row answers the same; a write the documents make
idempotent (a PUT, the metadata merge) sent twice leaves the state it left once. How many
requests each property draws is the profile's ``generation.examples_per_operation``.

Each request is drawn at the lowest microversion its operation exists at and at the newest
the target offers, read as the profile's dialect reads the schema there. Valid creates and
deletes of servers are not generated (each would make or remove a real server); invalid
creates are, as a refused create makes nothing.
"""

import pytest

from bmscert.checks.strategies import RequestStrategies
from bmscert.core.catalogue import load_catalogue
from bmscert.core.schemas import load_schemas
from bmscert.core.views import SchemaView
from bmscert.runners.selection import (
    NOT_GENERATED_VALID,
    placeholder_pins,
    repeatable_write,
)

pytest_plugins = (
    "bmscert.runners.nova_fixtures",
    "bmscert.runners.generation",
    "bmscert.runners.properties",
)
pytestmark = pytest.mark.property

CATALOGUE = load_catalogue()
STRATEGIES = RequestStrategies(load_schemas())
NOVA = CATALOGUE.family("nova-v2.1")
FLOOR = {op.id: op.min_microversion or "2.1" for op in NOVA}


def _param(operation):
    return pytest.param(
        operation.id, marks=getattr(pytest.mark, operation.safety), id=operation.id
    )


VALID = [_param(op) for op in NOVA if op.id not in NOT_GENERATED_VALID]
BREAKABLE = [
    _param(op)
    for op in NOVA
    if STRATEGIES.can_break(op, SchemaView("huawei", FLOOR[op.id]), placeholder_pins(op))
    or STRATEGIES.can_break(op, SchemaView("openstack", FLOOR[op.id]), placeholder_pins(op))
]
REPEATABLE = [_param(op) for op in NOVA if repeatable_write(op)]


@pytest.mark.parametrize("operation_id", VALID)
def test_a_valid_request_gets_a_documented_answer_and_never_a_5xx(operation_id, properties):
    properties.valid_requests_get_documented_answers(operation_id)


@pytest.mark.parametrize("operation_id", BREAKABLE)
def test_a_request_breaking_one_rule_is_refused_and_changes_nothing(operation_id, properties):
    properties.invalid_requests_are_refused_without_effect(operation_id)


@pytest.mark.parametrize("operation_id", REPEATABLE)
def test_the_same_write_twice_leaves_the_state_it_left_once(operation_id, properties):
    properties.the_same_write_twice_leaves_the_same_state(operation_id)
