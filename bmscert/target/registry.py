"""Which function answers which operation.

Handler modules decorate their functions with ``@handles("OperationId")``; the app builds a
route for every catalogue operation that has a handler. An operation without one is simply
not published, and the gateway answers it as an unknown API.
"""

from __future__ import annotations

from collections.abc import Callable

from bmscert.target.http import Call, Reply

Handler = Callable[[Call], Reply]
_HANDLERS: dict[str, Handler] = {}


def handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        for operation_id in operation_ids:
            if operation_id in _HANDLERS:
                raise RuntimeError(f"two handlers for {operation_id}")
            _HANDLERS[operation_id] = function
        return function

    return register


def registered_handlers() -> dict[str, Handler]:
    from bmscert.target import bms, nova  # noqa: F401  (importing registers the handlers)

    return dict(_HANDLERS)
