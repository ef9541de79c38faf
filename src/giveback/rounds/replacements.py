"""Replacements: a decline frees a place, and the round finds the best free volunteers for it.

A trip of the round has a free place when a volunteer declined it: either others still travel (the team is
short) or nobody is left (the trip is declined and its request back in the pool). ``find_replacement`` queues a
run of kind ``replacement`` that solves just that request, warm-started from the round's last run: today's free
volunteers (the booked rule applied, as at freezing), the decliners and the round's exclusions and vetoes for the
request forbidden, and, for a short team, the trip's own dates and only the missing places. The coordinator then
approves its proposal, or other volunteers among the candidates that fit; they join the trip (``add_members``) or
open a new one for the request (``open_trip``), through the lifecycle.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import msgspec

import solver
from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound
from giveback.hosts.tables import HostRequest
from giveback.i18n import _, _n
from giveback.jobs.wake import notify
from giveback.rounds import mapping
from giveback.rounds.freezing import snapshot
from giveback.rounds.schemas import (
    Approval,
    ApprovalOut,
    CandidateOut,
    PlaceOut,
    RoundSettings,
    RunOut,
)
from giveback.rounds.services import (
    adjustments_of,
    get_run,
    in_words,
    latest_run,
    names_of,
    round_row,
    run_out,
    visit_problems,
)
from giveback.rounds.tables import SolverRun
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.trips.tables import Trip, TripMember
from solver.validate import rule_violations

REPLACEMENT_TIME_LIMIT = 10.0
SHORT = ("approved", "invited", "confirmed")


def _now() -> datetime:
    return datetime.now(UTC)


async def _round_trips(round_id: int) -> list[dict[str, Any]]:
    return list(
        await Trip.select(
            *Trip.all_columns(),
            Trip.request.title.as_alias("title"),
            Trip.request.status.as_alias("request_status"),
            Trip.request.team_size.as_alias("team_size"),
            Trip.request._.organization._.name.as_alias("host"),
            Trip.request._.organization._.short_name.as_alias("host_short"),
        )
        .where(Trip.round == round_id)
        .order_by(Trip.start)
        .order_by(Trip.id)
    )


async def _members(trip_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {trip: [] for trip in trip_ids}
    if trip_ids:
        rows = await TripMember.select(
            TripMember.trip, TripMember.person, TripMember.response, TripMember.person.name.as_alias("name")
        ).where(TripMember.trip.is_in(trip_ids))
        for row in sorted(rows, key=lambda r: int(r["person"])):
            found[int(row["trip"])].append(row)
    return found


async def _free_places(round_id: int) -> list[tuple[dict[str, Any], list[dict[str, Any]], int]]:
    """The round's trips with a free place: (trip, its members, how many places are free)."""
    trips = await _round_trips(round_id)
    members = await _members([int(t["id"]) for t in trips])
    rematched = {int(t["request"]) for t in trips if t["status"] not in ("declined", "cancelled")}
    places = []
    for trip in trips:
        on_trip = members[int(trip["id"])]
        declined = [m for m in on_trip if m["response"] == "declined"]
        if not declined:
            continue
        travelling = len(on_trip) - len(declined)
        if trip["status"] in SHORT and travelling < int(trip["team_size"]):
            places.append((trip, on_trip, int(trip["team_size"]) - travelling))
        elif (
            trip["status"] == "declined"
            and trip["request_status"] == "accepted"
            and int(trip["request"]) not in rematched
        ):
            places.append((trip, on_trip, int(trip["team_size"])))
    return places


async def _replacement_runs(round_id: int) -> dict[int, dict[str, Any]]:
    """The newest replacement run of each trip of the round."""
    rows = (
        await SolverRun.select()
        .output(load_json=True)
        .where((SolverRun.round == round_id) & (SolverRun.kind == "replacement"))
        .order_by(SolverRun.id)
    )
    return {int(row["trip"]): row for row in rows}


async def open_places(round_id: int) -> list[PlaceOut]:
    """The round's free places after declines, each with its latest search for a replacement."""
    await round_row(round_id)
    runs = await _replacement_runs(round_id)
    shown = []
    for trip, on_trip, missing in await _free_places(round_id):
        run = runs.get(int(trip["id"]))
        candidates, unmatched = await _outcome(run) if run is not None else ([], [])
        shown.append(
            PlaceOut(
                trip_id=int(trip["id"]),
                request=mapping.request_key(int(trip["request"])),
                title=trip["title"],
                host=trip["host_short"] or trip["host"],
                start=trip["start"],
                end=trip["end"],
                trip_status=trip["status"],
                missing=missing,
                declined=[m["name"] for m in on_trip if m["response"] == "declined"],
                travelling=[m["name"] for m in on_trip if m["response"] != "declined"],
                run=run_out(run) if run is not None else None,
                candidates=candidates,
                unmatched=unmatched,
            )
        )
    return shown


