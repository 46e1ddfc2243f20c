"""Hypothesis strategies for requests, drawn from the request schemas and nothing else.

``RequestStrategies.valid`` draws requests that satisfy an operation's request schema, as a
dialect reads it at a microversion: path values, query and body, each from its part of the
schema through hypothesis-jsonschema. ``RequestStrategies.invalid`` draws a valid request and
then breaks exactly one rule the schema states about something the request carries: a
required member left out, a value of the wrong type, outside its enumeration, past a length,
size or range limit, not matching its pattern, a key that breaks ``propertyNames``, or an
extra member where the schema forbids one. The breaking value is drawn too, so a long run
tries many different over-long tags, not one string of repeated letters.

Some inputs cannot be free: they name resources (the server to act on, the volume to attach,
the key pair to delete). ``pins`` fix them to resources the harness may use; a pinned member
becomes a ``const`` in the schema, so everything around it is still generated from the one
description, and a pinned place is never the rule an invalid request breaks.

What the wire cannot carry is left out, and said here rather than hidden:

- a path value travels in one URL segment, so a generated path value never holds a slash, is
  never ``.`` or ``..`` (clients and servers read those as part of the path), and is never
  empty (that is another URL), so "too short" is not broken in a path;
- a query value is text on the wire and the server reads it as its documented type, so a
  query value's type is broken only with text that cannot be read as that type, and an
  unknown query parameter is not a broken rule at all (servers ignore them, Nova below 2.75).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from bmscert.checks.mutations import _json_type, _merged
from bmscert.core.catalogue import Operation
from bmscert.core.schemas import SchemaStore
from bmscert.core.views import SchemaView

PARTS = ("path", "query", "body")
FORMATS = {"uuid": st.uuids().map(str)}
_DOT_SEGMENTS = frozenset({".", ".."})
_BREAKING_CHARACTERS = ".!*/ ,:@{}[]\\\"'`~#%^&()=+<>?;|\x00\n"
_MAX_EXTRA = 24
_CLASS_REPEAT = re.compile(r"\^\[(?:[^\]\\]|\\.)*\]\{\d*,(\d+)\}(?:\$|\\Z)")


class _Absent:
    """No body at all (not a JSON null)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class GeneratedRequest:
    """One drawn request; ``broken`` says which rule an invalid one breaks, and where."""

    path: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = ABSENT
    broken: str = ""

    def part(self, name: str) -> Any:
        return {"path": self.path, "query": self.query, "body": self.body}[name]

    def with_part(self, name: str, value: Any, broken: str) -> GeneratedRequest:
        parts = {"path": self.path, "query": self.query, "body": self.body, name: value}
        return GeneratedRequest(**parts, broken=broken)


@dataclass(frozen=True)
class Break:
    """One rule that can be broken at one place: what to do there, and the values to use.

    ``action`` is ``set`` (replace the value), ``drop`` (remove a required member) or
    ``add`` (add a member: ``values`` draws a (name, value) pair).
    """

    rule: str
    where: str
    steps: tuple
    action: str
    values: SearchStrategy | None = None


def wire_query(query: Mapping[str, Any]) -> dict[str, str]:
    """Query values as text, the way a URL carries them (booleans as ``true``/``false``)."""
    return {name: _as_text(value) for name, value in query.items()}


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def read_as_documented(text: str, schema: Mapping[str, Any]) -> Any:
    """A query text as a server reads it: an integer or boolean where the schema says so."""
    declared = schema.get("type", "string")
    types = declared if isinstance(declared, list) else [declared]
    if "integer" in types and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if "boolean" in types and text in ("true", "false"):
        return text == "true"
    return text


def is_segment_safe(value: Any) -> bool:
    """Whether a path value survives a trip through one URL segment unchanged."""
    text = str(value)
    return bool(text) and "/" not in text and text not in _DOT_SEGMENTS


@dataclass(frozen=True)
class Known:
    """Values known to name something real (a tag the server has): drawn as often as
    anything else the schema allows, where a pin would allow nothing else."""

    values: tuple

    def schema(self, original: Any) -> dict[str, Any]:
        return {"anyOf": [{"enum": list(self.values)}, original]}


def pinned(schema: Any, location: str, value: Any) -> Any:
    """``schema`` with the member at ``location`` (``a.b.*.c``) fixed to ``value``.

    The walk enters ``properties`` and ``items``, and every ``allOf`` part (the inliner wraps
    annotated references in one), so the member is pinned wherever the schema speaks of it.
    """
    steps = [step for step in location.split(".") if step]
    return _pin(copy.deepcopy(schema), steps, value)


