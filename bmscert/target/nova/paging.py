"""Nova's paging: ``limit`` and ``marker`` (the id of the last item seen), next links.

A page that comes back full carries a ``rel: next`` link whose query repeats the request's
and names the last item as the marker, as upstream Nova does; an unknown marker is a 400.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import urlencode

from bmscert.target.http import Call, nova_fault

Item = TypeVar("Item")
MAX_LIMIT = 1000


def page(
    call: Call, items: Sequence[Item], id_of: Callable[[Item], str]
) -> tuple[list[Item], list[dict[str, str]]]:
    """The items of the requested page, and its next link (empty on the last page)."""
    marker = call.query_value("marker")
    start = 0
    if marker is not None:
        ids = [id_of(item) for item in items]
        if marker not in ids:
            raise nova_fault(400, f"marker [{marker}] not found")
        start = ids.index(marker) + 1

    limit = min(call.query_value("limit", MAX_LIMIT), MAX_LIMIT)
    shown = list(items[start : start + limit])
    if not shown or len(shown) < limit:
        return shown, []
    return shown, [{"rel": "next", "href": _next_href(call, id_of(shown[-1]))}]


def _next_href(call: Call, marker: str) -> str:
    query: dict[str, Any] = {**call.query, "marker": marker}
    path = call.operation.render_path({"project_id": call.project.id, **call.path})
    return f"{call.base_url}{path}?{urlencode(query)}"


def listing(member: str, items: list[Any], next_links: list[dict[str, str]]) -> dict[str, Any]:
    """A list body: ``{member: items}``, with ``<member>_links`` when there is a next page."""
    return {member: items, **({f"{member}_links": next_links} if next_links else {})}
