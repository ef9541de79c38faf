"""Sortable, paginated tables and list filters on the pages, without scripts.

A column header is a link that reloads the page with ``?sort=key`` (ascending) or ``?sort=-key`` (descending).
Each column says what it holds, so numbers compare as numbers ("9" before "10") and days and moments in time
order; empty values come last in either direction; rows with equal values follow their record ids (reversed in a
descending sort). An unknown sort key falls back to the table's default.

A long table shows one page of rows (keyset pagination): ``?cursor=`` names the last row already seen, by its
sort value and record id, so the next page starts right after it even when rows were added or removed in
between. The "next page" link keeps the sort and the filters; a new sort or filter starts at the first page.
"""

from __future__ import annotations

import base64
import binascii
import json
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlencode

from giveback.i18n import N_, Text
from giveback.i18n.formatting import ListOf
from giveback.i18n.labels import label

Row = TypeVar("Row")
Kind = Literal["text", "number", "date"]
_SHOWN_CHARACTERS = 40


# Query parameters that announce what just happened ("saved", "deleted" …): a sort link does not repeat them.
ONE_OFF_NOTICES = frozenset(
    {"done", "added", "changed", "cv", "deleted", "linked", "refreshed", "revoked", "saved", "unlinked", "vetoed"}
)


@dataclass(frozen=True)
class Column:
    """A sortable column: the key ``?sort=`` names, the kind of its values, and how to read one from a row
    (by default the row's attribute, or mapping item, named ``key``)."""

    key: str
    kind: Kind = "text"
    value: Callable[[Any], Any] | None = None

    def comparable(self, row: Any) -> Any:
        """The row's value in this column as something to compare with the others, or None when empty."""
        if self.value is not None:
            raw = self.value(row)
        else:
            raw = row.get(self.key) if isinstance(row, Mapping) else getattr(row, self.key)
        if raw is None or raw == "":
            return None
        if self.kind == "number":
            return _number(raw)
        if self.kind == "date":
            return _moment(raw)
        return _text(raw)


def _text(raw: Any) -> str:
    """Text compared without case or accents: "émile" sorts with "Emile"."""
    decomposed = unicodedata.normalize("NFKD", str(raw))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _number(raw: Any) -> Decimal | None:
    try:
        return Decimal(int(raw)) if isinstance(raw, bool) else Decimal(str(raw))
    except InvalidOperation:
        return None


def _moment(raw: Any) -> datetime | None:
    """Days and moments on one line: a day is its midnight in UTC, a moment without a zone is UTC."""
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw)
        except ValueError:
            return None
    if isinstance(raw, datetime):
        return raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
    if isinstance(raw, date):
        return datetime.combine(raw, time.min, tzinfo=UTC)
    return None


@dataclass(frozen=True)
class Sorted(Generic[Row]):
    """A table's rows in the asked order (one page of them), and what its headers need: the column, the
    direction, the links."""

    rows: list[Row]
    key: str
    descending: bool
    param: str
    asked: bool
    cursor_param: str = "cursor"
    next_cursor: str | None = None
    later_page: bool = False

    def next_href(self, query: Any) -> str:
        """The next page's link (same sort and filters), or empty on the last page."""
        if self.next_cursor is None:
            return ""
        return "?" + urlencode([*self._kept(query), (self.cursor_param, self.next_cursor)])

    def first_href(self, query: Any) -> str:
        """The first page's link (same sort and filters), or empty when this is the first page."""
        return "?" + urlencode(self._kept(query)) if self.later_page else ""

    def _kept(self, query: Any) -> list[tuple[str, str]]:
        items = query.multi_items() if hasattr(query, "multi_items") else list(dict(query).items())
        return [(n, v) for n, v in items if n != self.cursor_param and n not in ONE_OFF_NOTICES]

    @property
    def state(self) -> str:
        """The sort as the query writes it: ``key`` or ``-key``."""
        return f"-{self.key}" if self.descending else self.key

    def aria_sort(self, key: str) -> str:
        """The header's aria-sort: the sorted column says its direction, the others say nothing."""
        if key != self.key:
            return ""
        return "descending" if self.descending else "ascending"

    def href(self, key: str, query: Any) -> str:
        """The header link: sort by ``key`` (the sorted column flips), keeping the filters (every other query
        parameter but the one-off notices a page shows after a change, such as ``done=saved``)."""
        items = query.multi_items() if hasattr(query, "multi_items") else list(dict(query).items())
        dropped = {self.param, self.cursor_param, *ONE_OFF_NOTICES}
        kept = [(name, value) for name, value in items if name not in dropped]
        wanted = f"-{key}" if key == self.key and not self.descending else key
        return "?" + urlencode([*kept, (self.param, wanted)])


PAGE_ROWS = 100


def record_id(row: Any) -> int | str:
    """What tells a row from the others with the same sort value: its record's id (or slug); 0 for rows of a
    table shown whole that have none (they keep their order among equals)."""
    for name in ("id", "person_id", "trip_id", "request_id", "slug"):
        value = row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
        if value is not None:
            return value  # type: ignore[no-any-return]
    return 0


