"""Invalid request bodies derived from a request schema, each breaking one documented rule.

Given a body schema (``SchemaStore.inlined``) and a body that satisfies it, ``mutations``
yields variants of the body that each break exactly one rule the schema states about a
member the body carries: a required member left out, a value of the wrong JSON type, a value
outside an enumeration, a string past ``maxLength`` or short of ``minLength``, a number past
``minimum`` or ``maximum``, an array past ``maxItems``, a string that does not match its
``pattern``, a key that breaks ``propertyNames``, an extra member where
``additionalProperties`` is false. The negative suites send each one and expect the
documented 4xx, so the cases follow the documents instead of being written by hand.

Nothing here knows an operation: the same function serves both API families. Every variant
is checked to be invalid against the schema before it is offered; a rule that cannot be
broken alone (a ``maxLength`` whose ``pattern`` also bounds the length) is still broken, and
the description says which rule was aimed at.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

_WRONG_TYPE_CANDIDATES: tuple[Any, ...] = (
    "bmscert",
    12345,
    True,
    ["bmscert"],
    {"bmscert": 1},
)
_PATTERN_BREAKERS = ("bmscert invalid!", "*", "!", " ", "/..")
EXTRA_MEMBER = "bmscert_undocumented"


@dataclass(frozen=True)
class Mutation:
    """One invalid variant of a valid body, and the rule it breaks."""

    rule: str
    where: str
    description: str
    body: Any

    @property
    def case_id(self) -> str:
        """A short identifier for a test id: rule and place, no spaces."""
        return f"{self.rule}:{self.where}"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _declared_types(schema: dict[str, Any]) -> set[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    types = set(declared) if isinstance(declared, list) else {declared}
    if "number" in types:
        types.add("integer")
    return types


def _merged(schema: Any) -> dict[str, Any]:
    """A schema with its ``allOf`` parts folded in (the inliner wraps annotated refs so)."""
    if not isinstance(schema, dict):
        return {}
    merged = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema.get("allOf", []):
        for key, value in _merged(part).items():
            if key == "properties":
                merged["properties"] = {**merged.get("properties", {}), **value}
            elif key == "required":
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def _child(where: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{where}[{name}]"
    return f"{where}.{name}" if where else name


def _replace(body: Any, path: tuple, value: Any) -> Any:
    """A deep copy of ``body`` with the member at ``path`` set to ``value``."""
    changed = copy.deepcopy(body)
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


def _remove(body: Any, path: tuple) -> Any:
    changed = copy.deepcopy(body)
    node = changed
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return changed


def _string_breaking(pattern: str, schema: dict[str, Any]) -> str | None:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10**6)
    for candidate in _PATTERN_BREAKERS:
        if low <= len(candidate) <= high and not re.search(pattern, candidate):
            return candidate
    return None


class _Walker:
    def __init__(self, body: Any):
        self.body = body

    def walk(self, schema: Any, value: Any, path: tuple, where: str) -> Iterator[Mutation]:
        schema = _merged(schema)
        yield from self._type(schema, value, path, where)
        yield from self._enum(schema, value, path, where)
        if isinstance(value, str):
            yield from self._string(schema, value, path, where)
        if _json_type(value) in ("integer", "number"):
            yield from self._number(schema, value, path, where)
        if isinstance(value, list):
            yield from self._array(schema, value, path, where)
        if isinstance(value, dict):
            yield from self._object(schema, value, path, where)

    def _mutation(self, rule: str, where: str, description: str, body: Any) -> Mutation:
        return Mutation(rule, where or "body", description, body)

    def _type(self, schema, value, path, where) -> Iterator[Mutation]:
        types = _declared_types(schema)
        if types is None or not path:
            return
        for candidate in _WRONG_TYPE_CANDIDATES:
            if _json_type(candidate) not in types:
                kind = _json_type(candidate)
                yield self._mutation(
                    "type",
                    where,
                    f"{where} is {kind}, not {'/'.join(sorted(types))}",
                    _replace(self.body, path, candidate),
                )
                return

    def _enum(self, schema, value, path, where) -> Iterator[Mutation]:
        allowed = schema.get("enum")
        if not allowed or not path:
            return
        if isinstance(value, str):
            candidate: Any = "BMSCERT_NOT_IN_ENUM"
        elif isinstance(value, int) and not isinstance(value, bool):
            candidate = max(v for v in allowed if isinstance(v, int)) + 1000
        else:
            return
        yield self._mutation(
            "enum",
            where,
            f"{where} is {candidate!r}, outside {allowed}",
            _replace(self.body, path, candidate),
        )

    def _string(self, schema, value, path, where) -> Iterator[Mutation]:
        if "maxLength" in schema:
            limit = schema["maxLength"]
            yield self._mutation(
                "maxLength",
                where,
                f"{where} is {limit + 1} characters, over maxLength {limit}",
                _replace(self.body, path, "a" * (limit + 1)),
            )
        if schema.get("minLength", 0) > 0:
            limit = schema["minLength"]
            yield self._mutation(
                "minLength",
                where,
                f"{where} is {limit - 1} characters, under minLength {limit}",
                _replace(self.body, path, "a" * (limit - 1)),
            )
        if "pattern" in schema:
            candidate = _string_breaking(schema["pattern"], schema)
            if candidate is not None:
                yield self._mutation(
                    "pattern",
                    where,
                    f"{where} is {candidate!r}, breaking pattern {schema['pattern']}",
                    _replace(self.body, path, candidate),
                )

    def _number(self, schema, value, path, where) -> Iterator[Mutation]:
        if "minimum" in schema:
            low = schema["minimum"]
            yield self._mutation(
                "minimum",
                where,
                f"{where} is {low - 1}, under minimum {low}",
                _replace(self.body, path, low - 1),
            )
        if "maximum" in schema:
            high = schema["maximum"]
            yield self._mutation(
                "maximum",
                where,
                f"{where} is {high + 1}, over maximum {high}",
                _replace(self.body, path, high + 1),
            )

    def _array(self, schema, value, path, where) -> Iterator[Mutation]:
        if "maxItems" in schema and value:
            limit = schema["maxItems"]
            longer = value + [copy.deepcopy(value[-1]) for _ in range(limit + 1 - len(value))]
            yield self._mutation(
                "maxItems",
                where,
                f"{where} has {limit + 1} items, over maxItems {limit}",
                _replace(self.body, path, longer) if path else longer,
            )
        if value and isinstance(schema.get("items"), dict):
            yield from self.walk(schema["items"], value[0], (*path, 0), _child(where, 0))

    def _object(self, schema, value, path, where) -> Iterator[Mutation]:
        for name in schema.get("required", []):
            if name in value:
                member = _child(where, name)
                yield self._mutation(
                    "required",
                    member,
                    f"required {member} is missing",
                    _remove(self.body, (*path, name)),
                )
        if schema.get("additionalProperties") is False:
            yield self._mutation(
                "additionalProperties",
                where,
                f"{where or 'body'} carries the undocumented member {EXTRA_MEMBER}",
                _replace(self.body, (*path, EXTRA_MEMBER), "x"),
            )
        yield from self._property_names(schema, value, path, where)
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, member in value.items():
            inner = properties.get(name, extra if isinstance(extra, dict) else None)
            if inner is not None:
                yield from self.walk(inner, member, (*path, name), _child(where, name))

    def _property_names(self, schema, value, path, where) -> Iterator[Mutation]:
        pattern = _merged(schema.get("propertyNames")).get("pattern")
        if pattern is None:
            return
        key = _string_breaking(pattern, {})
        extra = schema.get("additionalProperties")
        member = "x" if isinstance(extra, dict) and extra.get("type") == "string" else {}
        if key is not None:
            yield self._mutation(
                "propertyNames",
                where,
                f"{where or 'body'} has the key {key!r}, breaking pattern {pattern}",
                _replace(self.body, (*path, key), member),
            )


def mutations(schema: dict[str, Any], body: Any) -> list[Mutation]:
    """Every single-rule break of ``body`` under ``schema`` that really is invalid.

    ``body`` must satisfy ``schema``; the variants come in a stable order, so the same body
    shape always yields the same list (test ids depend on it).
    """
    validator = Draft202012Validator(schema)
    if not validator.is_valid(body):
        first = next(validator.iter_errors(body))
        raise ValueError(f"the template body is itself invalid: {first.message}")
    found = []
    seen = set()
    for mutation in _Walker(body).walk(schema, body, (), ""):
        if mutation.case_id in seen or validator.is_valid(mutation.body):
            continue
        seen.add(mutation.case_id)
        found.append(mutation)
    return found
