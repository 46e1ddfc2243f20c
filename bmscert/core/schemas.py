"""Loading the JSON Schemas under ``schemas/`` and validating bodies against them.

All files go into one ``referencing`` registry keyed by their ``$id``, so a response schema
can point at ``defs.json`` or at an error envelope without a network lookup.

Two views of every schema exist. The documented view is the files as written. The closed
view adds ``additionalProperties: false`` to every record that lists its properties and says
nothing about others; a failure in the closed view that the documented view does not have is
a member the documents do not list. Such a member is a warning by default and a failure in
strict mode.

Either view can also be read for one dialect at one microversion (``SchemaView``, see
``bmscert.core.views``): the Nova schemas describe both dialects and every microversion at
once, and a ``view`` argument picks the reading a target must satisfy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bmscert.core.views import SchemaView, specialise
from bmscert.errors import ConfigError
from bmscert.paths import schemas_dir

SCHEMA_BASE = "https://bmscert.invalid/schemas/"
_OPEN_KEYWORDS = ("additionalProperties", "patternProperties", "unevaluatedProperties")
_ANNOTATIONS = ("description", "$comment", "title")
_DROPPED = ("$defs", "$id", "$schema", "$comment")


@dataclass(frozen=True)
class SchemaProblem:
    """One way a body departs from a schema, located by a JSON path."""

    where: str
    message: str
    keyword: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _close_records(node: Any) -> Any:
    """Return a copy in which every record (``type: object`` listing properties) is closed.

    Only declared records are closed: a bare ``properties`` inside ``if``, ``not`` or an
    ``anyOf`` branch is a condition, and closing it would change what it means.
    """
    if isinstance(node, list):
        return [_close_records(item) for item in node]
    if not isinstance(node, dict):
        return node
    closed = {key: _close_records(value) for key, value in node.items()}
    is_record = closed.get("type") == "object" and "properties" in closed
    if is_record and not any(key in closed for key in _OPEN_KEYWORDS):
        closed["additionalProperties"] = False
    return closed


def _keyword(error: Any) -> str:
    """The keyword a value broke; ``false`` for a member the schema forbids outright."""
    return "false" if error.validator is None else str(error.validator)


def _json_path(error: Any) -> str:
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


class SchemaStore:
    """Every schema file, resolvable by its path relative to ``schemas/``."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._documents = self._read_all(folder)
        self.registry = self._registry_of(self._documents)
        closed = {uri: _close_records(doc) for uri, doc in self._documents.items()}
        self._closed_registry = self._registry_of(closed)
        self._validators: dict[tuple, Draft202012Validator] = {}
        self._viewed: dict[tuple[SchemaView, bool], tuple[dict[str, Any], Registry]] = {}

    @staticmethod
    def _read_all(folder: Path) -> dict[str, Any]:
        documents = {}
        for path in sorted(folder.rglob("*.json")):
            relative = path.relative_to(folder).as_posix()
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"schema {relative} is not valid JSON: {exc}") from None
            documents[SCHEMA_BASE + relative] = document
        return documents

    @staticmethod
    def _registry_of(documents: dict[str, Any]) -> Registry:
        resources = [
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in documents.items()
        ]
        return Registry().with_resources(resources)

    def relatives(self) -> list[str]:
        """Every schema file, by its path inside ``schemas/``."""
        return [uri.removeprefix(SCHEMA_BASE) for uri in self._documents]

    def has(self, relative: str) -> bool:
        return SCHEMA_BASE + relative in self._documents

    def document(self, relative: str, view: SchemaView | None = None) -> Any:
        if SCHEMA_BASE + relative not in self._documents:
            raise ConfigError(f"schema {relative} is missing from {self.folder}")
        if view is None:
            return self._documents[SCHEMA_BASE + relative]
        return self._read_as(view, closed=False)[0][SCHEMA_BASE + relative]

    def _read_as(self, view: SchemaView, *, closed: bool) -> tuple[dict[str, Any], Registry]:
        """Every document as ``view`` reads it, and a registry over them; built once."""
        key = (view, closed)
        if key not in self._viewed:
            documents = {uri: specialise(doc, view) for uri, doc in self._documents.items()}
            if closed:
                documents = {uri: _close_records(doc) for uri, doc in documents.items()}
            self._viewed[key] = (documents, self._registry_of(documents))
        return self._viewed[key]

    def _registry_for(self, closed: bool, view: SchemaView | None) -> Registry:
        if view is not None:
            return self._read_as(view, closed=closed)[1]
        return self._closed_registry if closed else self.registry

    def validator(
        self,
        relative: str,
        pointer: str = "",
        *,
        closed: bool = False,
        formats: bool = True,
        view: SchemaView | None = None,
    ) -> Draft202012Validator:
        """A cached validator for a whole file, or for the part ``pointer`` names.

        ``formats=False`` leaves ``format`` as an annotation; the reference target uses that,
        because the real service answers a malformed id as an unknown one, not as a 400.
        """
        key = (relative, pointer, closed, formats, view)
        if key not in self._validators:
            self.document(relative)
            registry = self._registry_for(closed, view)
            schema = {"$ref": SCHEMA_BASE + relative + (f"#{pointer}" if pointer else "")}
            checker = Draft202012Validator.FORMAT_CHECKER if formats else None
            self._validators[key] = Draft202012Validator(
                schema, registry=registry, format_checker=checker
            )
        return self._validators[key]

    def problems(
        self,
        relative: str,
        instance: Any,
        pointer: str = "",
        *,
        closed: bool = False,
        formats: bool = True,
        view: SchemaView | None = None,
    ) -> list[SchemaProblem]:
        """Every departure of ``instance`` from the schema, sorted by where it is."""
        validator = self.validator(relative, pointer, closed=closed, formats=formats, view=view)
        errors = validator.iter_errors(instance)
        found = [
            SchemaProblem(_json_path(error), error.message, _keyword(error)) for error in errors
        ]
        return sorted(found, key=lambda problem: (problem.where, problem.message))

    def undocumented_members(
        self, relative: str, instance: Any, view: SchemaView | None = None
    ) -> list[SchemaProblem]:
        """Members present in ``instance`` that the documented schema does not list."""
        documented = {str(problem) for problem in self.problems(relative, instance, view=view)}
        return [
            problem
            for problem in self.problems(relative, instance, closed=True, view=view)
            if str(problem) not in documented
        ]

    def inlined(self, relative: str, pointer: str = "", view: SchemaView | None = None) -> Any:
        """The schema with every ``$ref`` replaced by what it names, for generators.

        hypothesis-jsonschema cannot follow references between files; recursive schemas
        would not terminate here, and the API has none.
        """
        base = SCHEMA_BASE + relative
        registry = self._registry_for(False, view)
        node = registry.resolver(base_uri=base).lookup(f"{base}#{pointer}").contents
        return self._inline(node, base, registry)

    def _inline(self, node: Any, base: str, registry: Registry) -> Any:
        if isinstance(node, list):
            return [self._inline(item, base, registry) for item in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            target = urljoin(base, node["$ref"])
            resolved = registry.resolver(base_uri=base).lookup(node["$ref"]).contents
            inner = self._inline(resolved, target.split("#")[0], registry)
            rest = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
            return {"allOf": [inner, self._inline(rest, base, registry)]} if rest else inner
        return {k: self._inline(v, base, registry) for k, v in node.items() if k not in _DROPPED}


@cache
def load_schemas(folder: Path | None = None) -> SchemaStore:
    """The schema store for ``folder`` (the project's ``schemas/`` by default)."""
    return SchemaStore(folder or schemas_dir())
