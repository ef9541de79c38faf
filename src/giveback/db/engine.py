"""Build the Piccolo engine a database URL names, and open its transactions."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import deque
from functools import cache
from typing import Any

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.query import Select
from piccolo.table import Table

SQLITE_BUSY_TIMEOUT_SECONDS = 30
# Statements outside transactions share this many long-lived connections per event loop.
SQLITE_SHARED_CONNECTIONS = 4


@cache
def engine_for(database_url: str) -> Engine[Any]:
    """The one engine per database URL: SQLite (WAL, busy timeout, shared connections) or PostgreSQL (a pool)."""
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite:///")
        return SharedConnectionsSQLiteEngine(path=path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)
    return PostgresEngine(config={"dsn": database_url})


class _SharedConnections:
    """One event loop's connections: a read-only one used in the loop's own thread, and up to ``size``
    autocommit connections (each with its thread) lent out for one statement at a time."""

    def __init__(self, engine: SharedConnectionsSQLiteEngine, size: int) -> None:
        self.engine = engine
        self.size = size
        self.opened = 0
        self.closed = False
        self.idle: list[aiosqlite.Connection] = []
        self.waiting: deque[asyncio.Future[aiosqlite.Connection]] = deque()
        self.reader: sqlite3.Connection | None = None

    def read(self, query: str, args: list[Any]) -> list[dict[str, Any]]:
        """A SELECT run right here, in the event loop's thread: no thread hand-over, no wait for the GIL.

        In WAL mode a read never waits for writers; in the rare moment it would have to (SQLITE_BUSY), it
        does not wait (``timeout=0``) and raises, and the caller runs the statement on a threaded connection.
        """
        if self.reader is None:
            self.reader = sqlite3.connect(**{**self.engine.connection_kwargs, "timeout": 0})
            self.reader.row_factory = dict_factory
            self.reader.execute("PRAGMA query_only = 1")
        return self.reader.execute(query, args).fetchall()

    async def borrow(self) -> aiosqlite.Connection:
        if self.idle:
            return self.idle.pop()
        if self.opened < self.size:
            self.opened += 1
            try:
                return await self.engine.open_autocommit_connection()
            except BaseException:
                self.opened -= 1
                raise
        waiter: asyncio.Future[aiosqlite.Connection] = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give_back(waiter.result())
            raise

    def give_back(self, connection: aiosqlite.Connection) -> None:
        if self.closed:
            connection.stop()
            return
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self.idle.append(connection)

    async def close(self) -> None:
        """Close the idle connections now and the lent ones when they come back."""
        self.stop_reader()
        self.closed = True
        idle, self.idle = self.idle, []
        for connection in idle:
            await connection.close()

    def stop(self) -> None:
        """Close without awaiting (for the connections of an event loop that has ended)."""
        self.closed = True
        for connection in self.idle:
            connection.stop()
        self.idle = []
        with contextlib.suppress(sqlite3.ProgrammingError):  # made in another thread: its garbage collection closes it
            self.stop_reader()

    def stop_reader(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None


class SharedConnectionsSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, with statements outside transactions run on a few long-lived connections.

    Piccolo opens a new connection (and its thread) for every such statement, which costs milliseconds.
    Here each event loop keeps a read-only connection for SELECTs, run in the loop's thread (handing a
    statement to another thread and back costs more than a small read, and under load the answer waits for
    the GIL), and up to ``SQLITE_SHARED_CONNECTIONS`` threaded autocommit connections, lent one statement at
    a time, for everything that writes or may wait. Transactions still get a connection of their own.
    """

    def __init__(self, path: str, **connection_kwargs: Any) -> None:
        super().__init__(path=path, **connection_kwargs)
        self._shared: dict[asyncio.AbstractEventLoop, _SharedConnections] = {}

    async def open_autocommit_connection(self) -> aiosqlite.Connection:
        connection = aiosqlite.connect(**self.connection_kwargs)
        # A forgotten connection must not keep the process alive at exit (aiosqlite's thread is not a daemon).
        connection._thread.daemon = True
        await connection
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    def start_shared_connections(self) -> bool:
        """Make this event loop's (empty) set of shared connections; False when it already has one."""
        loop = asyncio.get_running_loop()
        for stale in [other for other in self._shared if other.is_closed()]:
            self._shared.pop(stale).stop()
        if loop in self._shared:
            return False
        self._shared[loop] = _SharedConnections(self, SQLITE_SHARED_CONNECTIONS)
        return True

    def _connections(self) -> _SharedConnections:
        self.start_shared_connections()
        return self._shared[asyncio.get_running_loop()]

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this loop's read-only connection: as that connection never writes,
        it changes whenever any other connection, in any process, commits (raises ``sqlite3.Error`` when busy)."""
        return int(self._connections().read("PRAGMA data_version", [])[0]["data_version"])

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> Any:
        """One statement outside a transaction: a SELECT in the loop's thread unless the database is busy, any
        other statement on a borrowed autocommit connection (SQLite ≥ 3.35 returns inserted keys itself)."""
        shared = self._connections()
        if query.lstrip()[:6].upper() == "SELECT":
            try:
                return shared.read(query, args or [])
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    raise
        connection = await shared.borrow()
        try:
            return list(await connection.execute_fetchall(query, args or []))
        finally:
            shared.give_back(connection)

    async def close_shared_connections(self) -> None:
        """Close this event loop's shared connections (the app's lifespan and commands end with it)."""
        shared = self._shared.pop(asyncio.get_running_loop(), None)
        if shared is not None:
            await shared.close()


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
    """Open the PostgreSQL pool (or start this event loop's shared SQLite connections) unless already open.

    True when this call opened it; whoever opened it closes it (``close_pool``).
    """
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=10)
        return True
    if isinstance(engine, SharedConnectionsSQLiteEngine):
        return engine.start_shared_connections()
    return False


async def close_pool(engine: Engine[Any]) -> None:
    """Close the PostgreSQL pool, or this event loop's shared SQLite connections."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    if isinstance(engine, SharedConnectionsSQLiteEngine):
        await engine.close_shared_connections()


def locked(query: Select[Any]) -> Select[Any]:
    """Lock the selected rows until the transaction ends.

    PostgreSQL takes ``SELECT … FOR UPDATE``; SQLite has no row locks, and needs none inside
    ``write_transaction``, whose ``BEGIN IMMEDIATE`` already holds the database's write lock.
    """
    return query if query.table._meta.db.engine_type == "sqlite" else query.lock_rows()
