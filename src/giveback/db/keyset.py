"""Keyset pagination: a page is the rows after the last row already seen, in the list's order.

A page never skips or repeats a row when rows are added or removed between two page loads (as an offset would),
and the database reads only the page: the query orders by the sort key and the record's id (which breaks ties)
and asks for the rows whose (key, id) come after the cursor's. The cursor is the last row's (key, id), written
as an opaque URL-safe string; a cursor that was tampered with is refused naming the ``cursor`` field.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec
from piccolo.columns import Column
from piccolo.query import Select
from piccolo.querystring import QueryString

from giveback.errors import InvalidInput
from giveback.i18n import _

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
SORT_VALUE = "keyset_sort_value"


@dataclass(frozen=True)
class SortKey:
    """What a list can be sorted by: an SQL expression over the query's table (never user input) and the kind of
    value it gives (text or a whole number; a moment sorts by the record's id, which grows with time). The
    expression must never be NULL: an empty key cannot be compared row by row."""

    sql: str
    kind: type[Any]

    @classmethod
    def column(cls, column: Column, kind: type[str] | type[int]) -> SortKey:
        return cls(column._meta.get_full_name(with_alias=False), kind)

    @classmethod
    def lowered(cls, column: Column) -> SortKey:
        """Text without regard to case (a-z before B sorts as a, b)."""
        return cls(f"LOWER({column._meta.get_full_name(with_alias=False)})", str)


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a list, and the cursor of the next page (None on the last)."""

    items: list[T]
    next_cursor: str | None = None


def encode_cursor(value: Any, record_id: int) -> str:
    raw = msgspec.json.encode([value, record_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: type[Any]) -> tuple[Any, int]:
    """The (key, id) a cursor names, checked to be of the list's kind."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, record_id = msgspec.json.decode(raw, type=tuple[kind | None, int])  # type: ignore[valid-type]
    except (binascii.Error, ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise InvalidInput(
            _("the cursor is not one this list gave: start from the first page"), field="cursor"
        ) from None
    return value, record_id


def page_size(asked: int | None) -> int:
    if asked is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= asked <= MAX_PAGE_SIZE:
        raise InvalidInput(_("limit must be between 1 and %(most)s", most=MAX_PAGE_SIZE), field="limit")
    return asked


async def keyset_page(
    query: Select[Any],
    *,
    key: SortKey,
    id_column: Column,
    descending: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of ``query`` (which names its columns) after the cursor, ordered by ``key`` then id, and the next
    page's cursor."""
    record_id = id_column._meta.get_full_name(with_alias=False)
    after = "<" if descending else ">"
    if cursor:
        value, last_id = decode_cursor(cursor, key.kind)
        query = query.where(
            QueryString(
                f"({key.sql} {after} {{}} OR ({key.sql} = {{}} AND {record_id} {after} {{}}))", value, value, last_id
            )
        )
    rows = await (
        query.columns(QueryString(key.sql, alias=SORT_VALUE))
        .order_by(QueryString(key.sql), QueryString(record_id), ascending=not descending)
        .limit(limit + 1)
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(last[SORT_VALUE], int(last[id_column._meta.name]))
    for row in rows:
        row.pop(SORT_VALUE, None)
    return rows, next_cursor
