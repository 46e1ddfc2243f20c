"""The operation catalogue: every documented operation, read from ``schemas/operations.yaml``.

The catalogue is the one place that says what an operation is (method, path, ceiling, whether
it returns a job, which status means success). The suites, the Locust users and the reference
target all ask it rather than carrying their own copy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import yaml

from bmscert.errors import ConfigError
from bmscert.paths import schemas_dir

_PATH_PARAM = re.compile(r"\{([a-z_]+)\}")
DIALECTS = ("huawei", "openstack")


def _microversion_key(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def _as_status_set(value: int | list[int]) -> frozenset[int]:
    return frozenset(value) if isinstance(value, list) else frozenset([value])


@dataclass(frozen=True)
class Operation:
    """One documented operation, as the catalogue describes it."""

    id: str
    summary: str
    family: str
    endpoint: str
    method: str
    path: str
    ceiling_per_minute: int | None
    completion: str
    success_status: Any
    safety: str
    request_schema: str
    response_schema: str | None
    error_envelope: str
    scope: str
    body_selector: str | None = None
    min_microversion: str | None = None
    note: str | None = None

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(_PATH_PARAM.findall(self.path))

    @property
    def returns_job(self) -> bool:
        return self.completion == "job"

    @property
    def is_bms(self) -> bool:
        return self.family == "bms-v1"

    def expected_statuses(
        self, dialect: str = "huawei", microversion: str = "2.1"
    ) -> frozenset[int]:
        """The success statuses documented for ``dialect`` at ``microversion``.

        The BMS pages and upstream Nova disagree on a few success codes (202 or 204 for an
        action, 200 or 201 for a keypair), and upstream changes some with the microversion.
        """
        value = self.success_status
        if not isinstance(value, Mapping):
            return _as_status_set(value)
        value = value[dialect]
        if not isinstance(value, Mapping):
            return _as_status_set(value)
        wanted = _microversion_key(microversion)
        floors = sorted(value, key=_microversion_key)
        applicable = [floor for floor in floors if _microversion_key(floor) <= wanted]
        return _as_status_set(value[applicable[-1] if applicable else floors[0]])

    def render_path(self, params: Mapping[str, str]) -> str:
        """Fill the path template, percent-encoding each value as one path segment."""
        missing = [name for name in self.path_params if name not in params]
        if missing:
            raise ConfigError(f"operation {self.id} needs path parameter(s) {', '.join(missing)}")
        return _PATH_PARAM.sub(lambda m: quote(str(params[m.group(1)]), safe=""), self.path)


class Catalogue:
    """All operations, in catalogue order, looked up by id."""

    def __init__(self, operations: Mapping[str, Operation]):
        self._operations = dict(operations)

    def __getitem__(self, operation_id: str) -> Operation:
        try:
            return self._operations[operation_id]
        except KeyError:
            raise ConfigError(
                f"unknown operation {operation_id!r}; see schemas/operations.yaml"
            ) from None

    def __contains__(self, operation_id: object) -> bool:
        return operation_id in self._operations

    def __iter__(self) -> Iterator[Operation]:
        return iter(self._operations.values())

    def __len__(self) -> int:
        return len(self._operations)

    def ids(self) -> list[str]:
        return list(self._operations)

    def family(self, family: str) -> list[Operation]:
        return [op for op in self if op.family == family]

    def sharing_route(self, operation: Operation) -> list[Operation]:
        """Operations on the same method and path (start, reboot and stop share one URI)."""
        return [op for op in self if (op.method, op.path) == (operation.method, operation.path)]


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise ConfigError(f"catalogue file {path} is missing") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"catalogue file {path} is not valid YAML: {exc}") from None


@cache
def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate the catalogue; cached because it never changes during a run."""
    folder = schemas_dir()
    path = path or folder / "operations.yaml"
    raw = _read_yaml(path)
    meta_schema = json.loads((folder / "catalogue.schema.json").read_text(encoding="utf-8"))
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(meta_schema).iter_errors(raw)
    )
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top)"
        raise ConfigError(f"catalogue {path} is malformed at {where}: {error.message}")
    return Catalogue({op_id: Operation(id=op_id, **fields) for op_id, fields in raw.items()})
