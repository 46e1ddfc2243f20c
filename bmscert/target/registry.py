"""Which function answers which operation.

Handler modules decorate their functions with ``@handles("OperationId")``; the app builds a
route for every catalogue operation that has a handler. An operation without one is simply
not published, and the gateway answers it as an unknown API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bmscert.target.http import Call, Reply

Handler = Callable[[Call], Reply]
Preparer = Callable[[Any, Any], Any]
_HANDLERS: dict[str, Handler] = {}
_PREPARERS: dict[str, Preparer] = {}


def handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        for operation_id in operation_ids:
            if operation_id in _HANDLERS:
                raise RuntimeError(f"two handlers for {operation_id}")
            _HANDLERS[operation_id] = function
        return function

    return register


def prepares(*operation_ids: str) -> Callable[[Preparer], Preparer]:
    """Register a function that rewrites a body before it is validated.

    It exists for behaviours that widen what the documents accept (lowercase action types):
    the schema stays the documented one, and the chosen reading is applied in one place.
    A preparer takes the decoded body and the target settings and returns the body to use.
    """

    def register(function: Preparer) -> Preparer:
        for operation_id in operation_ids:
            _PREPARERS[operation_id] = function
        return function

    return register


def body_preparers() -> dict[str, Preparer]:
    import bmscert.target.bms  # noqa: F401  (importing registers the preparers)

    return dict(_PREPARERS)


def registered_handlers() -> dict[str, Handler]:
    from bmscert.target import bms, nova  # noqa: F401  (importing registers the handlers)

    return dict(_HANDLERS)
