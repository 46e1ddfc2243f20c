"""What a handler returns or raises, and the three error envelopes the documents describe.

- the gateway's flat envelope ``{"error_code", "error_msg", "request_id"}`` for failures the
  API gateway decides (authentication, throttling, unknown APIs);
- the BMS nested envelope ``{"error": {"code", "message"}}`` for the native API;
- the Nova fault ``{"<faultName>": {"code", "message"}}`` for the OpenStack-native API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


@dataclass
class Reply:
    """A handler's answer: status, JSON body (None for no body), extra headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised by a handler or the gateway to answer with an error envelope."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status, body)
        self.reply = Reply(status, body, headers or {})


def gateway_error(status: int, code: str, message: str) -> ApiError:
    """An error in the gateway's flat envelope; the request id is filled in on the way out."""
    return ApiError(status, {"error_code": code, "error_msg": message})


def bms_error(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, {"error": {"code": code, "message": message}})


def nova_fault(status: int, message: str) -> ApiError:
    name = NOVA_FAULT_NAMES.get(status, "computeFault")
    return ApiError(status, {name: {"code": status, "message": message}})


@dataclass
class Call:
    """Everything a handler may look at for one request that passed the gateway."""

    operation: Any
    world: Any
    settings: Any
    project: Any
    user_id: str
    path: dict[str, str]
    query: Any
    body: Any
    base_url: str
    request_id: str
    now: float
    microversion: str | None = None

    def query_value(self, name: str, default: Any = None) -> Any:
        return self.query.get(name, default)