class SortableTable:
    """The sortable columns of one table, its default order (``"-key"`` for descending), its query parameter
    (``sort``; another name when a page has two sortable tables) and its page size (None: one page, for a
    table reviewed as a whole, such as a round's proposals)."""

    def __init__(
        self, *columns: Column, default: str = "", param: str = "sort", page_rows: int | None = PAGE_ROWS
    ) -> None:
        self.columns = {column.key: column for column in columns}
        self.default = default or columns[0].key
        self.param = param
        self.cursor_param = "cursor" if param == "sort" else f"{param}_cursor"
        self.page_rows = page_rows
        if self.default.removeprefix("-") not in self.columns:
            raise ValueError(f"the default sort {self.default!r} is not a column")

    def sort(self, rows: Iterable[Row], asked: str | None) -> Sorted[Row]:
        """The rows in the order ``asked`` names; an empty or unknown key gives the default order."""
        asked = asked or ""
        known = asked.removeprefix("-") in self.columns
        state = asked if known else self.default
        key, descending = state.removeprefix("-"), state.startswith("-")
        ordered = [row for _, row in self._ranked(rows, key, descending)]
        return Sorted(
            rows=ordered, key=key, descending=descending, param=self.param, asked=known, cursor_param=self.cursor_param
        )

    def _ranked(self, rows: Iterable[Row], key: str, descending: bool) -> list[tuple[tuple[Any, ...], Row]]:
        """The rows in table order, each with its rank: (empty, value, record id)."""
        column = self.columns[key]
        present: list[tuple[tuple[Any, ...], Row]] = []
        empty: list[tuple[tuple[Any, ...], Row]] = []
        for row in rows:
            value = column.comparable(row)
            if value is None:
                empty.append(((True, None, record_id(row)), row))
            else:
                present.append(((False, value, record_id(row)), row))
        present.sort(key=lambda pair: pair[0][1:], reverse=descending)
        empty.sort(key=lambda pair: pair[0][2])
        return present + empty

    def from_query(self, rows: Iterable[Row], query: Any) -> Sorted[Row]:
        """The page of rows the request's query asks for, sorted as it asks (``query`` is
        ``request.query_params``)."""
        whole = self.sort(rows, query.get(self.param))
        if self.page_rows is None:
            return whole
        ranked = self._ranked(whole.rows, whole.key, whole.descending)
        start = 0
        cursor = query.get(self.cursor_param)
        after = _decode(cursor) if cursor else None
        if after is not None:
            start = next(
                (i for i, (rank, _) in enumerate(ranked) if _comes_after(rank, after, whole.descending)), len(ranked)
            )
        shown = ranked[start : start + self.page_rows]
        more = start + self.page_rows < len(ranked)
        return Sorted(
            rows=[row for _, row in shown],
            key=whole.key,
            descending=whole.descending,
            param=self.param,
            asked=whole.asked,
            cursor_param=self.cursor_param,
            next_cursor=_encode(shown[-1][0]) if more and shown else None,
            later_page=after is not None,
        )


def _comes_after(rank: tuple[Any, ...], cursor: tuple[Any, ...], descending: bool) -> bool:
    """Whether a row of this rank follows the cursor's row in the table's order (empty values last)."""
    if rank[0] != cursor[0]:
        return bool(rank[0])
    if rank[0]:
        return bool(rank[2] > cursor[2])
    if type(rank[1]) is not type(cursor[1]) or type(rank[2]) is not type(cursor[2]):
        return True
    return (rank[1], rank[2]) < (cursor[1], cursor[2]) if descending else (rank[1], rank[2]) > (cursor[1], cursor[2])


def _encode(rank: tuple[Any, ...]) -> str:
    empty, value, identity = rank
    kind = "n" if isinstance(value, Decimal) else "d" if isinstance(value, datetime) else "s"
    shown = value.isoformat() if isinstance(value, datetime) else ("" if value is None else str(value))
    raw = json.dumps([empty, kind, shown, identity], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, ...] | None:
    """The rank a cursor names; None (the first page) for a cursor this table did not give."""
    try:
        empty, kind, shown, identity = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        value: Any = None
        if not empty:
            value = Decimal(shown) if kind == "n" else datetime.fromisoformat(shown) if kind == "d" else str(shown)
        if not isinstance(identity, int | str) or not isinstance(empty, bool):
            return None
        return (empty, value, identity)
    except (ValueError, TypeError, InvalidOperation, binascii.Error, UnicodeDecodeError):
        return None


def chosen(asked: str | None, allowed: Sequence[str], what: str) -> tuple[str, str]:
    """A list filter's value: blank or one of ``allowed``; anything else is ignored, with a message saying so
    (``what`` is one of ``IGNORED_FILTER``'s kinds of value)."""
    if not asked or asked in allowed:
        return asked or "", ""
    shown = asked if len(asked) <= _SHOWN_CHARACTERS else asked[:_SHOWN_CHARACTERS] + "…"
    message, kind = IGNORED_FILTER[what]
    choices = ListOf(label(kind, value) for value in allowed)
    return "", Text(message, params={"value": shown, "choices": choices})


# What a list says of a filter value it ignores, by the kind of value, and the labels of its choices.
IGNORED_FILTER = {
    "trip status": (
        N_("“%(value)s” is not a trip status, so the list is not filtered. Choose one of: %(choices)s."),
        "trip",
    ),
    "round status": (
        N_("“%(value)s” is not a round status, so the list is not filtered. Choose one of: %(choices)s."),
        "round",
    ),
    "claim status": (
        N_("“%(value)s” is not a claim status, so the list is not filtered. Choose one of: %(choices)s."),
        "claim",
    ),
    "request status": (
        N_("“%(value)s” is not a request status, so the list is not filtered. Choose one of: %(choices)s."),
        "request",
    ),
    "proposal status": (
        N_("“%(value)s” is not a proposal status, so the list is not filtered. Choose one of: %(choices)s."),
        "proposal",
    ),
}
