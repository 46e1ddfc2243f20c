"""Handlers of the BMS native API (``/v1/{project_id}/...`` and the version documents)."""

from bmscert.target.bms import jobs, servers, tenancy, versions  # noqa: F401
