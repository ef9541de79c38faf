"""Has anything been committed since? A cheap marker of the database's committed state, for caches.

Two reads of ``committed_state`` return equal values only if no change was committed in between, so an
answer computed after reading a marker stays right for as long as the marker reads the same. Extra changes
of the marker (a write to an unrelated table) only cost a recomputation.

- SQLite: ``PRAGMA data_version`` on the engine's read-only connection of this event loop
  (``SharedConnectionsSQLiteEngine.data_version``); it changes whenever any other connection, in any process,
  commits.
- PostgreSQL: the current snapshot (``pg_current_snapshot()``): it is the same only if no transaction that
  wrote anything finished in between, because every writing transaction has an id that is either in the
  snapshot's in-progress list or beyond its horizon until it ends. Reading it is a round trip, so callers
  that arrive together share one read (``_SnapshotReads``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from giveback.db.engine import SharedConnectionsSQLiteEngine


class _SnapshotReads:
    """Reads of PostgreSQL's current snapshot, shared by the callers that wait for the same one.

    A caller must get a read that starts after it asked. Callers that ask while a read is running wait for
    the next read, which starts as soon as the running one ends; all of them share its answer. Under load
    this is one round trip per batch of requests instead of one per request.
    """

    def __init__(self, engine: PostgresEngine) -> None:
        self.engine = engine
        self.next_read: asyncio.Future[str | None] | None = None
        self.reader: asyncio.Task[None] | None = None

    async def read(self) -> str | None:
        if self.next_read is None:
            self.next_read = asyncio.get_running_loop().create_future()
        answer = self.next_read
        if self.reader is None:
            self.reader = asyncio.create_task(self._read_while_asked())
        return await asyncio.shield(answer)

    async def _read_while_asked(self) -> None:
        try:
            while self.next_read is not None:
                batch, self.next_read = self.next_read, None  # everyone in the batch asked before this read
                try:
                    batch.set_result(await self._snapshot())
                except BaseException as error:
                    batch.set_exception(error)
                    raise
        finally:
            self.reader = None

    async def _snapshot(self) -> str | None:
        if self.engine.pool is None:
            return None
        try:
            async with self.engine.pool.acquire() as connection:
                return str(await connection.fetchval("SELECT pg_current_snapshot()::text"))
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            return None  # an unreadable marker only means: build the answer again


_snapshot_reads: dict[tuple[int, asyncio.AbstractEventLoop], _SnapshotReads] = {}


async def committed_state(engine: Engine[Any]) -> object | None:
    """A marker that changes whenever a change is committed to the database; None when it cannot be read."""
    if isinstance(engine, SharedConnectionsSQLiteEngine):
        try:
            return engine.data_version()
        except sqlite3.Error:
            return None  # busy for a moment (it never waits): build the answer again
    if isinstance(engine, PostgresEngine):
        key = (id(engine), asyncio.get_running_loop())
        if key not in _snapshot_reads:
            _snapshot_reads[key] = _SnapshotReads(engine)
        return await _snapshot_reads[key].read()
    return None
