"""BMS native reads: the documented success shape, and the documented error for unknown ids."""

import pytest

from bmscert.checks import expectations
from bmscert.core.catalogue import load_catalogue
from bmscert.runners.pytest_plugin import new_uuid

CATALOGUE = load_catalogue()
READS = [op.id for op in CATALOGUE.family("bms-v1") if op.method == "GET"]
READS_OF_A_SERVER = [op for op in READS if "server_id" in CATALOGUE[op].path_params]

pytestmark = pytest.mark.readonly


@pytest.mark.parametrize("operation_id", READS)
def test_read_answers_the_documented_success(operation_id, api, verify, resources):
    path = resources.path_for(CATALOGUE[operation_id].path_params)
    verify.success(api.call(operation_id, path=path))


@pytest.mark.parametrize("operation_id", READS_OF_A_SERVER)
def test_unknown_server_gets_the_documented_error(operation_id, api, verify, bmscert_profile):
    expected = expectations.unknown_server(bmscert_profile)
    exchange = api.call(operation_id, path={"server_id": new_uuid()})
    verify.error(exchange, expected.status, expected.envelope, expected.code)


@pytest.mark.parametrize("operation_id", ["ShowJobInfos"])
def test_unknown_job_gets_the_documented_error(operation_id, api, verify, bmscert_profile):
    expected = expectations.unknown_job(bmscert_profile)
    exchange = api.call(operation_id, path={"job_id": new_uuid().replace("-", "")})
    verify.error(exchange, expected.status, expected.envelope, expected.code)


@pytest.mark.parametrize("operation_id", ["ShowSpecifiedVersion"])
def test_unknown_version_gets_the_documented_error(operation_id, api, verify, bmscert_profile):
    expected = expectations.unknown_version(bmscert_profile)
    exchange = api.call(operation_id, path={"api_version": "v99"})
    verify.error(exchange, expected.status, expected.envelope, expected.code)
