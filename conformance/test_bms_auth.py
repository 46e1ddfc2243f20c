"""Every BMS operation refuses a request without valid credentials, before doing anything:
none at all, a token that is garbage, a token that has expired, and another project's
credentials, which the project in the URL must not accept (``Common.0018``). The version
documents are public unless the ``versions_need_auth`` behaviour says otherwise.

Writes name a server that exists nowhere and a create names an absent flavor, so even a
target that skipped authentication would change nothing.
"""

import pytest

from bmscert.core.catalogue import load_catalogue
from bmscert.runners.auth_cases import TOKEN_CASES

pytest_plugins = ("bmscert.runners.auth_fixtures",)

CATALOGUE = load_catalogue()
OPERATIONS = [op.id for op in CATALOGUE.family("bms-v1")]

pytestmark = pytest.mark.readonly


@pytest.mark.parametrize("case", TOKEN_CASES)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_a_call_without_valid_credentials_is_refused(auth_probe, operation_id, case):
    auth_probe.run(operation_id, case)
