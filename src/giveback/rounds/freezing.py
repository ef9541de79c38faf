"""Freezing a round: today's records, with the booked rule applied, become the round's problem.

Volunteers already on trips lose those days (and the gap around them) and what their yearly limit has used up;
those with nothing left are left out, with the reason. Pins, exclusions and vetoes whose request or volunteer
left the snapshot (or pins the new snapshot no longer allows) are dropped. The round keeps both lists
(``MatchRound.freeze_notes``) for its page.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

import solver
from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person, RoleGrant
from giveback.calendars.imports import without_busy_days
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, NotFound
from giveback.hosts.services import list_requests_for_matching
from giveback.hosts.tables import HostRequest
from giveback.i18n import _
from giveback.rounds import mapping
from giveback.rounds.schemas import ChangedSinceFreeze, RoundOut, RoundSettings
from giveback.rounds.services import adjustments_of, round_out, round_row, visit_findings
from giveback.rounds.tables import MatchRound, RoundAdjustment
from giveback.trips.bookings import bookings_of
from giveback.volunteers.services import list_volunteers_for_matching
from giveback.volunteers.tables import VolunteerProfile


def _now() -> datetime:
    return datetime.now(UTC)


class Snapshot(msgspec.Struct, kw_only=True):
    problem: dict[str, Any]
    booked: list[mapping.Booked]


async def snapshot(row: dict[str, Any], *, bookings: bool = True) -> Snapshot:
    """Today's records as the round's base problem (what freezing would store now); ``bookings=False`` leaves
    the booked rule out (approval checks it on its own, naming the other trip)."""
    settings = msgspec.convert(row["settings"], RoundSettings)
    volunteers = await without_busy_days(await list_volunteers_for_matching())
    notes: list[mapping.Booked] = []
    if bookings:
        volunteers, notes = mapping.apply_bookings(
            volunteers,
            await bookings_of([v.person_id for v in volunteers]),
            period_start=row["period_start"],
            period_end=row["period_end"],
            gap_days=settings.min_gap_days,
        )
    problem = mapping.base_problem(
        period_start=row["period_start"],
        period_end=row["period_end"],
        settings=settings,
        volunteers=volunteers,
        requests=await list_requests_for_matching(),
    )
    return Snapshot(problem=problem, booked=notes)


async def current_problem(row: dict[str, Any]) -> dict[str, Any]:
    """The problem freezing the round would store now."""
    return (await snapshot(row)).problem


async def changes_since_freeze(round_id: int) -> ChangedSinceFreeze:
    row = await round_row(round_id)
    if row["problem"] is None:
        raise Conflict(_("the round is not frozen yet"), field="status")
    changes = mapping.changed_since_freeze(row["problem"], await current_problem(row))
    return ChangedSinceFreeze(**changes)


async def freeze_round(actor: SignedIn, round_id: int) -> RoundOut:
    """Snapshot the round's inputs (again, to pull in changes); runs then solve this snapshot.

    Adjustments that no longer apply to the new snapshot are deleted and listed with their reason.
    """
    async with write_transaction(MatchRound._meta.db):
        row = await locked(MatchRound.select().output(load_json=True).where(MatchRound.id == round_id)).first()
        if row is None:
            raise NotFound(_("no round %(round_id)s", round_id=round_id), field="round_id")
        if row["status"] not in ("open", "frozen"):
            raise Conflict(
                _("the round is %(status)s; only an open or frozen round can be frozen", status=row["status"]),
                field="status",
            )
        taken = await snapshot(row)
        problem = taken.problem
        dropped = await _drop_stale_adjustments(actor, round_id, problem, taken.booked)
        notes = {
            "booked": msgspec.to_builtins(taken.booked),
            "dropped": dropped,
        }
        await MatchRound.update(
            {
                MatchRound.problem: problem,
                MatchRound.problem_hash: mapping.problem_hash(problem),
                MatchRound.frozen_at: _now(),
                MatchRound.status: "frozen",
                MatchRound.freeze_notes: notes,
            }
        ).where(MatchRound.id == round_id)
        await audit(
            actor.person_id,
            "round.frozen",
            "round",
            round_id,
            volunteers=len(problem["volunteers"]),
            requests=len(problem["requests"]),
            left_out=sum(1 for b in taken.booked if b.left_out),
            dropped=len(dropped),
        )
    return await round_out(round_id)


async def _drop_stale_adjustments(
    actor: SignedIn, round_id: int, problem: dict[str, Any], booked: list[mapping.Booked]
) -> list[dict[str, Any]]:
    """Delete the round's pins, exclusions and vetoes that the new snapshot cannot take; returns them with why."""
    requests = mapping.entries_by_id(problem, "requests")
    volunteers = mapping.entries_by_id(problem, "volunteers")
    left_out = {b.volunteer: b.reasons for b in booked if b.left_out}
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for adjustment in await adjustments_of(round_id):
        reason: dict[str, Any] | None = None
        if adjustment["request_key"] not in requests:
            reason = await _why_request_left(mapping.id_of(adjustment["request_key"]))
        else:
            gone = [v for v in adjustment["volunteer_keys"] if v not in volunteers]
            if gone:
                reason = await _why_volunteer_left(gone[0], left_out)
        if reason is None and adjustment["kind"] == "pin":
            loaded = solver.load_problem(mapping.with_adjustments(problem, kept))
            broken = visit_findings(
                loaded, adjustment["request_key"], adjustment["start"], list(adjustment["volunteer_keys"])
            )
            reason = {"code": "rules", "rules": broken} if broken else None
        if reason is None:
            kept.append(adjustment)
            continue
        await RoundAdjustment.delete().where(RoundAdjustment.id == adjustment["id"])
        await audit(
            actor.person_id, "round.adjustment_dropped", "round", round_id, kind=adjustment["kind"], reason=reason
        )
        dropped.append(
            {
                "kind": adjustment["kind"],
                "request": adjustment["request_key"],
                "volunteers": list(adjustment["volunteer_keys"]),
                "start": adjustment["start"].isoformat() if adjustment["start"] else None,
                "reason": reason,
            }
        )
    return dropped


async def _why_request_left(request_id: int) -> dict[str, Any]:
    """Why a request left the snapshot, as a code (``DROPPED_REQUEST``)."""
    row = await HostRequest.select(HostRequest.status).where(HostRequest.id == request_id).first()
    status = row["status"] if row else None
    codes = {
        None: "deleted",
        "draft": "withdrawn",
        "submitted": "resubmitted",
        "declined": "declined",
        "matched": "matched",
        "fulfilled": "fulfilled",
    }
    return {"code": codes.get(status, "no_window")}


async def _why_volunteer_left(volunteer: str, left_out: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Why a volunteer left the snapshot, as a code (and the booked reasons)."""
    person_id = mapping.id_of(volunteer)
    person = await Person.select(Person.deleted_at).where(Person.id == person_id).first()
    if person is None or person["deleted_at"] is not None:
        return {"code": "account_deleted"}
    if volunteer in left_out:
        return {"code": "booked", "reasons": left_out[volunteer]}
    is_volunteer = await RoleGrant.exists().where((RoleGrant.person == person_id) & (RoleGrant.role == "volunteer"))
    if not is_volunteer or not await VolunteerProfile.exists().where(VolunteerProfile.person == person_id):
        return {"code": "not_volunteer"}
    return {"code": "no_availability"}
