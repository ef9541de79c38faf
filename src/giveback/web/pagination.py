"""Links to the next page of a keyset-paginated list (``giveback.db.keyset``), keeping its sort and filters.

Pages get a "next page" link; API lists answer the page as their usual JSON array and name the next page in
a ``Link: <…>; rel="next"`` header (RFC 8288), absent on the last page. Both links repeat every query parameter
of the request (the filters, the sort, the page size) with the new cursor, and are built from the base URL.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response

from giveback.settings import Settings

T = TypeVar("T")
CURSOR = "cursor"


def next_link(request: Request[Any, Any, Any], cursor: str | None) -> str:
    """The page's own path and query with the next page's cursor; empty on the last page."""
    if cursor is None:
        return ""
    kept = [(name, value) for name, value in request.query_params.multi_items() if name not in (CURSOR, "done")]
    return f"{request.url.path}?{urlencode([*kept, (CURSOR, cursor)])}"


def first_link(request: Request[Any, Any, Any]) -> str:
    """The list's first page with the same sort and filters."""
    kept = [(name, value) for name, value in request.query_params.multi_items() if name not in (CURSOR, "done")]
    return f"{request.url.path}?{urlencode(kept)}" if kept else request.url.path


def with_next_link(request: Request[Any, Any, Any], items: list[T], cursor: str | None) -> Response[list[T]]:
    """An API list's page, with the ``Link`` header of the next one when there is one."""
    headers = {}
    if cursor is not None:
        settings: Settings = request.app.state.settings
        headers["Link"] = f'<{settings.base_url}{next_link(request, cursor)}>; rel="next"'
    return Response(items, headers=headers)
