"""Solver runs as the workers' ``runs`` kind of work: claim a queued run, solve it, report progress.

Several workers (processes, machines) can share one database: a run is claimed with
``giveback.jobs.queue.claim_one`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so exactly one worker takes it
and workers claiming at once never wait for each other. The solve runs in a thread (OR-Tools releases the
interpreter while it searches), so the worker's other kinds of work go on meanwhile. A running run's
heartbeat is refreshed every half second; a run whose heartbeat is older than ``DEAD_AFTER`` is marked failed
by any worker (its worker died), and nothing of it is applied: a coordinator starts it again.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

import solver
from giveback.db.engine import locked, write_transaction
from giveback.jobs.queue import claim_one
from giveback.rounds import notices
from giveback.rounds.tables import SolverRun
from giveback.settings import Settings

log = structlog.get_logger()

PROGRESS_INTERVAL_SECONDS = 0.5
DEAD_AFTER = timedelta(seconds=30)


def unloadable(error: solver.ProblemError) -> str:
    """Why a run's problem cannot be solved, in words a coordinator can act on."""
    return f"the round's problem cannot be solved as stored ({error}); freeze the round again and start a new run"


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
    claimed = await claim_one(
        SolverRun.select(SolverRun.id).where(SolverRun.status == "queued").order_by(SolverRun.id),
        lambda _row: {
            SolverRun.status: "running",
            SolverRun.worker: worker,
            SolverRun.started_at: _now(),
            SolverRun.heartbeat_at: _now(),
        },
        (SolverRun.id,),
    )
    if claimed is None:
        return None
    return await SolverRun.select().output(load_json=True).where(SolverRun.id == claimed["id"]).first()


async def next_reaping() -> datetime | None:
    """When the oldest heartbeat of a running run gets too old (its worker would then be dead)."""
    oldest = (
        await SolverRun.select(SolverRun.heartbeat_at)
        .where(SolverRun.status == "running")
        .order_by(SolverRun.heartbeat_at)
        .first()
    )
    return oldest["heartbeat_at"] + DEAD_AFTER if oldest and oldest["heartbeat_at"] else None


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
