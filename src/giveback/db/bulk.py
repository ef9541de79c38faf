"""Writing many rows at once: multi-row INSERTs in batches that stay under the databases' parameter limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from piccolo.columns import Column
from piccolo.table import Table

T = TypeVar("T", bound=Table)
# SQLite (since 3.32) and PostgreSQL both take 32,766 parameters in one statement; stay well below.
MAX_PARAMETERS = 30_000


def batches(rows: Sequence[T], columns: int) -> list[Sequence[T]]:
    size = max(1, MAX_PARAMETERS // max(1, columns))
    return [rows[start : start + size] for start in range(0, len(rows), size)]


async def insert_many(table: type[T], rows: Sequence[T]) -> list[int]:
    """Insert the rows (inside the caller's transaction, if any) and return their new ids, in the rows' order."""
    ids: list[int] = []
    for batch in batches(rows, len(table._meta.columns)):
        inserted: list[dict[str, Any]] = await table.insert(*batch).returning(table._meta.primary_key)
        ids.extend(int(row[table._meta.primary_key._meta.name]) for row in inserted)
    return ids


def changes(values: Mapping[str, Any]) -> dict[Column | str, Any]:
    """Column values by name, as an UPDATE takes them."""
    return {name: value for name, value in values.items()}
