"""Links to the next page of a keyset-paginated list (``giveback.db.keyset``), keeping its sort and filters.

Pages get a "next page" link; API lists answer the page as their usual JSON array and name the next page in
a ``Link: <…>; rel="next"`` header (RFC 8288), absent on the last page. Both links repeat every query parameter
of the request (the filters, the sort, the page size) with the new cursor, and are built from the base URL.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.params import QueryParameter

from giveback.db.keyset import page_size
from giveback.errors import InvalidInput
from giveback.i18n import _
from giveback.settings import Settings

T = TypeVar("T")
CURSOR = "cursor"
Key = tuple[str | int | float | bool, ...]

PageCursor = Annotated[
    str | None,
    QueryParameter(
        max_length=500, description="The next page: the cursor from the previous page's Link header (rel=next)"
    ),
]
PageLimit = Annotated[
    int | None, QueryParameter(ge=1, le=500, description="At most this many items (default 100, at most 500)")
]


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


def paged(
    request: Request[Any, Any, Any], items: Sequence[T], key: Callable[[T], Key], cursor: str | None, limit: int | None
) -> Response[list[T]]:
    """One page of an API list the service built whole: the items in ``key`` order (text, numbers and flags only,
    ending in the record's id) after the cursor's key, at most ``limit``, with the next page's ``Link``."""
    ranked = sorted(((key(item), item) for item in items), key=lambda pair: pair[0])
    after = _decode_key(cursor) if cursor else None
    start = 0 if after is None else next((i for i, (k, _) in enumerate(ranked) if _later(k, after)), len(ranked))
    size = page_size(limit)
    shown = ranked[start : start + size]
    more = start + size < len(ranked)
    return with_next_link(request, [item for _, item in shown], _encode_key(shown[-1][0]) if more and shown else None)


def _later(key: Key, cursor: Key) -> bool:
    try:
        return key > cursor
    except TypeError:
        return True


def _encode_key(key: Key) -> str:
    raw = json.dumps(list(key), ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_key(cursor: str) -> Key:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or not all(isinstance(v, str | int | float | bool) for v in values):
        raise InvalidInput(_("the cursor is not one this list gave: start from the first page"), field="cursor")
    return tuple(values)
