"""Approving a run: its proposals (all, or the requests named) become trips, in one transaction.

Each proposal is checked again against today's records (windows, rules 1–6, the request still waiting for a
visit); one that fails is refused with its reason while the others are approved. A proposal that would put a
volunteer onto booked days, or beyond their yearly limit, refuses the whole approval (409 naming the other
trip) and nothing changes: after a freeze that applied the booked rule this never happens.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import msgspec

import solver
from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound
from giveback.hosts.tables import HostRequest
from giveback.i18n import _
from giveback.rounds import mapping, replacements
from giveback.rounds.freezing import snapshot
from giveback.rounds.schemas import Approval, ApprovalOut, RoundSettings
from giveback.rounds.services import latest_run, visit_problems
from giveback.rounds.tables import MatchRound, SolverRun
from giveback.settings import Settings
from giveback.trips import lifecycle


def _now() -> datetime:
    return datetime.now(UTC)


async def approve(
    actor: SignedIn, run_id: int, data: Approval, *, settings: Settings, round_id: int | None = None
) -> ApprovalOut:
    """Turn a run's proposals (all, or the requests named) into trips, in one transaction.

    Only the round's latest finished run can be approved, and only once.
    """
    async with write_transaction(SolverRun._meta.db):
        run = await locked(SolverRun.select().output(load_json=True).where(SolverRun.id == run_id)).first()
        if run is None or (round_id is not None and run["round"] != round_id):
            raise NotFound(_("no run %(run_id)s in this round", run_id=run_id), field="run_id")
        if run["kind"] == "replacement":
            return await replacements.approve_replacement(actor, run_id, data, settings=settings)
        round_row = await locked(
            MatchRound.select().output(load_json=True).where(MatchRound.id == run["round"])
        ).first()
        assert round_row is not None
        if run["status"] != "succeeded" or run["solver_status"] not in ("optimal", "feasible"):
            raise Conflict(
                _(
                    "the run is %(status)s (%(value)s); nothing to approve",
                    status=run["status"],
                    value=run["solver_status"] or "no result",
                ),
                field="run_id",
            )
        latest = await latest_run(run["round"])
        if latest is None or latest["id"] != run_id:
            raise Conflict(_("a newer run of this round exists; approve that one"), field="run_id")
        claimed = (
            await SolverRun.update({SolverRun.approved_at: _now(), SolverRun.approved_by: actor.person_id})
            .where((SolverRun.id == run_id) & SolverRun.approved_at.is_null())
            .returning(SolverRun.id)
        )
        if not claimed:
            raise Conflict(_("this run is approved already"), field="run_id")
        visits = run["result"]["visits"]
        if data.requests is not None:
            unknown = set(data.requests) - {v["request"] for v in visits}
            if unknown:
                raise InvalidInput(
                    _("the run proposes no visit to %(unknown)s", unknown=", ".join(sorted(unknown))), field="requests"
                )
            visits = [v for v in visits if v["request"] in set(data.requests)]
        today = await _today(round_row, run["problem"])
        planned = solver.load_problem(run["problem"])
        planned_requests = {r.id: r for r in planned.requests}
        planned_volunteers = {v.id: v for v in planned.volunteers}
        gap_days = msgspec.convert(round_row["settings"], RoundSettings).min_gap_days
        refused: dict[str, list[str]] = {}
        trip_ids: list[int] = []
        for visit in visits:
            start = date.fromisoformat(visit["start"])
            reasons = recheck(today, visit) or await _request_waits(visit["request"])
            if reasons:
                refused[visit["request"]] = reasons
                continue
            request = planned_requests[visit["request"]]
            members = [
                lifecycle.NewMember(
                    mapping.id_of(member), solver.score_member(planned, planned_volunteers[member], request, start)
                )
                for member in visit["volunteers"]
            ]
            trip_ids.append(
                await lifecycle.open_trip(
                    request_id=mapping.id_of(visit["request"]),
                    start=start,
                    end=date.fromisoformat(visit["end"]),
                    members=members,
                    settings=settings,
                    actor_id=actor.person_id,
                    round_id=run["round"],
                    run_id=run_id,
                    score=int(visit.get("score") or 0),
                    gap_days=gap_days,
                )
            )
        await audit(
            actor.person_id, "run.approved", "run", run_id, trips=trip_ids, refused=sorted(refused), round=run["round"]
        )
    return ApprovalOut(trips=trip_ids, refused=refused)


async def _today(round_row: dict[str, Any], planned: dict[str, Any]) -> solver.Problem:
    """Today's records as the round would see them (the booked rule aside: ``open_trip`` checks it), with the
    planned problem's exclusions and vetoes that still name a request and a volunteer."""
    today = mapping.with_adjustments((await snapshot(round_row, bookings=False)).problem, [])
    requests = mapping.entries_by_id(today, "requests")
    volunteers = mapping.entries_by_id(today, "volunteers")
    today["forbidden"] = [
        pair for pair in planned["forbidden"] if pair["request"] in requests and pair["volunteer"] in volunteers
    ]
    return solver.load_problem(today)


async def _request_waits(request: str) -> list[str]:
    row = await locked(HostRequest.select(HostRequest.status).where(HostRequest.id == mapping.id_of(request))).first()
    if row is None or row["status"] != "accepted":
        return [_("%(request)s is no longer waiting for a visit", request=request)]
    return []


def recheck(today: solver.Problem, visit: dict[str, Any]) -> list[str]:
    """Rules 1–6 for one approved visit against today's records."""
    request = visit["request"]
    if all(r.id != request for r in today.requests):
        return [_("%(request)s is no longer an accepted request with windows in the period", request=request)]
    available = {v.id for v in today.volunteers}
    missing = [v for v in visit["volunteers"] if v not in available]
    if missing:
        return [_("%(volunteer)s no longer has availability in the period", volunteer=v) for v in missing]
    return visit_problems(today, request, date.fromisoformat(visit["start"]), list(visit["volunteers"]))
