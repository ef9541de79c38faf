"""Claiming work under a lease, for the job queue and every other queue (the outbox, solver runs).

A worker takes one ready row at a time in a short transaction: on PostgreSQL with ``FOR UPDATE SKIP LOCKED``,
so workers taking work at the same moment take different rows without waiting for each other; on SQLite the
transaction's write lock (``BEGIN IMMEDIATE``) lets one claimer at a time. The row then carries a lease: the
worker renews it every third of its length while it works (``holding``), and marks the outcome only while the
row still carries its own claim (the attempt number it took it with). A killed worker stops renewing, its lease
runs out, and the next worker takes the row again: nothing is lost, and nothing is taken twice while its worker
lives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from piccolo.columns import Column
from piccolo.query import Select
from piccolo.table import Table

from giveback.db.engine import write_transaction
from giveback.jobs.tables import Job
from giveback.jobs.wake import notify

log = structlog.get_logger()

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


def now() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, 4 min … at most 6 h."""
    wait: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(wait, LONGEST_RETRY)


def skip_locked(query: Select[Any]) -> Select[Any]:
    """Lock the selected rows, passing over those another transaction holds (PostgreSQL); SQLite's write lock
    already keeps other claimers out."""
    if query.table._meta.db.engine_type == "sqlite":
        return query
    return query.lock_rows(skip_locked=True)


async def claim_one(
    ready: Select[Any], changes: Callable[[dict[str, Any]], dict[Column, Any]], returning: Sequence[Column]
) -> dict[str, Any] | None:
    """Take the first row of ``ready`` (a select of the queue's id and whatever ``changes`` reads, in the order
    work is taken) and apply ``changes(row)`` to it, in one transaction; None when nothing is ready."""
    table: type[Table] = ready.table
    if table._meta.db.engine_type == "sqlite" and await ready.first() is None:
        return None  # nothing ready: no need to take SQLite's write lock to find out
    async with write_transaction(table._meta.db):
        row = await skip_locked(ready.limit(1)).first()
        if row is None:
            return None
        primary_key = table._meta.primary_key
        updated = await (
            table.update(changes(row))  # type: ignore[arg-type]
            .where(primary_key == row[primary_key._meta.name])
            .returning(*returning)
        )
    claimed: dict[str, Any] = updated[0]
    return claimed


@contextlib.asynccontextmanager
async def holding(renew: Callable[[], Awaitable[bool]], lease: timedelta) -> AsyncIterator[None]:
    """Renew a lease every third of its length while the block runs; a renewal that finds the claim gone (the
    lease ran out and another worker took the work) is logged and renewing stops."""

    async def renewing() -> None:
        while True:
            await asyncio.sleep(lease.total_seconds() / 3)
            try:
                if not await renew():
                    log.warning("lease.lost")
                    return
            except Exception:  # the database is away for a moment: try again at the next third
                log.exception("lease.renew_failed")

    task = asyncio.create_task(renewing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- the job queue -------------------------------------------------------------------------------------------


async def enqueue(
    kind: str, payload: dict[str, Any], *, run_after: datetime | None = None, max_attempts: int = 8
) -> int:
    """Queue a job inside the caller's transaction (it exists exactly when the caller's change commits) and wake
    the workers of its kind at that commit. Returns its id."""
    row = await Job.insert(Job(kind=kind, payload=payload, run_after=run_after or now(), max_attempts=max_attempts))
    await notify(kind)
    return int(row[0]["id"])


def _job_ready(kinds: Sequence[str], moment: datetime) -> Any:
    queued = (Job.status == "queued") & (Job.run_after <= moment)
    abandoned = (Job.status == "running") & (Job.lease_until < moment)  # its worker stopped renewing
    return Job.kind.is_in(list(kinds)) & (queued | abandoned)


async def claim_job(kinds: Sequence[str], worker: str, lease: timedelta) -> dict[str, Any] | None:
    """The oldest ready job of these kinds, now held by ``worker`` for ``lease`` (its ``attempts`` counts this
    one); None when none is ready."""
    moment = now()
    job = await claim_one(
        Job.select(Job.id, Job.attempts).where(_job_ready(kinds, moment)).order_by(Job.id),
        lambda row: {
            Job.status: "running",
            Job.worker: worker,
            Job.attempts: row["attempts"] + 1,
            Job.lease_until: now() + lease,  # from the claim itself: waiting for SQLite's lock shortens nothing
        },
        Job.all_columns(),
    )
    if job is not None and isinstance(job["payload"], str):  # RETURNING gives the JSON as text
        job["payload"] = json.loads(job["payload"])
    return job


def _ours(job: dict[str, Any]) -> Any:
    return (Job.id == job["id"]) & (Job.status == "running") & (Job.attempts == job["attempts"])


async def renew_job(job: dict[str, Any], lease: timedelta) -> bool:
    """Hold the job ``lease`` longer; False when it is no longer ours."""
    return bool(await Job.update({Job.lease_until: now() + lease}).where(_ours(job)).returning(Job.id))


async def finish_job(job: dict[str, Any]) -> bool:
    """The job is done; False when it was no longer ours (another worker took it after our lease ran out)."""
    return bool(
        await Job.update({Job.status: "done", Job.finished_at: now(), Job.last_error: ""})
        .where(_ours(job))
        .returning(Job.id)
    )


async def fail_job(job: dict[str, Any], error: str) -> bool:
    """The attempt failed: the job is queued again after the back-off, or failed for good after its last
    attempt. True when this was its last attempt."""
    last = bool(job["attempts"] >= job["max_attempts"])
    await Job.update(
        {
            Job.status: "failed" if last else "queued",
            Job.run_after: now() + backoff(job["attempts"]),
            Job.lease_until: None,
            Job.last_error: error[:2000],
            Job.finished_at: now() if last else None,
        }
    ).where(_ours(job))
    return last


async def forget_done_jobs(older_than: timedelta = timedelta(days=30)) -> int:
    """Delete the jobs done longer ago than ``older_than`` (what they did is kept where it matters, e.g. the
    webhooks' delivery log); returns how many."""
    gone = await Job.delete().where((Job.status == "done") & (Job.finished_at < now() - older_than)).returning(Job.id)
    return len(gone)


async def next_job_due(kinds: Sequence[str]) -> datetime | None:
    """When the next job of these kinds becomes ready (a queued one's time, a running one's lease end)."""
    queued = (
        await Job.select(Job.run_after)
        .where(Job.kind.is_in(list(kinds)) & (Job.status == "queued"))
        .order_by(Job.run_after)
        .first()
    )
    running = (
        await Job.select(Job.lease_until)
        .where(Job.kind.is_in(list(kinds)) & (Job.status == "running"))
        .order_by(Job.lease_until)
        .first()
    )
    moments = [m for m in (queued and queued["run_after"], running and running["lease_until"]) if m]
    return min(moments) if moments else None
