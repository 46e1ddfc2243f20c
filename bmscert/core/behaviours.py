"""Named choices for behaviour the documents leave ambiguous (``schemas/behaviours.yaml``).

A profile may override any default; the reference target and the suites both read the
resolved choices, and the run's summary lists them, so a certificate always says which
reading of the documents it was measured against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import yaml

from bmscert.errors import ConfigError
from bmscert.paths import schemas_dir


@dataclass(frozen=True)
class Behaviour:
    name: str
    default: str
    values: Mapping[str, str]
    basis: str


@cache
def known_behaviours() -> dict[str, Behaviour]:
    raw = yaml.safe_load((schemas_dir() / "behaviours.yaml").read_text(encoding="utf-8"))
    return {
        name: Behaviour(name, str(entry["default"]), entry["values"], entry["basis"])
        for name, entry in raw.items()
    }


def resolve_behaviours(overrides: Mapping[str, object] | None) -> dict[str, str]:
    """Defaults with ``overrides`` applied; an unknown name or value is a ConfigError."""
    known = known_behaviours()
    chosen = {name: behaviour.default for name, behaviour in known.items()}
    for name, value in (overrides or {}).items():
        if name not in known:
            raise ConfigError(
                f"unknown behaviour {name!r}; known behaviours: {', '.join(sorted(known))}"
            )
        text = str(value).lower() if isinstance(value, bool) else str(value)
        text = {"true": "yes", "false": "no"}.get(text, text)
        if text not in known[name].values:
            allowed = ", ".join(sorted(known[name].values))
            raise ConfigError(f"behaviour {name} cannot be {value!r}; choose one of: {allowed}")
        chosen[name] = text
    return chosen
