"""Microversion negotiation on the ECS endpoint, as upstream Nova answers it.

Absent means the lowest version the target offers (2.1 unless the settings say otherwise),
``latest`` the highest; a malformed version is a 400 and one outside the range a 406, and
neither of those replies echoes a version. Every other reply of a Nova route echoes the
version it used, errors included. An operation called below the microversion that
introduced it (the tag calls below 2.26) is answered as an unknown resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bmscert.core import microversion
from bmscert.core.catalogue import Operation
from bmscert.core.microversion import MalformedMicroversion, Microversion
from bmscert.target.http import ApiError, nova_fault
from bmscert.target.settings import TargetSettings


@dataclass(frozen=True)
class Negotiated:
    """The version a request will be served at, or why none can be (the refusal)."""

    version: str | None
    refusal: ApiError | None = None

    def raise_refusal(self) -> None:
        if self.refusal is not None:
            raise self.refusal


def negotiate(headers: Mapping[str, str], settings: TargetSettings) -> Negotiated:
    """The version a request asks for, resolved against the range the target offers."""
    asked = microversion.requested(headers)
    if asked is None:
        return Negotiated(settings.min_microversion)
    if asked.lower() == microversion.LATEST:
        return Negotiated(settings.max_microversion)

    try:
        version = str(Microversion.parse(asked))
    except MalformedMicroversion as error:
        return Negotiated(None, nova_fault(400, str(error)))
    if not microversion.in_range(version, settings.min_microversion, settings.max_microversion):
        message = (
            f"Version {asked} is not supported by the API. Minimum is "
            f"{settings.min_microversion} and maximum is {settings.max_microversion}."
        )
        return Negotiated(None, nova_fault(406, message))
    return Negotiated(version)


def require_minimum(operation: Operation, version: str) -> None:
    """An operation below its first microversion does not exist: 404 itemNotFound."""
    floor = operation.min_microversion
    if floor is not None and not microversion.at_least(version, floor):
        raise nova_fault(404, "The resource could not be found.")
