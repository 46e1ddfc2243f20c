"""Load scenarios as plans: which operations, what each arrival sends, at what rates.

- The ceiling scenario drives every selected BMS operation at once through the step
  staircase. Reads use the profile's resources. Writes are sent so that the gateway counts
  them but nothing changes: they name a server (or, for a create, a flavor) that does not
  exist, so the handler refuses them after the limiter has counted them. Metadata updates
  rewrite one probe key, so they never pile up against the metadata quota.
- The side-effect burst orders real servers, a fifth more than the ceiling within half a
  window, each named after its arrival; a server named after a throttled arrival is an
  effect of a call the gateway refused.
- The job-latency scenario orders servers and cycles them through every job type, each job
  followed to its end, so the latency of every kind of job is measured at a sustainable rate.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bmscert.core.catalogue import Catalogue, Operation
from bmscert.core.naming import resource_prefix
from bmscert.core.profile import Profile
from bmscert.runners.fleet import create_body
from bmscert.runners.schedule import (
    JobCycle,
    JobStep,
    LoadPlan,
    Segment,
    Step,
    Stream,
    ceiling_steps,
    describe_steps,
    ramp_segments,
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
_PROBE_METADATA = {"metadata": {PROBE_PREFIX: "{sequence}"}}
ABSENT_FLAVOR = "physical.bmscert.absent"


def burst_prefix() -> str:
    """What the burst's server names start with; the arrival's number follows. Like every
    server the load phase orders, they carry the run id."""
    return f"{resource_prefix()}probe-"


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
    if operation.id == "CreateBareMetalServers" and _can_create(profile):
        return resources, _probe_create(profile, f"{burst_prefix()}absent", ABSENT_FLAVOR)
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


def _probe_create(profile: Profile, name: str, flavor: str | None = None) -> dict[str, Any]:
    """A create order whose password the load process fills in, so no plan holds one."""
    ids = {"project_id": profile.project_id, **profile.resources}
    body = create_body(ids, name)
    body["server"]["adminPass"] = "{secret}Aa1!"
    if flavor is not None:
        body["server"]["flavorRef"] = flavor
    return body


def side_effect_plan(profile: Profile, catalogue: Catalogue) -> LoadPlan | None:
    """A burst of real creates, a fifth past the ceiling, inside one window.

    Each arrival names its server after its sequence number; afterwards, a server named
    after a throttled arrival is a side effect of a call the gateway refused.
    """
    operation = catalogue["CreateBareMetalServers"]
    if "mutating" not in profile.safety_allow or not _can_create(profile):
        return None
    ceiling = operation.ceiling_per_minute
    arrivals = ceiling + max(2, ceiling // 5)
    seconds = profile.window_seconds / 2
    stream = Stream(
        operation_id=operation.id,
        method=operation.method,
        base_url=profile.endpoint(operation.endpoint),
        path=operation.render_path({"project_id": profile.project_id}),
        ceiling_per_window=ceiling,
        segments=(Segment("burst", 0.0, seconds, arrivals / seconds),),
        body=_probe_create(profile, f"{burst_prefix()}{{sequence}}"),
    )
    return LoadPlan(
        scenario="side-effects",
        window_seconds=profile.window_seconds,
        token_env=profile.token_env,
        streams=(stream,),
        steps=({"label": "burst", "fraction": arrivals / ceiling, "start": 0.0, "end": seconds},),
    )


_CREATE_IDS = ("image_id", "flavor_id", "vpc_id", "subnet_id", "availability_zone", "user_id")


def _can_create(profile: Profile) -> bool:
    return all(profile.resources.get(name) for name in _CREATE_IDS)


def _job_step(
    catalogue: Catalogue, profile: Profile, operation_id: str, body: Any = None, **path: str
) -> JobStep:
    operation = catalogue[operation_id]
    values = {"project_id": profile.project_id, "server_id": "{server_id}", **path}
    rendered = operation.render_path(values).replace("%7B", "{").replace("%7D", "}")
    return JobStep(
        operation_id,
        operation.method,
        rendered,
        body,
        needs_volume="volume" in json.dumps(body or path),
    )


def job_plan(profile: Profile, catalogue: Catalogue, members: int = 2) -> LoadPlan | None:
    """Servers ordered, then stopped, reinstalled, started, rebooted, given and relieved of a
    volume, over and over, each job followed to its end."""
    if "destructive" not in profile.safety_allow or not _can_create(profile):
        return None
    servers = [{"id": "{server_id}"}]
    create = _job_step(
        catalogue,
        profile,
        "CreateBareMetalServers",
        _probe_create(profile, f"{resource_prefix()}jobs-{{sequence}}"),
    )
    create = replace(
        create,
        path=catalogue["CreateBareMetalServers"].render_path({"project_id": profile.project_id}),
    )
    cycle = (
        _job_step(
            catalogue,
            profile,
            "BatchStopBaremetalServers",
            {"os-stop": {"type": "HARD", "servers": servers}},
        ),
        _job_step(
            catalogue,
            profile,
            "ReinstallBaremetalServerOs",
            {
                "os-reinstall": {
                    "adminpass": "{secret}Aa1!",
                    "userid": profile.resources["user_id"],
                }
            },
        ),
        _job_step(
            catalogue, profile, "BatchStartBaremetalServers", {"os-start": {"servers": servers}}
        ),
        _job_step(
            catalogue,
            profile,
            "BatchRebootBaremetalServers",
            {"reboot": {"type": "HARD", "servers": servers}},
        ),
        _job_step(
            catalogue,
            profile,
            "AttachBaremetalServerVolume",
            {"volumeAttachment": {"volumeId": "{volume_id}"}},
        ),
        _job_step(catalogue, profile, "DetachBaremetalServerVolume", attachment_id="{volume_id}"),
    )
    volumes = [profile.resources.get("volume_id", "")] + [""] * (members - 1)
    jobs_ceiling = catalogue["ShowJobInfos"].ceiling_per_minute or 2000
    return LoadPlan(
        scenario="jobs",
        window_seconds=profile.window_seconds,
        token_env=profile.token_env,
        streams=(),
        jobs=JobCycle(
            create=create,
            cycle=cycle,
            members=tuple({"volume_id": volume} for volume in volumes),
            seconds=2 * profile.window_seconds,
            poll_per_second=profile.pacing_fraction * jobs_ceiling / profile.window_seconds,
            timeout_seconds=profile.job_timeout_seconds,
            base_url=profile.endpoint("bms"),
            job_path=catalogue["ShowJobInfos"]
            .render_path({"project_id": profile.project_id, "job_id": "JOB"})
            .replace("JOB", "{job_id}"),
        ),
    )


DISCOVERY_START_PER_SECOND = 1.0
DISCOVERY_FACTOR = 2.0


def _discovery_values(profile: Profile) -> dict[str, str]:
    resources = {"project_id": profile.project_id, **profile.resources}
    values = dict(resources)
    values["api_version"] = "v2.1"
    if resources.get("flavor_id"):
        values["flavor_id"] = resources["flavor_id"]
    return values


def discovery_plan(
    profile: Profile,
    catalogue: Catalogue,
    operations: list[str] | tuple[str, ...] = (),
    *,
    max_per_second: float,
    workers: int = 1,
) -> LoadPlan:
    """Every read with no documented ceiling, ramped from 1 call a second, doubling each half
    window, up to ``max_per_second``: a limit the documents do not state shows as 429s."""
    wanted = set(operations)
    values = _discovery_values(profile)
    window = profile.window_seconds
    segments = ramp_segments(
        DISCOVERY_START_PER_SECOND, DISCOVERY_FACTOR, max_per_second, window / 2, 1.5 * window
    )
    streams = []
    for operation in catalogue:
        if operation.ceiling_per_minute is not None or operation.safety != "readonly":
            continue
        if (wanted and operation.id not in wanted) or not all(
            values.get(name) for name in operation.path_params
        ):
            continue
        headers = {}
        if operation.min_microversion:
            headers["X-OpenStack-Nova-API-Version"] = operation.min_microversion
        streams.append(
            Stream(
                operation_id=operation.id,
                method=operation.method,
                base_url=profile.endpoint(operation.endpoint),
                path=operation.render_path(values),
                ceiling_per_window=None,
                segments=segments,
                headers=headers or None,
            )
        )
    steps = tuple(
        {"label": s.step, "fraction": 0.0, "start": s.start, "end": s.end} for s in segments
    )
    return LoadPlan(
        scenario="discovery",
        window_seconds=profile.window_seconds,
        token_env=profile.token_env,
        streams=tuple(streams),
        workers=workers,
        steps=steps,
    )
