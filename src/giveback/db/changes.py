"""Has anything been committed since? A cheap marker of the database's committed state, for caches.

Two reads of ``committed_state`` return equal values only if no change was committed in between, so an
answer computed after reading a marker stays right for as long as the marker reads the same. Extra changes
of the marker (a write to an unrelated table) only cost a recomputation.

- SQLite: ``PRAGMA data_version`` on a connection of this process's own that never writes; it changes
  whenever any other connection, in any process, commits.
- PostgreSQL: the current snapshot (``pg_current_snapshot()``): it is the same only if no transaction that
  wrote anything finished in between, because every writing transaction has an id that is either in the
  snapshot's in-progress list or beyond its horizon until it ends.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

# A read of data_version never waits for writers in WAL mode; if it ever has to, give up and recompute.
PROBE_TIMEOUT_SECONDS = 0.05

_sqlite_probes: dict[tuple[int, str], sqlite3.Connection] = {}


def _sqlite_probe(path: str) -> sqlite3.Connection:
    key = (os.getpid(), path)
    if key not in _sqlite_probes:
        _sqlite_probes[key] = sqlite3.connect(
            path, timeout=PROBE_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False
        )
    return _sqlite_probes[key]


async def committed_state(engine: Engine[Any]) -> object | None:
    """A marker that changes whenever a change is committed to the database; None when it cannot be read."""
    if isinstance(engine, SQLiteEngine):
        try:
            return int(_sqlite_probe(engine.path).execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            return None
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        async with engine.pool.acquire() as connection:
            return str(await connection.fetchval("SELECT pg_current_snapshot()::text"))
    return None
