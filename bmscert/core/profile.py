"""Target profiles: what bmscert needs to know about the API it certifies.

A profile is a small YAML file (``fixtures/embedded.yaml`` is one). It names endpoints, the
project, the dialect and the ambiguous behaviours to expect, and which suites may run. It
never holds a credential: it says how the run authenticates and where the secrets are (see
``bmscert.core.credentials``).

Two safety rules are enforced when a profile loads: it may ask for one auth method only, and
it may let mutating or destructive suites loose on a target that is not on loopback only if
``safety.mutate_non_loopback`` says so in so many words.

``load_profile`` validates the file against ``schemas/profile.schema.json`` and turns the
first problem into one line that names the key to fix. ``Profile.to_json`` and
``Profile.from_json`` carry the resolved profile (endpoints filled in once the embedded target
is up) to the pytest and Locust processes.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import yaml

from bmscert.core.behaviours import resolve_behaviours
from bmscert.core.credentials import AUTH_METHODS, AuthSettings
from bmscert.errors import ConfigError
from bmscert.paths import schemas_dir

SAFETY_CLASSES = ("readonly", "mutating", "destructive")
# The generated suites' budget when a profile sets none: CI-sized. A certification run sets
# its own under ``generation`` (README: "A certification budget").
EXAMPLES_PER_OPERATION = 6
STEPS_PER_MACHINE = 10
RUNS_PER_MACHINE = 4
# The resolved profile of the run, for the processes it starts (Locust reads it from here).
PROFILE_ENV = "BMSCERT_PROFILE_FILE"
CHANGING_CLASSES = ("mutating", "destructive")
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True)
class Profile:
    """A validated profile with every default applied."""

    name: str
    source: str
    kind: str
    endpoints: dict[str, str] = field(default_factory=dict)
    project_id: str = ""
    region: str = ""
    faults: tuple[str, ...] = ()
    limiter: str = "fixed"
    auth: AuthSettings = field(default_factory=AuthSettings)
    other_project_id: str = ""
    dialect: str = "huawei"
    strict: bool = False
    window_seconds: int = 60
    behaviours: dict[str, str] = field(default_factory=dict)
    safety_allow: tuple[str, ...] = ("readonly",)
    mutate_non_loopback: bool = False
    pacing_fraction: float = 0.5
    throttle_probe: bool = False
    load_enabled: bool = True
    load_fractions: tuple[float, ...] = (0.5, 0.8, 1.0, 1.2, 1.5)
    load_windows_per_step: float = 1.5
    load_workers: int = 1
    ceiling_tolerance: float = 0.05
    expected_window: str = "any"
    job_p95_seconds: float | None = None
    resources: dict[str, str] = field(default_factory=dict)
    request_timeout: float = 30.0
    conformance_minutes: float = 30.0
    job_seconds: dict[str, float] = field(default_factory=dict)
    job_failure_rate: float = 0.0
    quota_instances: int | None = None
    undocumented_ceilings: dict[str, int] = field(default_factory=dict)
    discovery_max_per_second: float = 64.0
    job_poll_seconds: float = 5.0
    job_timeout_seconds: float = 45 * 60.0
    examples_per_operation: int = EXAMPLES_PER_OPERATION
    steps_per_machine: int = STEPS_PER_MACHINE
    runs_per_machine: int = RUNS_PER_MACHINE

    @property
    def is_embedded(self) -> bool:
        return self.kind == "embedded"

    @property
    def token_env(self) -> str:
        """The variable that holds the main identity's ready IAM token."""
        return self.auth.variable("main", "token")

    @property
    def may_change_state(self) -> bool:
        return any(name in self.safety_allow for name in CHANGING_CLASSES)

    def with_target(
        self,
        endpoints: dict[str, str],
        project_id: str,
        resources: dict,
        other_project_id: str = "",
    ) -> Profile:
        """The same profile pointed at a running target (used once the embedded one is up)."""
        merged = {**resources, **self.resources}
        return replace(
            self,
            endpoints=endpoints,
            project_id=project_id,
            resources=merged,
            other_project_id=other_project_id or self.other_project_id,
        )

    def endpoint(self, name: str) -> str:
        try:
            return self.endpoints[name].rstrip("/")
        except KeyError:
            raise ConfigError(
                f"profile {self.source} gives no {name!r} endpoint (target.endpoints.{name})"
            ) from None

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Profile:
        data = json.loads(text)
        for name in ("faults", "safety_allow", "load_fractions"):
            data[name] = tuple(data[name])
        data["auth"] = AuthSettings(**data["auth"])
        return cls(**data)


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_safe_to_change(profile: Profile) -> None:
    """Suites that change state run against a non-loopback target only when the profile
    says ``safety.mutate_non_loopback: true``; a real tenant's servers are billed."""
    if profile.is_embedded or not profile.may_change_state or profile.mutate_non_loopback:
        return
    remote = [url for url in profile.endpoints.values() if not is_loopback_url(url)]
    if remote:
        allowed = ", ".join(n for n in profile.safety_allow if n in CHANGING_CLASSES)
        raise ConfigError(
            f"profile {profile.source} allows {allowed} suites against {remote[0]}, which is "
            "not on loopback; set safety.mutate_non_loopback: true to confirm, or allow only "
            "readonly"
        )