async def _outcome(run: dict[str, Any]) -> tuple[list[CandidateOut], list[str]]:
    """A finished replacement run's proposal and the other fitting volunteers (best first), or why none fits."""
    if run["status"] != "succeeded" or not run["result"]:
        return [], [run["error"]] if run["error"] else []
    problem = solver.load_problem(run["problem"])
    (request,) = problem.requests
    visits = run["result"]["visits"]
    if not visits:
        reasons = [reason for u in run["result"]["unmatched"] for reason in u["reasons"]]
        return [], await in_words(reasons)
    visit = visits[0]
    start = date.fromisoformat(visit["start"])
    proposed = set(visit["volunteers"])
    single = _one_place(run["problem"])
    scored = []
    for volunteer in problem.volunteers:
        fits = volunteer.id in proposed or not rule_violations(
            single, [solver.Visit(request.id, start, request.last_day(start), (volunteer.id,))]
        )
        if fits and (volunteer.id, request.id) not in {(f.volunteer, f.request) for f in problem.forbidden}:
            score = sum(solver.score_member(problem, volunteer, request, start).values())
            scored.append((volunteer.id in proposed, score, volunteer.id))
    scored.sort(key=lambda c: (not c[0], -c[1], c[2]))
    names = await names_of({mapping.id_of(c[2]) for c in scored})
    return [
        CandidateOut(
            volunteer=key,
            person_id=mapping.id_of(key),
            name=names.get(mapping.id_of(key), key),
            score=score,
            proposed=is_proposed,
        )
        for is_proposed, score, key in scored
    ], []


def _one_place(problem: dict[str, Any]) -> solver.Problem:
    """The replacement problem with a team of one, to ask of each volunteer alone whether they fit."""
    single = copy.deepcopy(problem)
    single["requests"][0]["team_size"] = 1
    single["pinned"] = []
    return solver.load_problem(single)


async def find_replacement(actor: SignedIn, round_id: int, trip_id: int) -> RunOut:
    """Queue a run that solves just the free place of one trip of the round (a worker picks it up)."""
    async with write_transaction(SolverRun._meta.db):
        row = await round_row(round_id)
        if row["problem"] is None:
            raise Conflict(_("the round is not frozen yet"), field="status")
        place = next(((t, m, n) for t, m, n in await _free_places(round_id) if int(t["id"]) == trip_id), None)
        if place is None:
            raise InvalidInput(_("this round has no free place on that trip"), field="trip_id")
        if await SolverRun.exists().where(
            (SolverRun.trip == trip_id)
            & (SolverRun.kind == "replacement")
            & SolverRun.status.is_in(["queued", "running"])
        ):
            raise Conflict(_("a replacement for this trip is being searched already"), field="trip_id")
        problem = await _problem(row, *place)
        warm = await latest_run(round_id, status="succeeded")
        inserted = await SolverRun.insert(
            SolverRun(
                round=round_id,
                kind="replacement",
                trip=trip_id,
                status="queued",
                seed=0,
                workers=1,
                time_limit=min(
                    msgspec.convert(row["settings"], RoundSettings).time_limit_seconds, REPLACEMENT_TIME_LIMIT
                ),
                input_hash=mapping.problem_hash(problem),
                problem=problem,
                warm_from=warm["id"] if warm else None,
                started_by=actor.person_id,
            )
        )
        run_id = int(inserted[0]["id"])
        await audit(actor.person_id, "run.replacement_queued", "run", run_id, round=round_id, trip=trip_id)
        await notify("runs")
    return await get_run(run_id)


async def _problem(
    row: dict[str, Any], trip: dict[str, Any], on_trip: list[dict[str, Any]], missing: int
) -> dict[str, Any]:
    """Just this request, today's free volunteers, the decliners and the round's exclusions forbidden."""
    key = mapping.request_key(int(trip["request"]))
    today = (await snapshot(row)).problem
    entry = mapping.entries_by_id(today, "requests").get(key)
    if trip["status"] in SHORT or entry is None:
        entry = await _entry_from_approval(trip, key)
        if trip["status"] in SHORT:
            entry = {
                **entry,
                "team_size": missing,
                "duration_days": (trip["end"] - trip["start"]).days + 1,
                "windows": [{"start": trip["start"].isoformat(), "end": trip["end"].isoformat(), "preferred": True}],
            }
    problem = {**today, "requests": [entry], "pinned": []}
    if trip["status"] in SHORT:
        problem["rules"] = {**problem["rules"], "start_weekdays": [trip["start"].weekday()]}
        first, last = date.fromisoformat(problem["horizon"]["start"]), date.fromisoformat(problem["horizon"]["end"])
        problem["horizon"] = {
            "start": min(first, trip["start"]).isoformat(),
            "end": max(last, trip["end"]).isoformat(),
        }
    volunteers = mapping.entries_by_id(problem, "volunteers")
    forbidden = {(mapping.volunteer_key(int(m["person"])), key) for m in on_trip}
    for adjustment in await adjustments_of(int(row["id"])):
        if adjustment["kind"] != "pin" and adjustment["request_key"] == key:
            forbidden |= {(v, key) for v in adjustment["volunteer_keys"]}
    problem["forbidden"] = [{"volunteer": v, "request": r} for v, r in sorted(forbidden) if v in volunteers]
    return problem


