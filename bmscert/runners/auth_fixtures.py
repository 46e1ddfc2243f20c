"""Fixtures of the auth and isolation suites, loaded with ``pytest_plugins``: ``identities``
(the run's other identities, skipped when absent) and ``auth_probe`` (one operation, one auth
case, the documented refusal). What they send is in ``bmscert.runners.auth_cases``.
"""

from __future__ import annotations

import pytest

from bmscert.checks.verifier import Verifier
from bmscert.core.catalogue import Catalogue
from bmscert.core.client import ApiClient
from bmscert.core.profile import Profile
from bmscert.runners.auth_cases import AuthProbe, Identities
from bmscert.runners.resources import Resources


@pytest.fixture(scope="session")
def identities(bmscert_profile: Profile) -> Identities:
    return Identities(bmscert_profile)


@pytest.fixture
def auth_probe(
    api: ApiClient,
    verify: Verifier,
    resources: Resources,
    identities: Identities,
    catalogue: Catalogue,
) -> AuthProbe:
    return AuthProbe(api, verify, resources, identities, catalogue)
