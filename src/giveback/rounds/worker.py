"""The solver worker: claims queued runs from the database, solves them, and reports progress.

Several workers (processes, machines) can share one database: a run is claimed by a conditional update,
so exactly one worker takes it. A running run's heartbeat is refreshed every half second; a run whose
heartbeat is older than ``DEAD_AFTER`` is marked failed by any worker (its worker died), and nothing of
it is applied.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

import solver
from giveback.calendars.imports import refresh_due_imports
from giveback.db.engine import locked, write_transaction
from giveback.mail.sender import drain_outbox
from giveback.rounds import notices
from giveback.rounds.tables import SolverRun
from giveback.settings import Settings
from giveback.trips.replies import read_program_mailbox
from giveback.trips.scheduler import run_scheduled_steps

log = structlog.get_logger()

PROGRESS_INTERVAL_SECONDS = 0.5
POLL_INTERVAL_SECONDS = 0.5
DEAD_AFTER = timedelta(seconds=30)
SCHEDULED_STEPS_INTERVAL = timedelta(minutes=1)


def unloadable(error: solver.ProblemError) -> str:
    """Why a run's problem cannot be solved, in words a coordinator can act on."""
    return f"the round's problem cannot be solved as stored ({error}); freeze the round again and start a new run"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


async def reap_dead_runs(dead_after: timedelta = DEAD_AFTER) -> int:
    """Mark failed every running run whose worker stopped sending heartbeats; returns how many."""
    cutoff = _now() - dead_after
    reaped = (
        await SolverRun.update(
            {
                SolverRun.status: "failed",
                SolverRun.finished_at: _now(),
                SolverRun.error: "the worker stopped responding (killed or restarted); start the run again",
            }
        )
        .where((SolverRun.status == "running") & (SolverRun.heartbeat_at < cutoff))
        .returning(SolverRun.id)
    )
    for row in reaped:
        log.warning("run.reaped", run=row["id"])
    return len(reaped)


async def claim_next_run(worker: str) -> dict[str, Any] | None:
    """Take the oldest queued run, or None; two workers never take the same one."""
    while True:
        candidate = (
            await SolverRun.select(SolverRun.id).where(SolverRun.status == "queued").order_by(SolverRun.id).first()
        )
        if candidate is None:
            return None
        claimed = (
            await SolverRun.update(
                {
                    SolverRun.status: "running",
                    SolverRun.worker: worker,
                    SolverRun.started_at: _now(),
                    SolverRun.heartbeat_at: _now(),
                }
            )
            .where((SolverRun.id == candidate["id"]) & (SolverRun.status == "queued"))
            .returning(SolverRun.id)
        )
        if claimed:
            return await SolverRun.select().output(load_json=True).where(SolverRun.id == candidate["id"]).first()


async def execute_run(run: dict[str, Any], settings: Settings | None = None) -> None:
    """Solve a claimed run in a thread, writing progress and heartbeats, and store its result in one step
    (with the notices to the hosts whose requests it proposes a new or changed visit for)."""
    run_id = run["id"]
    try:
        problem = solver.load_problem(run["problem"])
    except solver.ProblemError as error:  # never solved: the run fails at once with the reason
        log.warning("run.unloadable", run=run_id, error=str(error))
        await _finish(run_id, {SolverRun.status: "failed", SolverRun.error: unloadable(error)})
        return
    warm_start = None
    if run["warm_from"]:
        previous = (
            await SolverRun.select(SolverRun.result)
            .output(load_json=True)
            .where(SolverRun.id == run["warm_from"])
            .first()
        )
        if previous and previous["result"]:
            try:
                warm_start = solver.load_result(previous["result"])
            except solver.ProblemError:
                log.warning("run.warm_start_ignored", run=run_id, warm_from=run["warm_from"])
    latest: list[solver.Progress] = []
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    solving = loop.run_in_executor(
        None,
        lambda: solver.solve(
            problem,
            time_limit=run["time_limit"],
            workers=run["workers"],
            seed=run["seed"],
            on_progress=latest.append,
            should_stop=stop.is_set,
            warm_start=warm_start,
        ),
    )
    started = loop.time()
    while not solving.done():
        await asyncio.wait([solving], timeout=PROGRESS_INTERVAL_SECONDS)
        progress = latest[-1] if latest else None
        changes: dict[Any, Any] = {SolverRun.heartbeat_at: _now(), SolverRun.elapsed_seconds: loop.time() - started}
        if progress:
            changes[SolverRun.objective] = progress.objective
            changes[SolverRun.bound] = progress.bound
        await SolverRun.update(changes).where(SolverRun.id == run_id)
        flags = (
            await SolverRun.select(SolverRun.cancel_requested, SolverRun.status).where(SolverRun.id == run_id).first()
        )
        if flags and (flags["cancel_requested"] or flags["status"] != "running"):
            stop.set()
    try:
        result = solving.result()
    except Exception as error:  # the solver failed: record why, apply nothing
        log.exception("run.failed", run=run_id)
        await _finish(run_id, {SolverRun.status: "failed", SolverRun.error: f"the solver failed: {error}"})
        return
    cancelled = stop.is_set()
    stored = solver.result_to_json(result)
    telling = settings or Settings.from_env()
    await _finish(
        run_id,
        {
            SolverRun.status: "cancelled" if cancelled else "succeeded",
            SolverRun.error: "cancelled by a coordinator" if cancelled else "",
            SolverRun.solver_status: result.status,
            SolverRun.objective: result.objective,
            SolverRun.bound: result.bound,
            SolverRun.result: stored,
            SolverRun.elapsed_seconds: float(result.stats.get("wall_seconds", loop.time() - started)),
        },
        then=None if cancelled else lambda: notices.tell_hosts_of_proposals(run, stored, telling),
    )
    log.info("run.finished", run=run_id, status=result.status, objective=result.objective, bound=result.bound)


