"""Each operation is throttled past its documented ceiling, with the documented 429.

These tests exceed a ceiling on purpose, so they run last and only when the profile enables
the probe (``throttle.probe``); against a real region that throttles the whole tenant.
"""

import pytest

from bmscert.checks import expectations
from bmscert.checks.throttling import probe_ceiling, throttled_past_ceiling
from bmscert.core.catalogue import load_catalogue

CATALOGUE = load_catalogue()
PROBED = [
    op.id
    for op in CATALOGUE.family("bms-v1")
    if op.method == "GET" and op.ceiling_per_minute is not None
]

pytestmark = [pytest.mark.readonly, pytest.mark.throttle]


@pytest.mark.parametrize("operation_id", PROBED)
def test_ceiling_is_enforced_with_the_documented_429(
    operation_id, api, verify, resources, recorder, bmscert_profile
):
    operation = CATALOGUE[operation_id]
    path = resources.path_for(operation.path_params)

    outcome = probe_ceiling(
        operation_id,
        lambda: api.call(operation_id, path=path, paced=False, recorded=False),
        operation.ceiling_per_minute,
        bmscert_profile.window_seconds,
    )
    recorder.emit("probe", **outcome.as_event())

    verify.settle([throttled_past_ceiling(outcome)])
    if outcome.throttled is not None:
        expected = expectations.throttled()
        verify.error(outcome.throttled, expected.status, expected.envelope, expected.code)
