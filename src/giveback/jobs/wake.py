"""Waking idle workers: on PostgreSQL a change that queues work sends ``NOTIFY giveback_work, '<kind>'`` (delivered
when its transaction commits), and every worker ``LISTEN``\\ s on one connection of its own; SQLite has no
notifications, so there idle workers look again every ``SQLITE_POLL`` (``Wakeups.wait``'s bound).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from piccolo.engine.postgres import PostgresEngine

from giveback.jobs.tables import Job

log = structlog.get_logger()

CHANNEL = "giveback_work"
SQLITE_POLL = timedelta(seconds=1)
LONGEST_SLEEP = timedelta(minutes=1)  # a listening worker looks anyway this often (a notification may be lost)
RECONNECT_AFTER = timedelta(seconds=5)
SHORTEST_SLEEP = timedelta(milliseconds=50)  # work due but taken by another worker this instant: no busy loop


async def notify(kind: str) -> None:
    """Wake the workers of ``kind`` when the current transaction commits (at once outside one); nothing on SQLite."""
    engine = Job._meta.db
    if isinstance(engine, PostgresEngine):
        await Job.raw("SELECT pg_notify({}, {})", CHANNEL, kind)


class Wakeups:
    """One worker's wake-up calls, one per kind of work it does; ``listen`` fills them from PostgreSQL."""

    def __init__(self, kinds: Iterable[str]) -> None:
        self.events = {kind: asyncio.Event() for kind in kinds}
        self.listening = False

    def wake(self, kind: str) -> None:
        event = self.events.get(kind)
        if event is not None:
            event.set()

    def wake_all(self) -> None:
        for event in self.events.values():
            event.set()

    def clear(self, kind: str) -> None:
        """Called before a kind looks for work: a notification arriving while it works wakes it again."""
        self.events[kind].clear()

    async def wait(self, kind: str, until: datetime | None) -> None:
        """Sleep until ``kind`` is woken, its next work is due (``until``), or the longest sleep has passed
        (on SQLite: ``SQLITE_POLL``)."""
        longest = LONGEST_SLEEP if self.listening else SQLITE_POLL
        seconds = longest.total_seconds()
        if until is not None:
            seconds = min(seconds, max((until - datetime.now(UTC)).total_seconds(), SHORTEST_SLEEP.total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.events[kind].wait(), timeout=seconds)

    async def listen(self, stop: asyncio.Event) -> None:
        """Keep a connection of our own listening until ``stop``; when it breaks, connect again (and wake every
        kind, since notifications may have been missed meanwhile). Returns at once on SQLite."""
        engine = Job._meta.db
        if not isinstance(engine, PostgresEngine):
            return
        import asyncpg

        def received(_connection: Any, _pid: int, _channel: str, payload: str) -> None:
            self.wake(payload)

        while not stop.is_set():
            connection = None
            try:
                connection = await asyncpg.connect(**engine.config)
                await connection.add_listener(CHANNEL, received)
                self.listening = True
                self.wake_all()
                while not stop.is_set() and not connection.is_closed():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=RECONNECT_AFTER.total_seconds())
            except (OSError, asyncpg.PostgresError) as problem:
                log.warning("worker.listen_failed", error=str(problem))
            finally:
                self.listening = False
                if connection is not None and not connection.is_closed():
                    await connection.close()
            if not stop.is_set():
                await asyncio.sleep(RECONNECT_AFTER.total_seconds())
