"""Fixtures shared by bmscert's own tests: the catalogue, schemas, and live targets."""

from __future__ import annotations

import contextlib

import httpx
import pytest

from bmscert.core.catalogue import load_catalogue
from bmscert.core.schemas import load_schemas
from bmscert.target.seed import seed_resources
from bmscert.target.server import ThreadedTarget
from bmscert.target.settings import TargetSettings

TEST_TOKEN = "test-token-0123456789"


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="session")
def store():
    return load_schemas()


@contextlib.contextmanager
def live_target(*, authenticated: bool = True, endpoint: str = "bms", **settings):
    """A reference target on loopback and an httpx client for one of its endpoints."""
    settings.setdefault("token", TEST_TOKEN)
    with ThreadedTarget(TargetSettings(**settings)) as running:
        headers = {"X-Auth-Token": TEST_TOKEN} if authenticated else {}
        base_url = running.info["endpoints"][endpoint]
        with httpx.Client(base_url=base_url, headers=headers) as client:
            client.running = running
            yield client


@pytest.fixture
def seeded():
    return seed_resources(TargetSettings())


@pytest.fixture
def bms():
    """A client of a fresh target's BMS endpoint that sends the right token."""
    with live_target(window_seconds=2) as client:
        yield client


@pytest.fixture
def anonymous():
    """A client of a fresh target's BMS endpoint that sends no token."""
    with live_target(authenticated=False) as client:
        yield client