async def _finish(run_id: int, changes: dict[Any, Any], then: Callable[[], Awaitable[object]] | None = None) -> None:
    """Record the outcome unless the run was reaped meanwhile (then its late result is dropped); ``then`` runs
    in the same transaction once the outcome is recorded (the notices it sends)."""
    async with write_transaction(SolverRun._meta.db):
        running = SolverRun.select(SolverRun.id).where((SolverRun.id == run_id) & (SolverRun.status == "running"))
        if await locked(running).first() is None:
            return
        await SolverRun.update({**changes, SolverRun.finished_at: _now()}).where(SolverRun.id == run_id)
        if then is not None:
            await then()


async def work_once(worker: str, settings: Settings | None = None) -> bool:
    """Reap dead runs, then solve one queued run if there is one; True when a run was solved."""
    await reap_dead_runs()
    run = await claim_next_run(worker)
    if run is None:
        return False
    log.info("run.claimed", run=run["id"], worker=worker)
    await execute_run(run, settings)
    return True


async def background_jobs_once(settings: Settings) -> int:
    """One pass of the work between runs: send the queued mail, then refresh the imported calendars that are
    due. A failure of one is logged and never stops the other; returns how many messages were sent."""
    sent = 0
    try:
        sent = await drain_outbox(settings)
    except Exception:
        log.exception("outbox.error")
    try:
        await refresh_due_imports()
    except Exception:
        log.exception("calendar_import.error")
    return sent


async def read_mailbox_logged(settings: Settings) -> None:
    """Read the program mailbox once; a failure (the server down, a wrong password) is logged, and the worker
    goes on with its other work."""
    try:
        await read_program_mailbox(settings)
    except Exception:
        log.exception("mailbox.error")


async def work_forever(stop: asyncio.Event | None = None) -> None:
    """Poll for queued runs until stopped; between runs, send queued mail, refresh imported calendars, and
    once a minute take the trips' time-driven steps (start, complete, report reminders); every
    GIVEBACK_MAILBOX_INTERVAL seconds read the program mailbox for answers given in calendar apps."""
    worker = worker_name()
    settings = Settings.from_env()
    next_scheduled_steps = next_mailbox_reading = _now()
    log.info("worker.started", worker=worker)
    while stop is None or not stop.is_set():
        try:
            if _now() >= next_scheduled_steps:
                await run_scheduled_steps(_now().date(), settings=settings)
                next_scheduled_steps = _now() + SCHEDULED_STEPS_INTERVAL
            if settings.imap_host and _now() >= next_mailbox_reading:
                next_mailbox_reading = _now() + timedelta(seconds=settings.mailbox_interval)
                await read_mailbox_logged(settings)
            solved = await work_once(worker, settings)
            await background_jobs_once(settings)
        except Exception:
            log.exception("worker.error")
            solved = False
        if not solved:
            await asyncio.sleep(POLL_INTERVAL_SECONDS)
