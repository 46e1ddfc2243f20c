"""Names and markers that tie a resource to the run that created it.

Every resource the harness creates carries its run id: in its name
(``bmscert-<run id>-<role>-<random>``) and, where the API has a place for one, in a tag (the
BMS ``server_tags``) or a metadata key (Nova). The cleanup deletes only what the ledger says
the run created, and a name with the run's prefix is proof enough for a resource whose create
call never answered.

The run id reaches every process of a run (pytest, each Locust process) through the
environment, as the ledger's path does; outside ``bmscert run`` (pytest by hand) names carry
``adhoc`` instead.
"""

from __future__ import annotations

import os
import re
import secrets

RUN_ID_ENV = "BMSCERT_RUN_ID"
RUN_TAG_KEY = "bmscert-run"
ADHOC_RUN = "adhoc"
RUN_ID_PATTERN = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$")


def current_run_id() -> str:
    return os.environ.get(RUN_ID_ENV, "") or ADHOC_RUN


def resource_prefix(run_id: str | None = None) -> str:
    """What every name the run gives starts with."""
    return f"bmscert-{run_id or current_run_id()}-"


def resource_name(role: str, run_id: str | None = None) -> str:
    """A fresh name for a resource of ``role`` (``create``, ``key``, ``probe``, ...)."""
    return f"{resource_prefix(run_id)}{role}-{secrets.token_hex(3)}"


def carries_run(name: str, run_id: str) -> bool:
    return name.startswith(resource_prefix(run_id))


def is_run_id(text: str) -> bool:
    return RUN_ID_PATTERN.match(text) is not None
