"""Sortable tables and list filters on the pages, without scripts.

A column header is a link that reloads the page with ``?sort=key`` (ascending) or ``?sort=-key`` (descending).
Each column says what it holds, so numbers compare as numbers ("9" before "10") and days and moments in time
order; empty values come last in either direction. An unknown sort key falls back to the table's default.
"""

from __future__ import annotations

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
    """A table's rows in the asked order, and what its headers need: the column, the direction, the links."""

    rows: list[Row]
    key: str
    descending: bool
    param: str
    asked: bool

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
        kept = [(name, value) for name, value in items if name != self.param and name not in ONE_OFF_NOTICES]
        wanted = f"-{key}" if key == self.key and not self.descending else key
        return "?" + urlencode([*kept, (self.param, wanted)])


class SortableTable:
    """The sortable columns of one table, its default order (``"-key"`` for descending) and its query parameter
    (``sort``; another name when a page has two sortable tables)."""

    def __init__(self, *columns: Column, default: str = "", param: str = "sort") -> None:
        self.columns = {column.key: column for column in columns}
        self.default = default or columns[0].key
        self.param = param
        if self.default.removeprefix("-") not in self.columns:
            raise ValueError(f"the default sort {self.default!r} is not a column")

    def sort(self, rows: Iterable[Row], asked: str | None) -> Sorted[Row]:
        """The rows in the order ``asked`` names; an empty or unknown key gives the default order."""
        asked = asked or ""
        known = asked.removeprefix("-") in self.columns
        state = asked if known else self.default
        key, descending = state.removeprefix("-"), state.startswith("-")
        column = self.columns[key]
        present: list[tuple[Any, Row]] = []
        empty: list[Row] = []
        for row in rows:
            value = column.comparable(row)
            if value is None:
                empty.append(row)
            else:
                present.append((value, row))
        present.sort(key=lambda pair: pair[0], reverse=descending)
        ordered = [row for _, row in present] + empty
        return Sorted(rows=ordered, key=key, descending=descending, param=self.param, asked=known)

    def from_query(self, rows: Iterable[Row], query: Any) -> Sorted[Row]:
        """The rows sorted as the request's query asks (``query`` is ``request.query_params``)."""
        return self.sort(rows, query.get(self.param))


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
