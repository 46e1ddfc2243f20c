"""The existing resources a read-only check works on, from the profile or discovered.

A read-only certification of a production tenant must not create anything, so it reads the
ids of pre-existing resources from the profile (``resources``), and discovers what it can
(the first server of the list) when the profile leaves an id out. A missing id that cannot be
discovered skips the tests that need it, with the reason: the environment blocks them, the
target is not wrong.
"""

from __future__ import annotations

from functools import cached_property

import pytest

from bmscert.core.client import ApiClient
from bmscert.core.profile import Profile


class Resources:
    def __init__(self, profile: Profile, api: ApiClient):
        self._profile = profile
        self._api = api

    def _given(self, name: str) -> str | None:
        return self._profile.resources.get(name)

    @cached_property
    def server_id(self) -> str:
        given = self._given("server_id")
        if given:
            return self._existing_server(given)
        listing = self._api.call("ListBareMetalServers", query={"limit": 1})
        servers = listing.json.get("servers") if isinstance(listing.json, dict) else None
        if listing.status != 200 or not servers:
            pytest.skip("no server to read: set resources.server_id in the profile")
        return str(servers[0]["id"])

    def _existing_server(self, server_id: str) -> str:
        """A server id from the profile, checked once: a wrong id is the profile's fault."""
        reply = self._api.call("ListBareMetalServerDetails", path={"server_id": server_id})
        if reply.status != 200:
            pytest.skip(
                f"resources.server_id {server_id} is not a server of project "
                f"{self._profile.project_id} (HTTP {reply.status}); fix the profile"
            )
        return server_id

    def required(self, name: str) -> str:
        """A resource id the profile must give for a mutating suite to build its requests."""
        given = self._given(name)
        if not given:
            pytest.skip(f"resources.{name} is not set; the mutating suites need it (profile)")
        return given

    @property
    def job_id(self) -> str:
        given = self._given("job_id")
        if not given:
            pytest.skip("no job id known: set resources.job_id in the profile")
        return given

    @property
    def api_version(self) -> str:
        return self._given("api_version") or "v1"

    def path_for(self, names: tuple[str, ...]) -> dict[str, str]:
        """Path parameters (other than the project) for an operation's template."""
        values = {}
        for name in names:
            if name == "project_id":
                continue
            values[name] = getattr(self, name)
        return values
