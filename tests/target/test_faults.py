"""Deliberate defects: parsed strictly, and applied only where asked."""

import pytest

from bmscert.errors import ConfigError
from bmscert.target.faults import Faults
from tests.conftest import live_target


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("melt:ListVersions", "unknown fault"),
        ("skip-auth:NoSuchOp", "unknown operation"),
        ("drop-field:ListVersions", "needs an argument"),
        ("status:ListVersions:abc", "must be a number"),
    ],
)
def test_a_malformed_fault_is_a_config_error(catalogue, spec, message):
    with pytest.raises(ConfigError, match=message):
        Faults.parse([spec], catalogue)


def test_drop_field_removes_the_member_from_every_list_item(seeded):
    fault = "drop-field:ListBaremetalFlavorDetailExtends:flavors.*.vcpus"
    with live_target(faults=(fault,)) as client:
        flavors = client.get(f"/v1/{seeded['project_id']}/baremetalservers/flavors").json()
    assert flavors["flavors"]
    assert all("vcpus" not in f for f in flavors["flavors"])


def test_skip_auth_opens_only_the_named_operation(seeded):
    with live_target(authenticated=False, faults=("skip-auth:ShowTenantQuota",)) as anonymous:
        quota = anonymous.get(f"/v1/{seeded['project_id']}/baremetalservers/limits")
        flavors = anonymous.get(f"/v1/{seeded['project_id']}/baremetalservers/flavors")
    assert (quota.status_code, flavors.status_code) == (200, 401)
