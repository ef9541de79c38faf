"""Writing many rows at once: multi-row INSERTs in batches that stay under the databases' parameter limits.

Piccolo builds a query string per row and per value (tens of microseconds each); for the tens of thousands of
rows of an import that is most of its time. Here the statement is written once per batch from the table's own
column definitions (names, defaults, JSON and array columns converted as Piccolo does) and sent on the current
transaction's connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from piccolo.columns import JSON, JSONB, Column
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from giveback.db.engine import write_transaction

# SQLite (since 3.32) and PostgreSQL both take 32,766 parameters in one statement; stay well below.
MAX_PARAMETERS = 30_000
Row = Mapping[str, Any]


def batches(rows: Sequence[Row], columns: int) -> list[Sequence[Row]]:
    size = max(1, MAX_PARAMETERS // max(1, columns))
    return [rows[start : start + size] for start in range(0, len(rows), size)]


def _default(column: Column) -> Any:
    value = column.get_default_value()
    return value.python() if hasattr(value, "python") else value  # a Piccolo default such as TimestamptzNow


def _reader(column: Column) -> Any:
    """How a row gives this column's value: its own, or the column's default; JSON columns as JSON text."""
    name = column._meta.name
    if isinstance(column, (JSON, JSONB)):
        from piccolo.utils.encoding import dump_json

        def json_value(row: Row) -> Any:
            value = row[name] if name in row else _default(column)
            return value if isinstance(value, str) else dump_json(value)

        return json_value
    return lambda row: row[name] if name in row else _default(column)


async def insert_many(table: type[Table], rows: Sequence[Row]) -> list[int]:
    """Insert the rows (column name -> value; a missing column takes its default) inside the current transaction
    (or one of their own) and return their new ids, in the rows' order."""
    if not rows:
        return []
    engine = table._meta.db
    transaction = engine.current_transaction.get()
    if transaction is None:
        async with write_transaction(engine):
            return await insert_many(table, rows)
    while getattr(transaction, "_parent", None) is not None:
        transaction = transaction._parent
    connection = transaction.connection
    sqlite = isinstance(engine, SQLiteEngine)
    key = table._meta.primary_key
    columns = [column for column in table._meta.columns if column is not key]
    names = ", ".join(f'"{column._meta.db_column_name}"' for column in columns)
    readers = [_reader(column) for column in columns]
    ids: list[int] = []
    for batch in batches(rows, len(columns)):
        values: list[Any] = [read(row) for row in batch for read in readers]
        if sqlite:
            row_marks = "(" + ", ".join("?" for _ in columns) + ")"
            marks = ", ".join(row_marks for _ in batch)
        else:
            width = len(columns)
            marks = ", ".join(
                "(" + ", ".join(f"${index * width + offset + 1}" for offset in range(width)) + ")"
                for index in range(len(batch))
            )
        returning = f'RETURNING "{key._meta.db_column_name}"'
        # Table and column names come from the table's definition; values go only as parameters.
        sql = f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES {marks} {returning}'  # noqa: S608
        if sqlite:
            inserted = await connection.execute_fetchall(sql, values)
        else:
            inserted = await connection.fetch(sql, *values)
        ids.extend(int(next(iter(row.values()))) if isinstance(row, dict) else int(row[0]) for row in inserted)
    return ids


def changes(values: Mapping[str, Any]) -> dict[Column | str, Any]:
    """Column values by name, as an UPDATE takes them."""
    return {name: value for name, value in values.items()}
