"""Build the Piccolo engine a database URL names, and open its transactions."""

from __future__ import annotations

import sqlite3
from functools import cache
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query import Select

SQLITE_BUSY_TIMEOUT_SECONDS = 30


@cache
def engine_for(database_url: str) -> Engine[Any]:
    """The one engine per database URL: SQLite (WAL, busy timeout) or PostgreSQL (a pool)."""
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite:///")
        return SQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    return PostgresEngine(config={"dsn": database_url})


def write_transaction(engine: Engine[Any]) -> Any:
    """A transaction for read-then-write work.

    On SQLite it is ``BEGIN IMMEDIATE``: the write lock is taken at the start, so two writers
    queue behind the busy timeout instead of failing with "database is locked" at commit.
    On PostgreSQL it is an ordinary transaction; callers lock the rows they read (``lock_rows``).
    """
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def enable_sqlite_wal(path: str) -> None:
    """Switch a SQLite file to write-ahead logging (readers never wait for the writer).

    The journal mode is stored in the file, so doing this once per start-up is enough.
    """
    connection = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


async def open_pool(engine: Engine[Any]) -> bool:
    """Open the PostgreSQL connection pool unless one is open; True when this call opened it.

    SQLite needs no pool. Whoever opened the pool closes it (``close_pool``).
    """
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=10)
        return True
    return False


async def close_pool(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


def locked(query: Select[Any]) -> Select[Any]:
    """Lock the selected rows until the transaction ends.

    PostgreSQL takes ``SELECT … FOR UPDATE``; SQLite has no row locks, and needs none inside
    ``write_transaction``, whose ``BEGIN IMMEDIATE`` already holds the database's write lock.
    """
    return query if query.table._meta.db.engine_type == "sqlite" else query.lock_rows()