async def _entry_from_approval(trip: dict[str, Any], key: str) -> dict[str, Any]:
    """The request as the run that made the trip saw it (it is matched, so today's snapshot holds it no more)."""
    run = await SolverRun.select(SolverRun.problem).output(load_json=True).where(SolverRun.id == trip["run"]).first()
    entry = mapping.entries_by_id(run["problem"] if run else {}, "requests").get(key)
    if entry is None:
        raise Conflict(_("the request of this trip is no longer waiting for a visit"), field="trip_id")
    return dict(entry)


async def approve_replacement(actor: SignedIn, run_id: int, data: Approval, *, settings: Settings) -> ApprovalOut:
    """The replacement run's volunteers (or those chosen among its candidates) take the free place, in one
    transaction: they join the trip, or a new trip opens for the request. Booked volunteers refuse it (409)."""
    async with write_transaction(SolverRun._meta.db):
        run = await locked(SolverRun.select().output(load_json=True).where(SolverRun.id == run_id)).first()
        if run is None or run["kind"] != "replacement":
            raise NotFound(_("no replacement run %(run_id)s", run_id=run_id), field="run_id")
        if run["status"] != "succeeded" or not (run["result"] or {}).get("visits"):
            raise Conflict(_("this replacement run proposes nobody; find a replacement again"), field="run_id")
        newest = (await _replacement_runs(int(run["round"]))).get(int(run["trip"]))
        if newest is None or int(newest["id"]) != run_id:
            raise Conflict(_("a newer search for this trip exists; approve that one"), field="run_id")
        claimed = (
            await SolverRun.update({SolverRun.approved_at: _now(), SolverRun.approved_by: actor.person_id})
            .where((SolverRun.id == run_id) & SolverRun.approved_at.is_null())
            .returning(SolverRun.id)
        )
        if not claimed:
            raise Conflict(_("this replacement is approved already"), field="run_id")
        place = next(
            ((t, m, n) for t, m, n in await _free_places(int(run["round"])) if int(t["id"]) == int(run["trip"])), None
        )
        if place is None:
            raise Conflict(_("the trip has no free place any more"), field="run_id")
        trip, _on_trip, missing = place
        visit = run["result"]["visits"][0]
        chosen = data.volunteers or list(visit["volunteers"])
        problem = solver.load_problem(run["problem"])
        (request,) = problem.requests
        start = date.fromisoformat(visit["start"])
        known = {v.id for v in problem.volunteers}
        unknown = [v for v in chosen if v not in known]
        if unknown:
            raise InvalidInput(
                _("%(volunteers)s is not among this search's free volunteers", volunteers=", ".join(unknown)),
                field="volunteers",
            )
        if len(set(chosen)) != missing:
            raise InvalidInput(
                _n(
                    "the trip has %(num)s free place; choose %(num)s volunteer",
                    "the trip has %(num)s free places; choose %(num)s volunteers",
                    missing,
                ),
                field="volunteers",
            )
        broken = visit_problems(problem, request.id, start, chosen)
        if broken:
            raise InvalidInput("; ".join(await in_words(broken)), field="volunteers")
        volunteers = {v.id: v for v in problem.volunteers}
        members = [
            lifecycle.NewMember(mapping.id_of(v), solver.score_member(problem, volunteers[v], request, start))
            for v in chosen
        ]
        if trip["status"] in SHORT:
            await lifecycle.add_members(
                int(trip["id"]), members, settings=settings, actor_id=actor.person_id, run_id=run_id
            )
            trip_ids = [int(trip["id"])]
        else:
            await _check_request_waits(int(trip["request"]))
            trip_ids = [
                await lifecycle.open_trip(
                    request_id=int(trip["request"]),
                    start=start,
                    end=request.last_day(start),
                    members=members,
                    settings=settings,
                    actor_id=actor.person_id,
                    round_id=int(run["round"]),
                    run_id=run_id,
                    score=int(visit.get("score") or 0),
                    gap_days=int(trip["gap_days"]),
                )
            ]
        await audit(actor.person_id, "run.replacement_approved", "run", run_id, trips=trip_ids, volunteers=chosen)
    return ApprovalOut(trips=trip_ids, refused={})


async def _check_request_waits(request_id: int) -> None:
    row = await locked(HostRequest.select(HostRequest.status).where(HostRequest.id == request_id)).first()
    if row is None or row["status"] != "accepted":
        raise Conflict(_("the request is no longer waiting for a visit"), field="run_id")
