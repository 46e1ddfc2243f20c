"""Schema views: a schema read for one dialect at one microversion.

The Nova schemas describe both dialects and every microversion in one file each, with three
annotations that JSON Schema validators ignore:

- ``"x-since": "2.26"`` on a member: the member exists from 2.26 on; below, it must be
  absent and is not required;
- ``"x-until": "2.46"`` on a member: the member exists up to 2.46; above, it must be absent;
- ``"x-dialect": {"huawei": {...}, "openstack": false}`` on any schema: for that dialect the
  schema gains (or has replaced) the members given, or is ``false`` (a member that dialect
  never has).

A view applies the annotations and drops them, leaving plain JSON Schema. A document without
annotations (every BMS schema) reads the same in every view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bmscert.core.microversion import Microversion

SINCE = "x-since"
UNTIL = "x-until"
DIALECT = "x-dialect"
_ANNOTATIONS = (SINCE, UNTIL, DIALECT)


@dataclass(frozen=True)
class SchemaView:
    """Which dialect and microversion a schema is read for."""

    dialect: str
    microversion: str = "2.1"

    def exists(self, member: Any) -> bool:
        """Whether a member annotated with ``x-since``/``x-until`` exists in this view."""
        if not isinstance(member, dict):
            return True
        version = Microversion.parse(self.microversion)
        since, until = member.get(SINCE), member.get(UNTIL)
        if since is not None and version < Microversion.parse(since):
            return False
        return until is None or version <= Microversion.parse(until)


def _for_dialect(node: dict[str, Any], dialect: str) -> dict[str, Any] | bool:
    variants = node.get(DIALECT)
    if not isinstance(variants, dict) or dialect not in variants:
        return node
    chosen = variants[dialect]
    if chosen is False:
        return False
    return {**node, **chosen}


def _specialise_members(members: dict[str, Any], view: SchemaView) -> dict[str, Any]:
    return {
        name: specialise(schema, view) if view.exists(schema) else False
        for name, schema in members.items()
    }


def specialise(node: Any, view: SchemaView) -> Any:
    """``node`` as ``view`` reads it: annotations applied, absent members forbidden."""
    if isinstance(node, list):
        return [specialise(item, view) for item in node]
    if not isinstance(node, dict):
        return node
    chosen = _for_dialect(node, view.dialect)
    if chosen is False:
        return False

    result: dict[str, Any] = {}
    for key, value in chosen.items():
        if key in _ANNOTATIONS:
            continue
        if key == "properties" and isinstance(value, dict):
            result[key] = _specialise_members(value, view)
        else:
            result[key] = specialise(value, view)

    absent = {name for name, schema in result.get("properties", {}).items() if schema is False}
    if absent and isinstance(result.get("required"), list):
        result["required"] = [name for name in result["required"] if name not in absent]
    return result