def _check_one_auth_method(path: Path, data: dict[str, Any]) -> None:
    """A profile that names both methods gets one line, before the schema's generic one."""
    method = data.get("auth", {}).get("method") if isinstance(data.get("auth"), dict) else None
    named = method if isinstance(method, list) else str(method or "").replace("+", ",").split(",")
    chosen = {str(item).strip() for item in named} & set(AUTH_METHODS)
    if len(chosen) > 1 or method == "both":
        raise ConfigError(
            f"profile {path} asks for both auth methods (auth.method: {method}); a run "
            "authenticates one way: choose token or aksk"
        )


def _auth_settings(path: Path, data: dict[str, Any]) -> AuthSettings:
    """The ``auth`` section; a relative credentials file is read next to the profile."""
    auth = data.get("auth", {})
    credentials_file = auth.get("credentials_file", "")
    if credentials_file:
        credentials_file = str(path.parent / Path(credentials_file).expanduser())
    return AuthSettings(
        method=auth.get("method", "token"),
        env_prefix=auth.get("env_prefix", "BMSCERT"),
        credentials_file=credentials_file,
        token_env=auth.get("token_env", ""),
    )


def _schema() -> dict[str, Any]:
    return json.loads((schemas_dir() / "profile.schema.json").read_text(encoding="utf-8"))


def _describe(error: jsonschema.ValidationError) -> str:
    """One line for the most useful validation error, naming the key to fix."""
    where = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    if error.validator == "pattern" and "description" in error.schema:
        return f"{where} must be {error.schema['description']}, not {error.instance!r}"
    if error.validator == "additionalProperties":
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown key {', '.join(unknown)} at {where} (allowed: {allowed})"
    if error.validator == "oneOf" and where == "target":
        kind = error.instance.get("kind") if isinstance(error.instance, dict) else None
        if kind not in ("embedded", "remote"):
            return "target.kind must be 'embedded' or 'remote'"
        branch = 0 if kind == "embedded" else 1
        inner = [e for e in error.context if e.relative_schema_path[0] == branch]
        if inner:
            return _describe(jsonschema.exceptions.best_match(inner))
    return f"{where}: {error.message}"


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"profile file {path} does not exist; pass an existing YAML file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"profile {path} is not valid YAML{line}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"profile {path} must be a YAML mapping of keys to values")
    return data


def load_profile(path: Path) -> Profile:
    """Read, validate and complete the profile at ``path``."""
    data = _read(path)
    _check_one_auth_method(path, data)
    errors = list(jsonschema.Draft202012Validator(_schema()).iter_errors(data))
    if errors:
        error = max(errors, key=jsonschema.exceptions.relevance)
        raise ConfigError(f"profile {path}: {_describe(error)}")

    target = data["target"]
    embedded = target["kind"] == "embedded"
    safety = data.get("safety", {})
    load = data.get("load", {})
    timeouts = data.get("timeouts", {})
    jobs = data.get("jobs", {})
    generation = data.get("generation", {})
    for key, value in generation.items():
        if not isinstance(value, int):
            raise ConfigError(
                f"profile {path}: generation.{key} must be a whole number, not {value!r}"
            )
    profile = Profile(
        name=data["name"],
        source=str(path),
        kind=target["kind"],
        endpoints=dict(target.get("endpoints", {})),
        project_id=target.get("project_id", ""),
        region=target.get("region", ""),
        faults=tuple(target.get("faults", ())),
        limiter=target.get("limiter", "fixed"),
        auth=_auth_settings(path, data),
        other_project_id=data.get("isolation", {}).get("project_id", ""),
        dialect=data.get("dialect", "huawei"),
        strict=data.get("strict", False),
        window_seconds=data.get("window_seconds", 60),
        behaviours=resolve_behaviours(data.get("behaviours")),
        safety_allow=tuple(safety.get("allow", SAFETY_CLASSES if embedded else ("readonly",))),
        mutate_non_loopback=safety.get("mutate_non_loopback", False),
        pacing_fraction=data.get("pacing", {}).get("fraction_of_ceiling", 0.5),
        throttle_probe=data.get("throttle", {}).get("probe", embedded),
        load_enabled=load.get("enabled", True),
        load_fractions=tuple(load.get("fractions", (0.5, 0.8, 1.0, 1.2, 1.5))),
        load_windows_per_step=load.get("windows_per_step", 1.5),
        load_workers=load.get("workers", 1),
        ceiling_tolerance=load.get("tolerance", 0.05),
        job_p95_seconds=load.get("job_p95_seconds"),
        expected_window=data.get("throttle", {}).get("expected_window", "any"),
        resources=dict(data.get("resources", {})),
        request_timeout=timeouts.get("request_seconds", 30.0),
        conformance_minutes=timeouts.get("conformance_minutes", 30.0),
        job_seconds=dict(target.get("job_seconds", {})),
        job_failure_rate=target.get("job_failure_rate", 0.0),
        quota_instances=target.get("quota_instances"),
        undocumented_ceilings=dict(target.get("undocumented_ceilings", {})),
        discovery_max_per_second=load.get("discovery_max_per_second", 64.0),
        job_poll_seconds=jobs.get("poll_seconds", 0.2 if embedded else 5.0),
        job_timeout_seconds=60 * jobs.get("timeout_minutes", 2.0 if embedded else 45.0),
        examples_per_operation=generation.get("examples_per_operation", EXAMPLES_PER_OPERATION),
        steps_per_machine=generation.get("steps_per_machine", STEPS_PER_MACHINE),
        runs_per_machine=generation.get("runs_per_machine", RUNS_PER_MACHINE),
    )
    check_safe_to_change(profile)
    return profile
