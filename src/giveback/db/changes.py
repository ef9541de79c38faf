"""Has anything been committed since? A cheap marker of the database's committed state, for caches.

Two reads of ``committed_state`` return equal values only if no change was committed in between, so an
answer computed after reading a marker stays right for as long as the marker reads the same. Extra changes
of the marker (a write to an unrelated table) only cost a recomputation.

- SQLite: ``PRAGMA data_version`` on the engine's read-only connection of this event loop
  (``SharedConnectionsSQLiteEngine.data_version``); it changes whenever any other connection, in any process,
  commits.
- PostgreSQL: every table of the platform has a trigger (``ensure_change_signals``, run by ``giveback db
  upgrade``) that sends ``NOTIFY giveback_changes`` for each changed row. PostgreSQL delivers a notification
  at commit, only to listeners of the same database. Each process keeps one listening connection per event
  loop and counts the notifications; the marker is that count, read after a round trip on the listening
  connection (the server sends every notification committed before the round trip ahead of its answer).
  Callers that arrive together share one round trip (``_ChangeReads``).
  Without the triggers (a database migrated by ``piccolo`` alone) the marker falls back to the server's
  current snapshot (``pg_current_snapshot()``): right as well, but it moves with every write to any database
  on the server, so caches miss far more often.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import asyncpg
import structlog
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from giveback.db.engine import SharedConnectionsSQLiteEngine

CHANNEL = "giveback_changes"
TRIGGER = "giveback_changed"
_FUNCTION = f"""
CREATE OR REPLACE FUNCTION giveback_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$
"""
# The platform's tables: every table of the public schema but Piccolo's record of applied migrations.
_MISSING_TRIGGERS = """
SELECT c.relname FROM pg_class AS c
WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace AND c.relname <> 'migration'
    AND NOT EXISTS (SELECT 1 FROM pg_trigger AS t WHERE t.tgrelid = c.oid AND t.tgname = 'giveback_changed')
"""

log = structlog.get_logger()


async def ensure_change_signals(engine: Engine[Any]) -> list[str]:
    """Give every table that lacks it the trigger announcing its changes (PostgreSQL; nothing on SQLite); returns
    the tables that got one. Row-level, so a statement that changes nothing announces nothing."""
    if not isinstance(engine, PostgresEngine):
        return []
    added = []
    connection = await asyncpg.connect(engine.config["dsn"])
    try:
        await connection.execute(_FUNCTION)
        for row in await connection.fetch(_MISSING_TRIGGERS):
            table = row["relname"]
            await connection.execute(
                f'CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                "FOR EACH ROW EXECUTE FUNCTION giveback_notify_change()"
            )
            await connection.execute(
                f'CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON "{table}" '
                "FOR EACH STATEMENT EXECUTE FUNCTION giveback_notify_change()"
            )
            added.append(table)
    finally:
        await connection.close()
    return added


class _ChangeReads:
    """Reads of the change marker, shared by the callers that wait for the same one.

    A caller must get a read that starts after it asked. Callers that ask while a read is running wait for
    the next read, which starts as soon as the running one ends; all of them share its answer. Under load
    this is one round trip per batch of requests instead of one per request.
    """

    def __init__(self, engine: PostgresEngine) -> None:
        self.engine = engine
        self.next_read: asyncio.Future[object | None] | None = None
        self.reader: asyncio.Task[None] | None = None
        self.listener: asyncpg.Connection | None = None
        self.generation = 0
        """Which listening connection the count belongs to: a new connection may have missed notifications."""
        self.changes = 0
        self.signalled: bool | None = None
        """Whether every table announces its changes (checked once per connection); False: use the snapshot."""

    async def read(self) -> object | None:
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
                    batch.set_result(await self._marker())
                except BaseException as error:
                    batch.set_exception(error)
                    raise
        finally:
            self.reader = None

    def _changed(self, *_args: object) -> None:
        self.changes += 1

    async def _listening(self) -> asyncpg.Connection:
        if self.listener is None or self.listener.is_closed():
            listener = await asyncpg.connect(self.engine.config["dsn"])
            missing = await listener.fetch(_MISSING_TRIGGERS)
            self.signalled = not missing
            if missing:
                log.warning("changes.unsignalled", tables=len(missing), fix="giveback db upgrade")
            await listener.add_listener(CHANNEL, self._changed)
            self.listener, self.generation = listener, self.generation + 1
        return self.listener

    async def _marker(self) -> object | None:
        try:
            listener = await self._listening()
            if not self.signalled:
                return str(await listener.fetchval("SELECT pg_current_snapshot()::text"))
            await listener.fetchval("SELECT 1")  # every notification committed before this arrives ahead of it
            return (self.generation, self.changes)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError):
            await self.close()
            return None  # an unreadable marker only means: build the answer again

    async def close(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None and not listener.is_closed():
            try:
                await listener.close(timeout=5)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
                listener.terminate()


_change_reads: dict[tuple[int, asyncio.AbstractEventLoop], _ChangeReads] = {}


async def committed_state(engine: Engine[Any]) -> object | None:
    """A marker that changes whenever a change is committed to the database; None when it cannot be read."""
    if isinstance(engine, SharedConnectionsSQLiteEngine):
        try:
            return engine.data_version()
        except sqlite3.Error:
            return None  # busy for a moment (it never waits): build the answer again
    if isinstance(engine, PostgresEngine):
        key = (id(engine), asyncio.get_running_loop())
        if key not in _change_reads:
            _change_reads[key] = _ChangeReads(engine)
        return await _change_reads[key].read()
    return None


async def stop_listening(engine: Engine[Any]) -> None:
    """Close this event loop's listening connection (the app's lifespan ends with it)."""
    reads = _change_reads.pop((id(engine), asyncio.get_running_loop()), None)
    if reads is not None:
        await reads.close()
