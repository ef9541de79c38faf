"""``giveback worker``: the platform's background work, as kinds that never wait on each other.

Each kind of work runs in its own loop (solver runs in as many loops as ``GIVEBACK_WORKER_RUNS``), so invites,
reminders and calendar imports go out while a solve of several minutes runs:

* ``runs``: queued solver runs (``giveback.rounds.worker``);
* ``mail``: the outbox, one message at a time under a lease (``giveback.mail.sender``);
* ``imports``: the volunteers' imported calendars that are due (``giveback.calendars.imports``);
* ``scheduler``: once a minute, the trips' time-driven steps (start, complete, report reminders), and the
  job queue's finished jobs forgotten after 30 days;
* ``webhooks``: the events posted to the webhook endpoints, from the job queue (``giveback.webhooks.delivery``);
* ``mailbox``: every ``GIVEBACK_MAILBOX_INTERVAL`` seconds, the program mailbox's answers given in calendar apps
  (``giveback.trips.replies``; never without ``GIVEBACK_IMAP_HOST``).

A loop that finds nothing to do sleeps until its next work is due or it is woken: on PostgreSQL by
``LISTEN/NOTIFY`` when work is queued (``giveback.jobs.wake``), on SQLite by looking again every second. Any
number of workers on any number of machines share the work; ``--only`` gives one worker some kinds.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from giveback.calendars.imports import next_import_due, refresh_due_imports
from giveback.jobs.queue import forget_done_jobs
from giveback.jobs.wake import Wakeups
from giveback.mail.sender import drain_outbox, next_message_due
from giveback.rounds import worker as runs
from giveback.settings import Settings
from giveback.trips.replies import read_program_mailbox
from giveback.trips.scheduler import run_scheduled_steps
from giveback.webhooks.delivery import deliver_next, next_delivery_due

log = structlog.get_logger()

SCHEDULER_INTERVAL = timedelta(minutes=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """What every loop of one worker shares."""

    settings: Settings
    worker: str
    next_scheduled_steps: datetime = field(default_factory=_now)
    next_mailbox_reading: datetime = field(default_factory=_now)


@dataclass(frozen=True)
class Kind:
    """A kind of work: ``once`` does some (True when it did any: look again at once), ``next_due`` says when
    more will be due (None: only when woken)."""

    name: str
    once: Callable[[Context], Awaitable[bool]]
    next_due: Callable[[Context], Awaitable[datetime | None]]
    loops: Callable[[Settings], int] = lambda _settings: 1


async def _runs(context: Context) -> bool:
    return await runs.work_once(context.worker, context.settings)


async def _mail(context: Context) -> bool:
    return await drain_outbox(context.settings, sender=context.worker) > 0


async def _imports(_context: Context) -> bool:
    return await refresh_due_imports() > 0


async def _scheduler(context: Context) -> bool:
    if _now() < context.next_scheduled_steps:
        return False
    await run_scheduled_steps(_now().date(), settings=context.settings)
    await forget_done_jobs()
    context.next_scheduled_steps = _now() + SCHEDULER_INTERVAL
    return False


async def _scheduler_due(context: Context) -> datetime | None:
    return context.next_scheduled_steps


async def _webhooks(context: Context) -> bool:
    return await deliver_next(context.settings, context.worker)


async def _mailbox(context: Context) -> bool:
    if not context.settings.imap_host or _now() < context.next_mailbox_reading:
        return False
    context.next_mailbox_reading = _now() + timedelta(seconds=context.settings.mailbox_interval)
    try:
        await read_program_mailbox(context.settings)
    except Exception:  # the server down, a wrong password: logged, tried again at the next interval
        log.exception("mailbox.error")
    return False


async def _mailbox_due(context: Context) -> datetime | None:
    return context.next_mailbox_reading if context.settings.imap_host else None


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("runs", _runs, lambda _c: runs.next_reaping(), loops=lambda settings: settings.worker_runs),
        Kind("mail", _mail, lambda c: next_message_due(c.settings)),
        Kind("imports", _imports, lambda _c: next_import_due()),
        Kind("scheduler", _scheduler, _scheduler_due),
        Kind("webhooks", _webhooks, lambda _c: next_delivery_due()),
        Kind("mailbox", _mailbox, _mailbox_due),
    )
}


async def work_pass(kind: str, settings: Settings, worker: str = "test-worker") -> bool:
    """One pass of one kind of work (as one loop of a worker takes it); True when it did any."""
    return await KINDS[kind].once(Context(settings=settings, worker=worker))


async def _loop(kind: Kind, context: Context, wakeups: Wakeups, stop: asyncio.Event) -> None:
    while not stop.is_set():
        wakeups.clear(kind.name)
        busy, until = False, None
        try:
            busy = await kind.once(context)
            if not busy:
                until = await kind.next_due(context)
        except Exception:  # one failure never stops this kind, nor any other
            log.exception("worker.error", kind=kind.name)
        if not busy and not stop.is_set():
            await wakeups.wait(kind.name, until)


async def work_forever(stop: asyncio.Event | None = None, only: Sequence[str] = ()) -> None:
    """Do the kinds of work named in ``only`` (every kind when empty) until ``stop`` is set."""
    stop = stop or asyncio.Event()
    settings = Settings.from_env()
    context = Context(settings=settings, worker=worker_name())
    kinds = [KINDS[name] for name in (only or KINDS)]
    wakeups = Wakeups(kind.name for kind in kinds)

    async def stopping() -> None:
        await stop.wait()
        wakeups.wake_all()

    log.info("worker.started", worker=context.worker, kinds=[kind.name for kind in kinds])
    loops = [_loop(kind, context, wakeups, stop) for kind in kinds for _ in range(kind.loops(settings))]
    await asyncio.gather(wakeups.listen(stop), stopping(), *loops)
