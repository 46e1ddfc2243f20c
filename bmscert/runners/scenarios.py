"""Load scenarios as plans: which operations, what each arrival sends, at what rates.

The ceiling scenario drives every selected BMS operation at once through the step
staircase. Reads use the profile's resources. Writes are sent so that the gateway counts
them but the state does not change: they name a server that does not exist, so the handler
refuses them after the limiter has counted them. Two writes are side-effect probes instead,
when the profile allows mutation: metadata updates that each set a key of their own, and
creates that each name their server; afterwards a throttled call whose key or name shows up
is a side effect the documents do not allow.
"""

from __future__ import annotations

from typing import Any

from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.profile import Profile
from bmscert.runners.schedule import (
    LoadPlan,
    Step,
    Stream,
    ceiling_steps,
    describe_steps,
    segments_for,
)

ABSENT_SERVER = "00000000-0000-4000-8000-00000000b0b0"
ABSENT_VOLUME = "00000000-0000-4000-8000-00000000d15c"
PROBE_PREFIX = "bmscert-probe"

_ACTION_BODIES = {
    "BatchStartBaremetalServers": {"os-start": {"servers": [{"id": ABSENT_SERVER}]}},
    "BatchRebootBaremetalServers": {
        "reboot": {"type": "HARD", "servers": [{"id": ABSENT_SERVER}]}
    },
    "BatchStopBaremetalServers": {"os-stop": {"type": "HARD", "servers": [{"id": ABSENT_SERVER}]}},
}
_COUNTED_WRITES = {
    "ChangeBaremetalServerName": {"server": {"name": f"{PROBE_PREFIX}-renamed"}},
    "ReinstallBaremetalServerOs": {"os-reinstall": {"keyname": f"{PROBE_PREFIX}-key"}},
    "AttachBaremetalServerVolume": {"volumeAttachment": {"volumeId": ABSENT_VOLUME}},
    "DetachBaremetalServerVolume": None,
    "ResetPwdOneClick": {"reset-password": {"new_password": "{secret}Aa1!"}},
    "DeleteWindowsBareMetalServerPassword": None,
}
_PROBE_METADATA = {"metadata": {f"{PROBE_PREFIX}-{{sequence}}": "1"}}


def _request(operation: Operation, profile: Profile) -> tuple[dict[str, str], Any] | None:
    """Path values and body for one arrival of ``operation``, or None to leave it out."""
    resources = {"project_id": profile.project_id, **profile.resources}
    absent = {**resources, "server_id": ABSENT_SERVER, "attachment_id": ABSENT_VOLUME}
    if operation.safety == "readonly":
        return resources, None
    if "mutating" not in profile.safety_allow:
        return None
    if operation.id in _ACTION_BODIES:
        return resources, _ACTION_BODIES[operation.id]
    if operation.id in _COUNTED_WRITES:
        return absent, _COUNTED_WRITES[operation.id]
    if operation.id == "UpdateBaremetalServerMetadata" and resources.get("server_id"):
        return resources, _PROBE_METADATA
    if operation.id == "CreateBareMetalServers" and profile.resources.get("create_body"):
        return resources, profile.resources["create_body"]
    return None


def _stream(operation: Operation, profile: Profile, steps: tuple[Step, ...]) -> Stream | None:
    request = _request(operation, profile)
    if request is None or operation.ceiling_per_minute is None:
        return None
    values, body = request
    if not all(values.get(name) for name in operation.path_params):
        return None
    return Stream(
        operation_id=operation.id,
        method=operation.method,
        base_url=profile.endpoint(operation.endpoint),
        path=operation.render_path(values),
        ceiling_per_window=operation.ceiling_per_minute,
        segments=segments_for(operation.ceiling_per_minute, profile.window_seconds, steps),
        body=body,
        response_schema=operation.response_schema if operation.method == "GET" else None,
    )


def ceiling_plan(
    profile: Profile,
    catalogue: Catalogue,
    operations: list[str] | tuple[str, ...] = (),
    *,
    fractions: tuple[float, ...] | None = None,
    windows_per_step: float = 1.5,
    workers: int = 1,
) -> LoadPlan:
    """Every selected BMS operation with a ceiling, stepped through fractions of it."""
    steps = ceiling_steps(
        profile.window_seconds,
        *([fractions] if fractions else []),
        windows_per_step=windows_per_step,
    )
    wanted = set(operations)
    streams = []
    for operation in catalogue.family("bms-v1"):
        if wanted and operation.id not in wanted:
            continue
        stream = _stream(operation, profile, steps)
        if stream is not None:
            streams.append(stream)
    return LoadPlan(
        scenario="ceiling",
        window_seconds=profile.window_seconds,
        token_env=profile.token_env,
        streams=tuple(streams),
        workers=workers,
        steps=describe_steps(steps),
    )