def _pin(node: Any, steps: list[str], value: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if not steps:
        return value.schema(node) if isinstance(value, Known) else {"const": value}
    head, rest = steps[0], steps[1:]
    for part_index, part in enumerate(node.get("allOf", [])):
        node["allOf"][part_index] = _pin(part, steps, value)
    if head == "*" and isinstance(node.get("items"), dict):
        node["items"] = _pin(node["items"], rest, value)
    elif head in node.get("properties", {}):
        node["properties"][head] = _pin(node["properties"][head], rest, value)
    return node


def _other_type_values(declared: set[str]) -> SearchStrategy:
    """Values of any JSON type the schema does not allow."""
    candidates = {
        "string": st.text(max_size=12),
        "integer": st.integers(min_value=-(10**6), max_value=10**6),
        "number": st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda number: not number.is_integer()
        ),
        "boolean": st.booleans(),
        "null": st.none(),
        "array": st.lists(st.integers() | st.text(max_size=5), max_size=3),
        "object": st.dictionaries(st.text(max_size=6), st.integers(), max_size=3),
    }
    allowed = set(declared)
    if "number" in allowed:
        allowed.add("integer")
    wrong = [strategy for kind, strategy in candidates.items() if kind not in allowed]
    return st.one_of(wrong) if wrong else st.nothing()


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True


def _pattern_language(pattern: str) -> SearchStrategy[str]:
    return st.from_regex(pattern).filter(bool)


