"""Every operation, of both APIs, refuses an AK/SK request whose signature does not hold, in
the gateway's envelope (401 ``APIGW.0301``): an ``X-Sdk-Date`` outside the 15-minute window
or not in the documented shape, an access key the target does not know, a query or a body
other than the one signed.

The signatures come from the official huaweicloudsdkcore signer with the main identity's
keys, so each request is wrong in exactly one way. The gateway locks a key after more than
five failed signatures in a row; each refused request is followed by a valid one.
"""

import pytest

from bmscert.core.catalogue import load_catalogue
from bmscert.runners.auth_cases import SIGNATURE_CASES

pytest_plugins = ("bmscert.runners.auth_fixtures",)

CATALOGUE = load_catalogue()
OPERATIONS = [op.id for op in CATALOGUE]

pytestmark = pytest.mark.readonly


@pytest.mark.parametrize("case", SIGNATURE_CASES)
@pytest.mark.parametrize("operation_id", OPERATIONS)
def test_a_call_whose_signature_does_not_hold_is_refused(auth_probe, operation_id, case):
    auth_probe.run(operation_id, case)
