"""Every Nova operation refuses a request without valid credentials before doing anything,
in the gateway's envelope as for the BMS API: none at all, a garbage token, an expired token.
Another project's credentials get Nova's answer to a URL whose project is not the caller's
(400 ``badRequest``). The version documents need a token only if the ``versions_need_auth``
behaviour says so.

Every request names ids that exist nowhere, so even a target that skipped authentication
would change nothing.
"""

import pytest

from bmscert.core.catalogue import load_catalogue
from bmscert.runners.auth_cases import TOKEN_CASES

pytest_plugins = ("bmscert.runners.auth_fixtures",)

CATALOGUE = load_catalogue()
OPERATIONS = [op.id for op in CATALOGUE.family("nova-v2.1")]

pytestmark = pytest.mark.readonly


@pytest.mark.parametrize("case", TOKEN_CASES)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_a_call_without_valid_credentials_is_refused_by_the_gateway(
    auth_probe, operation_id, case
):
    auth_probe.run(operation_id, case)