def _stretched(base: SearchStrategy[str], length: int) -> SearchStrategy[str]:
    """Strings of ``length`` to ``length + _MAX_EXTRA`` characters, built by repeating a
    drawn string, so an over-long value keeps the characters its pattern allows."""

    def stretch(pair: tuple[str, int]) -> str:
        text, extra = pair
        return (text * (length // len(text) + 2))[: length + extra]

    return st.tuples(base.filter(bool), st.integers(0, _MAX_EXTRA)).map(stretch)


def _string_breaks(schema: dict[str, Any], in_path: bool) -> Iterator[tuple[str, SearchStrategy]]:
    """(rule, values) for every length and pattern rule of a string schema."""
    pattern = schema.get("pattern")
    base = _pattern_language(pattern) if pattern else st.text(min_size=1)
    if "maxLength" in schema:
        yield "maxLength", _stretched(base, schema["maxLength"] + 1)
    if schema.get("minLength", 0) > 0 and not (in_path and schema["minLength"] == 1):
        yield "minLength", st.text(max_size=schema["minLength"] - 1)
    if pattern:
        yield "pattern", _pattern_breakers(pattern, schema)
    bound = _repeat_bound(pattern) if pattern else None
    if bound is not None and schema.get("maxLength", bound + 1) > bound:
        too_long = _stretched(base, bound + 1).filter(lambda text: not _matches(pattern, text))
        yield "pattern, too long", too_long


def _repeat_bound(pattern: str) -> int | None:
    """The length limit a pattern of one repeated character class states (``{1,255}``)."""
    found = _CLASS_REPEAT.fullmatch(pattern)
    return int(found.group(1)) if found else None


def _pattern_breakers(pattern: str, schema: dict[str, Any]) -> SearchStrategy[str]:
    """Strings that do not match ``pattern`` and keep its length limits: a matching string
    with a breaking character put in, or any text."""
    base = _pattern_language(pattern)
    inserted = st.tuples(base, st.sampled_from(_BREAKING_CHARACTERS), st.integers(0, 64)).map(
        lambda drawn: drawn[0][: drawn[2]] + drawn[1] + drawn[0][drawn[2] :]
    )
    high = schema.get("maxLength")
    low = schema.get("minLength", 0)
    anything = st.text(min_size=low, max_size=high if high is not None else 40)
    return st.one_of(inserted, anything).filter(lambda text: not _matches(pattern, text))


def _enum_breakers(allowed: list[Any]) -> SearchStrategy:
    if all(isinstance(value, str) for value in allowed):
        texts = st.text(max_size=16) | st.sampled_from([v.lower() for v in allowed])
        return texts.filter(lambda text: text not in allowed)
    return (st.text(max_size=8) | st.integers()).filter(lambda value: value not in allowed)


def _number_breaks(schema: dict[str, Any]) -> Iterator[tuple[str, SearchStrategy]]:
    if "minimum" in schema:
        yield "minimum", st.integers(max_value=int(schema["minimum"]) - 1)
    if "maximum" in schema:
        yield "maximum", st.integers(min_value=int(schema["maximum"]) + 1)


def _child(where: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{where}[{name}]"
    return f"{where}.{name}" if where else name


class _SiteWalker:
    """Every place a value could break one rule, from its schema and what it carries."""

    def __init__(self, part: str, pinned_places: frozenset[tuple]):
        self.part = part
        self.pinned_places = pinned_places

    def _is_pinned(self, steps: tuple) -> bool:
        general = tuple("*" if isinstance(step, int) else step for step in steps)
        return general in self.pinned_places

    def walk(self, schema: Any, value: Any, steps: tuple, where: str) -> Iterator[Break]:
        if self._is_pinned(steps):
            return
        schema = _merged(schema)
        if steps:
            yield from self._typed(schema, value, steps, where)
        if isinstance(value, str):
            yield from self._strings(schema, steps, where)
        if _json_type(value) in ("integer", "number"):
            yield from self._numbers(schema, steps, where)
        if isinstance(value, list):
            yield from self._arrays(schema, value, steps, where)
        if isinstance(value, dict):
            yield from self._objects(schema, value, steps, where)

    def _set(self, rule: str, steps: tuple, where: str, values: SearchStrategy) -> Break:
        return Break(rule, where or self.part, steps, "set", values)

    def _typed(self, schema, value, steps, where) -> Iterator[Break]:
        declared = schema.get("type")
        if declared is not None:
            types = set(declared) if isinstance(declared, list) else {declared}
            values = _other_type_values(types)
            if self.part != "body":
                values = self._wire_type_breakers(types)
            if values is not None:
                yield self._set("type", steps, where, values)
        if schema.get("enum"):
            yield self._set("enum", steps, where, _enum_breakers(schema["enum"]))

    def _wire_type_breakers(self, types: set[str]) -> SearchStrategy | None:
        """In a path or query everything is text: only text the type cannot read breaks it."""
        if "string" in types:
            return None
        texts = st.text(min_size=1, max_size=12).filter(is_segment_safe)
        return texts.filter(lambda text: read_as_documented(text, {"type": sorted(types)}) == text)

    def _strings(self, schema, steps, where) -> Iterator[Break]:
        for rule, values in _string_breaks(schema, in_path=self.part == "path"):
            if self.part == "path":
                values = values.filter(is_segment_safe)
            yield self._set(rule, steps, where, values)

    def _numbers(self, schema, steps, where) -> Iterator[Break]:
        for rule, values in _number_breaks(schema):
            yield self._set(rule, steps, where, values)

    def _arrays(self, schema, value, steps, where) -> Iterator[Break]:
        if "maxItems" in schema and value:
            limit = schema["maxItems"]
            longer = st.integers(limit + 1, limit + 3).map(
                lambda size: [copy.deepcopy(value[i % len(value)]) for i in range(size)]
            )
            yield self._set("maxItems", steps, where, longer)
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value[:3]):
                yield from self.walk(items, item, (*steps, index), _child(where, index))

    def _objects(self, schema, value, steps, where) -> Iterator[Break]:
        droppable = schema.get("required", []) if self.part == "body" else []
        for name in droppable:
            if name in value and not self._is_pinned((*steps, name)):
                member = _child(where, name)
                yield Break("required", member, (*steps, name), "drop")
        if schema.get("additionalProperties") is False and self.part == "body":
            known = set(schema.get("properties", {}))
            names = st.text(min_size=1, max_size=12).filter(lambda name: name not in known)
            pair = st.tuples(names, st.text(max_size=8) | st.integers())
            yield Break("additionalProperties", where or self.part, steps, "add", pair)
        yield from self._property_names(schema, steps, where)
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, member in value.items():
            inner = properties.get(name, extra if isinstance(extra, dict) else None)
            if isinstance(inner, dict):
                yield from self.walk(inner, member, (*steps, name), _child(where, name))

    def _property_names(self, schema, steps, where) -> Iterator[Break]:
        names = _merged(schema.get("propertyNames"))
        if not names:
            return
        extra = schema.get("additionalProperties")
        member = from_schema(extra, custom_formats=FORMATS) if isinstance(extra, dict) else None
        for rule, keys in _string_breaks(names, in_path=False):
            pair = st.tuples(keys, member if member is not None else st.just("x"))
            yield Break(f"propertyNames.{rule}", where or self.part, steps, "add", pair)


def _apply(value: Any, site: Break, drawn: Any) -> Any:
    """A deep copy of ``value`` with the break applied."""
    if not site.steps and site.action == "set":
        return drawn
    changed = copy.deepcopy(value)
    node = changed
    steps = site.steps if site.action == "add" else site.steps[:-1]
    for step in steps:
        node = node[step]
    if site.action == "drop":
        del node[site.steps[-1]]
    elif site.action == "add":
        name, member = drawn
        node[name] = member
    else:
        node[site.steps[-1]] = drawn
    return changed


def _describe(site: Break, drawn: Any) -> str:
    if site.action == "drop":
        return f"required {site.where} left out"
    if site.action == "add":
        name, _ = drawn
        return f"{site.where} given the member {name!r} ({site.rule})"
    shown = repr(drawn)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return f"{site.where} is {shown} ({site.rule})"


def ecma_anchored(schema: Any) -> Any:
    """``schema`` with every pattern's closing ``$`` read as JSON Schema reads it.

    JSON Schema patterns follow ECMA-262, where ``$`` matches only at the very end; Python's
    ``$`` also matches before a final newline, so Python-side generators would draw "valid"
    values ending in a newline that an ECMA validator (the reference target's) refuses.
    ``\\Z`` is Python's end of text, the ECMA meaning.
    """
    if isinstance(schema, list):
        return [ecma_anchored(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    rewritten = {key: ecma_anchored(value) for key, value in schema.items()}
    pattern = rewritten.get("pattern")
    if isinstance(pattern, str) and pattern.endswith("$") and not pattern.endswith("\\$"):
        rewritten["pattern"] = pattern[:-1] + "\\Z"
    return rewritten


@dataclass(frozen=True)
class _Part:
    """One part of an operation's request schema, ready to draw from and validate against."""

    name: str
    schema: Any
    pinned_schema: Any
    pinned_places: frozenset[tuple]
    required: bool

    def values(self) -> SearchStrategy:
        values = from_schema(self.pinned_schema, custom_formats=FORMATS)
        if self.name == "path":
            values = values.filter(lambda path: all(map(is_segment_safe, path.values())))
        if self.name == "body" and not self.required:
            values = st.just(ABSENT) | values
        return values

    def is_valid(self, value: Any) -> bool:
        """Whether ``value`` satisfies the part, read as the server reads the wire."""
        if self.name == "query":
            properties = self.schema.get("properties", {})
            value = {
                name: read_as_documented(_as_text(member), properties.get(name) or {})
                for name, member in value.items()
            }
        return _validator(json.dumps(self.schema, sort_keys=True)).is_valid(value)

    def breaks(self, value: Any) -> list[Break]:
        walker = _SiteWalker(self.name, self.pinned_places)
        return list(walker.walk(self.schema, value, (), ""))

    def has_free_rules(self) -> bool:
        """Whether some member a client may choose carries a rule it can break."""
        if self.name == "body":
            return bool(_rules_in(self.schema))
        members = self.schema.get("properties", {}) if isinstance(self.schema, dict) else {}
        return any(
            (name,) not in self.pinned_places and _rules_in(member, _WIRE_RULES)
            for name, member in members.items()
        )


_RULES = frozenset({"maxLength", "pattern", "enum", "minimum", "maximum", "maxItems", "type"})
_WIRE_RULES = frozenset({"maxLength", "pattern", "enum", "minimum", "maximum"})


def _rules_in(schema: Any, rules: frozenset[str] = _RULES) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(_rules_in(item, rules) for item in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = {key for key in schema if key in rules}
    for value in schema.values():
        found |= _rules_in(value, rules)
    return found


@cache
def _validator(schema_text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_text))


class RequestStrategies:
    """Valid and invalid requests for catalogue operations, read from ``schemas/``."""

    def __init__(self, store: SchemaStore):
        self.store = store
        self._parts: dict[tuple, tuple[_Part, ...]] = {}
        self._valid: dict[tuple, SearchStrategy[GeneratedRequest]] = {}
        self._invalid: dict[tuple, SearchStrategy[GeneratedRequest]] = {}

    def valid(
        self,
        operation: Operation,
        view: SchemaView | None = None,
        pins: Mapping[str, Any] | None = None,
        adjust: Callable[[GeneratedRequest], GeneratedRequest] | None = None,
    ) -> SearchStrategy[GeneratedRequest]:
        """Requests the documents accept; ``pins`` maps ``path.x``/``body.a.b`` to a value, or
        to ``Known`` values that are drawn among the others. ``adjust`` applies a rule only a
        handler states (the item PUT's body key equal to the URL's) to every request."""
        key = (operation.id, view, _frozen(pins), adjust)
        if key not in self._valid:
            parts = self.parts(operation, view, pins)
            drawn = st.builds(GeneratedRequest, **{part.name: part.values() for part in parts})
            self._valid[key] = drawn.map(adjust) if adjust is not None else drawn
        return self._valid[key]

    def invalid(
        self,
        operation: Operation,
        view: SchemaView | None = None,
        pins: Mapping[str, Any] | None = None,
        adjust: Callable[[GeneratedRequest], GeneratedRequest] | None = None,
    ) -> SearchStrategy[GeneratedRequest]:
        """Requests that break exactly one documented rule, named in ``broken``."""
        key = (operation.id, view, _frozen(pins), adjust)
        if key not in self._invalid:
            parts = self.parts(operation, view, pins)
            valid = self.valid(operation, view, pins, adjust)
            self._invalid[key] = _broken(valid, parts)
        return self._invalid[key]

    def can_break(
        self,
        operation: Operation,
        view: SchemaView | None = None,
        pins: Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether the request states a rule a client can break in what it may choose."""
        return any(part.has_free_rules() for part in self.parts(operation, view, pins))

    def value(self, schema: Any) -> SearchStrategy:
        """Values of any ref-free schema (a tag, a metadata map), for the stateful models."""
        return from_schema(ecma_anchored(schema), custom_formats=FORMATS)

    def broken_value(self, schema: Any, value: Any) -> SearchStrategy[tuple[Any, str]]:
        """``value`` (valid under ``schema``) with one rule broken, and the rule described."""
        part = _Part("body", ecma_anchored(schema), None, frozenset(), True)
        return _broken(st.just(GeneratedRequest(body=value)), (part,)).map(
            lambda request: (request.body, request.broken)
        )

    def parts(
        self,
        operation: Operation,
        view: SchemaView | None = None,
        pins: Mapping[str, Any] | None = None,
    ) -> tuple[_Part, ...]:
        key = (operation.id, view, _frozen(pins))
        if key not in self._parts:
            self._parts[key] = tuple(self._read_parts(operation, view, dict(_frozen(pins))))
        return self._parts[key]

    def _read_parts(
        self, operation: Operation, view: SchemaView | None, pins: dict[str, Any]
    ) -> Iterator[_Part]:
        document = self.store.document(operation.request_schema, view)
        described = document.get("properties", {})
        required = set(document.get("required", []))
        for name in PARTS:
            if name not in described or described[name] is False:
                continue
            schema = self.store.inlined(operation.request_schema, f"/properties/{name}", view)
            schema = ecma_anchored(_without_project(schema) if name == "path" else schema)
            narrowed, places = schema, set()
            for place, value in pins.items():
                if place.startswith(f"{name}."):
                    location = place.removeprefix(f"{name}.")
                    narrowed = pinned(narrowed, location, value)
                    if not isinstance(value, Known):
                        places.add(tuple(location.split(".")))
            yield _Part(name, schema, narrowed, frozenset(places), name in required)


def _frozen(pins: Mapping[str, Any] | None) -> tuple:
    return tuple(sorted((pins or {}).items()))


def _without_project(schema: dict[str, Any]) -> dict[str, Any]:
    """The path schema without ``project_id``: the client fills it from the profile."""
    trimmed = copy.deepcopy(schema)
    trimmed.get("properties", {}).pop("project_id", None)
    if "required" in trimmed:
        trimmed["required"] = [name for name in trimmed["required"] if name != "project_id"]
    return trimmed


def _broken(
    valid: SearchStrategy[GeneratedRequest], parts: tuple[_Part, ...]
) -> SearchStrategy[GeneratedRequest]:
    """A valid request with one rule of one part broken; a request with nothing to break,
    or a break that leaves it valid, is discarded and another drawn."""

    @st.composite
    def broken(draw: st.DrawFn) -> GeneratedRequest:
        request = draw(valid)
        sites = [
            (part, site)
            for part in parts
            if request.part(part.name) is not ABSENT
            for site in part.breaks(request.part(part.name))
        ]
        if not sites:
            reject()
        part, site = draw(st.sampled_from(sites))
        drawn = draw(site.values) if site.values is not None else None
        value = _apply(request.part(part.name), site, drawn)
        if part.is_valid(value):
            reject()
        return request.with_part(part.name, value, _describe(site, drawn))

    return broken()
