"""Handlers of the BMS native API (``/v1/{project_id}/...`` and the version documents)."""

from bmscert.target.bms import (  # noqa: F401
    changes,
    create,
    jobs,
    passwords,
    power,
    servers,
    tenancy,
    versions,
    volumes,
)
