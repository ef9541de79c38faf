"""Case-insensitive text search that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

from piccolo.columns import Varchar
from piccolo.columns.combination import Where
from piccolo.engine.sqlite import SQLiteEngine


def contains_text(column: Varchar, text: str) -> Where:
    """Rows whose column contains ``text``, ignoring case (SQLite's LIKE already ignores ASCII case).

    ``%`` and ``_`` in the text act as wildcards, which is harmless for a directory search.
    """
    pattern = f"%{text.strip()}%"
    if isinstance(column._meta.table._meta.db, SQLiteEngine):
        return column.like(pattern)
    return column.ilike(pattern)
