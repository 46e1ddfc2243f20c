"""Every BMS operation refuses a request without a valid token, before doing anything."""

import pytest

from bmscert.checks import expectations
from bmscert.core.catalogue import load_catalogue

CATALOGUE = load_catalogue()
VERSION_READS = {"ListVersions", "ShowSpecifiedVersion"}
READS = [op.id for op in CATALOGUE.family("bms-v1") if op.method == "GET"]

pytestmark = pytest.mark.readonly


def _expect_refusal_unless_public(verify, profile, exchange):
    public = exchange.operation in VERSION_READS and not expectations.versions_need_token(profile)
    if public:
        verify.success(exchange)
        return
    expected = expectations.missing_token()
    verify.error(exchange, expected.status, expected.envelope, expected.code)


@pytest.mark.parametrize("operation_id", READS)
def test_request_without_token_is_refused(operation_id, api, verify, resources, bmscert_profile):
    path = resources.path_for(CATALOGUE[operation_id].path_params)
    exchange = api.call(operation_id, path=path, authenticated=False)
    _expect_refusal_unless_public(verify, bmscert_profile, exchange)


@pytest.mark.parametrize("operation_id", READS)
def test_request_with_a_garbage_token_is_refused(
    operation_id, api, verify, resources, bmscert_profile
):
    path = resources.path_for(CATALOGUE[operation_id].path_params)
    garbage = {"X-Auth-Token": "not-a-token-" + "0" * 20}
    exchange = api.call(operation_id, path=path, authenticated=False, headers=garbage)
    _expect_refusal_unless_public(verify, bmscert_profile, exchange)
