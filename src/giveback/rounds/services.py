"""Match rounds: open, freeze, adjust, run, review and approve.

A round's inputs are frozen into a ``giveback-match/1`` problem so that later edits of profiles do not
change a round under review; pins, exclusions and host vetoes are kept beside it and added to the problem
each run solves. Approval turns proposals into trips in one transaction.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

import solver
from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person
from giveback.db.engine import locked, write_transaction
from giveback.db.keyset import Page, SortKey, keyset_page, page_size
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.hosts.tables import HostRequest, OrganizationClaim
from giveback.i18n import _
from giveback.jobs.wake import notify
from giveback.rounds import mapping
from giveback.rounds.schemas import (
    AdjustmentOut,
    BookedOut,
    CapacityOut,
    ChangeOut,
    DateChange,
    DroppedOut,
    MemberOut,
    PairCreate,
    PinCreate,
    ProposalOut,
    ProposalsOut,
    RoundCreate,
    RoundOut,
    RoundSettings,
    RunCreate,
    RunOut,
    UnmatchedOut,
    WithdrawnOut,
)
from giveback.rounds.tables import MatchRound, RoundAdjustment, SolverRun
from giveback.trips import booked
from solver.validate import rule_violations

MAX_PERIOD = timedelta(days=2 * 366)
FINISHED_RUN_STATUSES = ("succeeded", "failed", "cancelled")


def _now() -> datetime:
    return datetime.now(UTC)


def _settings(row: dict[str, Any]) -> RoundSettings:
    return msgspec.convert(row["settings"], RoundSettings)


async def round_row(round_id: int) -> dict[str, Any]:
    row = await MatchRound.select().output(load_json=True).where(MatchRound.id == round_id).first()
    if row is None:
        raise NotFound(_("no round %(round_id)s", round_id=round_id), field="round_id")
    return row


async def adjustments_of(round_id: int) -> list[dict[str, Any]]:
    return list(
        await RoundAdjustment.select()
        .output(load_json=True)
        .where(RoundAdjustment.round == round_id)
        .order_by(RoundAdjustment.id)
    )


def _adjustment_out(row: dict[str, Any]) -> AdjustmentOut:
    return AdjustmentOut(
        id=row["id"],
        kind=row["kind"],
        request=row["request_key"],
        volunteers=list(row["volunteer_keys"]),
        start=row["start"],
        reason=row["reason"],
    )


PROBLEM_KEY = re.compile(r"\b([vr])-(\d+)\b")


def named(text: str, people: dict[int, str], requests: dict[int, dict[str, str]]) -> str:
    """A solver's or rule's message with problem ids (``v-7``, ``r-12``) replaced by names and titles."""

    def name(match: re.Match[str]) -> str:
        record = int(match.group(2))
        if match.group(1) == "v":
            return people.get(record, _("a former volunteer"))
        label = requests.get(record)
        return f"“{label['title']}” ({label['host']})" if label else _("a deleted request")

    return PROBLEM_KEY.sub(name, text)


def _mentioned(texts: list[str], people: dict[int, str], requests: dict[int, dict[str, str]]) -> dict[str, str]:
    """The names of the volunteers and requests the texts mention, by problem id."""
    found: dict[str, str] = {}
    for kind, number in {key for text in texts for key in PROBLEM_KEY.findall(text)}:
        found[f"{kind}-{number}"] = named(f"{kind}-{number}", people, requests)
    return found


async def in_words(texts: list[str]) -> list[str]:
    """Messages with every problem id replaced by the volunteer's name or the request's title and host."""
    keys = [match for text in texts for match in PROBLEM_KEY.findall(text)]
    people = await names_of({int(number) for kind, number in keys if kind == "v"})
    requests = await _request_labels({int(number) for kind, number in keys if kind == "r"})
    return [named(text, people, requests) for text in texts]


async def _freeze_notes(notes: dict[str, Any]) -> tuple[list[BookedOut], list[DroppedOut]]:
    booked_notes = notes.get("booked") or []
    dropped = notes.get("dropped") or []
    people = await names_of(
        {mapping.id_of(b["volunteer"]) for b in booked_notes}
        | {mapping.id_of(v) for d in dropped for v in d["volunteers"]}
    )
    requests = await _request_labels({mapping.id_of(d["request"]) for d in dropped})
    return (
        [
            BookedOut(
                volunteer=b["volunteer"],
                person_id=mapping.id_of(b["volunteer"]),
                name=people.get(mapping.id_of(b["volunteer"]), _("a former volunteer")),
                reasons=[booked.reason_text(r) for r in b["reasons"]],
                left_out=bool(b["left_out"]),
                max_trips=int(b["max_trips"]),
            )
            for b in booked_notes
        ],
        [
            DroppedOut(
                kind=d["kind"],
                request=d["request"],
                title=named(d["request"], people, requests),
                volunteers=list(d["volunteers"]),
                names=[people.get(mapping.id_of(v), _("a former volunteer")) for v in d["volunteers"]],
                start=date.fromisoformat(d["start"]) if d["start"] else None,
                reason=mapping.dropped_reason(d["reason"], lambda text: named(text, people, requests)),
            )
            for d in dropped
        ],
    )


async def round_out(round_id: int) -> RoundOut:
    row = await round_row(round_id)
    problem = row["problem"] or {}
    booked, dropped = await _freeze_notes(row["freeze_notes"] or {})
    return RoundOut(
        id=row["id"],
        name=row["name"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        status=row["status"],
        settings=_settings(row),
        problem_hash=row["problem_hash"],
        frozen_at=row["frozen_at"],
        volunteers=len(problem.get("volunteers", [])),
        requests=len(problem.get("requests", [])),
        adjustments=[_adjustment_out(a) for a in await adjustments_of(round_id)],
        booked=booked,
        dropped=dropped,
    )


async def list_rounds() -> list[RoundOut]:
    rows = await MatchRound.select(MatchRound.id).order_by(MatchRound.id, ascending=False)
    return [await round_out(row["id"]) for row in rows]


async def round_page(*, cursor: str | None = None, limit: int | None = None) -> Page[RoundOut]:
    """One page of the rounds, the newest first."""
    rows, next_cursor = await keyset_page(
        MatchRound.select(MatchRound.id),
        key=SortKey.column(MatchRound.id, int),
        id_column=MatchRound.id,
        descending=True,
        cursor=cursor,
        limit=page_size(limit),
    )
    return Page(items=[await round_out(row["id"]) for row in rows], next_cursor=next_cursor)


async def create_round(actor: SignedIn, data: RoundCreate) -> RoundOut:
    """Open a round for a travel period with its settings (start weekdays, gap, weights, time limit)."""
    if data.period_end < data.period_start:
        raise InvalidInput(_("the period ends before it starts"), field="period_end")
    if data.period_end - data.period_start > MAX_PERIOD:
        raise InvalidInput(_("a round covers at most two years"), field="period_end")
    async with write_transaction(MatchRound._meta.db):
        row = await MatchRound.insert(
            MatchRound(
                name=data.name.strip(),
                period_start=data.period_start,
                period_end=data.period_end,
                settings=msgspec.to_builtins(data.settings),
                created_by=actor.person_id,
            )
        )
        round_id = int(row[0]["id"])
        await audit(actor.person_id, "round.opened", "round", round_id, name=data.name)
    return await round_out(round_id)


async def _frozen_round(round_id: int) -> dict[str, Any]:
    row = await round_row(round_id)
    if row["status"] != "frozen" or row["problem"] is None:
        raise Conflict(_("the round is %(status)s; freeze it first", status=row["status"]), field="status")
    return row


def _loaded(problem: dict[str, Any]) -> solver.Problem:
    """A stored problem as the solver reads it; one that cannot be read is a Conflict saying so (never a 500)."""
    try:
        return solver.load_problem(problem)
    except solver.ProblemError as error:
        raise Conflict(
            _("the round's problem cannot be read as stored (%(error)s); freeze the round again", error=str(error)),
            field="round_id",
        ) from None


def _check_keys(problem: dict[str, Any], request: str, volunteers: list[str]) -> None:
    if request not in mapping.entries_by_id(problem, "requests"):
        raise InvalidInput(_("%(request)s is not a request of this round", request=request), field="request")
    known = mapping.entries_by_id(problem, "volunteers")
    for volunteer in volunteers:
        if volunteer not in known:
            raise InvalidInput(
                _("%(volunteer)s is not a volunteer of this round", volunteer=volunteer), field="volunteers"
            )


def visit_problems(loaded: solver.Problem, request: str, start: date, volunteers: list[str]) -> list[str]:
    """Rules 1–6 broken by one visit in this problem, as messages."""
    request_entry = next(r for r in loaded.requests if r.id == request)
    visit = solver.Visit(request, start, request_entry.last_day(start), tuple(volunteers))
    if len(set(volunteers)) != request_entry.team_size:
        return [f"{request} needs a team of {request_entry.team_size}, not {len(set(volunteers))}"]
    forbidden = {(f.volunteer, f.request) for f in loaded.forbidden}
    problems = [f"{v} is excluded from {request}" for v in volunteers if (v, request) in forbidden]
    return problems + [str(v) for v in rule_violations(loaded, [visit])]


async def add_pin(actor: SignedIn, round_id: int, data: PinCreate) -> AdjustmentOut:
    """Fix a visit for the next runs; it is checked against rules 1–6 at once."""
    async with write_transaction(MatchRound._meta.db):
        row = await _frozen_round(round_id)
        _check_keys(row["problem"], data.request, data.volunteers)
        problem = mapping.with_adjustments(row["problem"], await adjustments_of(round_id))
        if any(pin["request"] == data.request for pin in problem["pinned"]):
            raise Conflict(
                _("%(request)s is pinned already; remove that pin first", request=data.request), field="request"
            )
        broken = visit_problems(_loaded(problem), data.request, data.start, data.volunteers)
        if broken:
            raise InvalidInput("; ".join(broken), field="start")
        return await _add_adjustment(actor, round_id, "pin", data.request, data.volunteers, data.start, "")


async def _add_adjustment(
    actor: SignedIn, round_id: int, kind: str, request: str, volunteers: list[str], start: date | None, reason: str
) -> AdjustmentOut:
    row = await RoundAdjustment.insert(
        RoundAdjustment(
            round=round_id,
            kind=kind,
            request_key=request,
            volunteer_keys=volunteers,
            start=start,
            reason=reason,
            created_by=actor.person_id,
        )
    )
    adjustment_id = int(row[0]["id"])
    await audit(actor.person_id, f"round.{kind}", "round", round_id, request=request, volunteers=volunteers)
    stored = await RoundAdjustment.select().output(load_json=True).where(RoundAdjustment.id == adjustment_id).first()
    assert stored is not None
    return _adjustment_out(stored)


async def exclude_pair(actor: SignedIn, round_id: int, data: PairCreate) -> AdjustmentOut:
    """A coordinator forbids a volunteer–request pair for the next runs."""
    async with write_transaction(MatchRound._meta.db):
        row = await _frozen_round(round_id)
        _check_keys(row["problem"], data.request, [data.volunteer])
        return await _add_adjustment(actor, round_id, "exclude", data.request, [data.volunteer], None, data.reason)


async def _is_contact_of_request(person_id: int, request_id: int) -> bool:
    request = await HostRequest.select(HostRequest.organization).where(HostRequest.id == request_id).first()
    if request is None:
        return False
    return await OrganizationClaim.exists().where(
        (OrganizationClaim.person == person_id)
        & (OrganizationClaim.organization == request["organization"])
        & (OrganizationClaim.status == "approved")
    )


async def veto(actor: SignedIn, round_id: int, data: PairCreate) -> AdjustmentOut:
    """A host contact refuses a proposed volunteer for their request, with a reason; the next runs forbid the pair."""
    if not data.reason.strip():
        raise InvalidInput(_("say why the volunteer is vetoed"), field="reason")
    async with write_transaction(MatchRound._meta.db):
        row = await _frozen_round(round_id)
        _check_keys(row["problem"], data.request, [data.volunteer])
        if not await _is_contact_of_request(actor.person_id, mapping.id_of(data.request)):
            raise NotFound(
                _("%(request)s is not a request of your organizations", request=data.request), field="request"
            )
        return await _add_adjustment(actor, round_id, "veto", data.request, [data.volunteer], None, data.reason)


async def remove_adjustment(actor: SignedIn, round_id: int, adjustment_id: int) -> None:
    async with write_transaction(MatchRound._meta.db):
        row = (
            await RoundAdjustment.select()
            .output(load_json=True)
            .where((RoundAdjustment.id == adjustment_id) & (RoundAdjustment.round == round_id))
            .first()
        )
        if row is None:
            raise NotFound(
                _(
                    "no adjustment %(adjustment_id)s in round %(round_id)s",
                    adjustment_id=adjustment_id,
                    round_id=round_id,
                ),
                field="adjustment_id",
            )
        await RoundAdjustment.delete().where(RoundAdjustment.id == adjustment_id)
        await audit(actor.person_id, "round.adjustment_removed", "round", round_id, kind=row["kind"])


async def change_date(actor: SignedIn, round_id: int, data: DateChange) -> AdjustmentOut:
    """Move a proposed visit to another start day within the windows; it is checked at once and pinned."""
    run = await latest_run(round_id, status="succeeded")
    if run is None:
        raise Conflict(_("no finished run to take the visit from"), field="request")
    visit = next((v for v in (run["result"] or {}).get("visits", []) if v["request"] == data.request), None)
    if visit is None:
        raise InvalidInput(_("the last run proposes no visit to %(request)s", request=data.request), field="request")
    return await add_pin(actor, round_id, PinCreate(data.request, data.start, list(visit["volunteers"])))


async def latest_run(round_id: int, *, status: str | None = None) -> dict[str, Any] | None:
    query = (
        SolverRun.select()
        .output(load_json=True)
        .where((SolverRun.round == round_id) & (SolverRun.kind == "round"))
        .order_by(SolverRun.id, ascending=False)
    )
    if status:
        query = query.where(SolverRun.status == status)
    return await query.first()


def run_out(row: dict[str, Any]) -> RunOut:
    objective, bound = row["objective"], row["bound"]
    gap = None
    if objective is not None and bound:
        gap = round(100.0 * (bound - objective) / bound, 3)
    return RunOut(
        id=row["id"],
        round_id=row["round"],
        status=row["status"],
        seed=row["seed"],
        workers=row["workers"],
        time_limit=row["time_limit"],
        input_hash=row["input_hash"],
        warm_from=row["warm_from"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        elapsed_seconds=row["elapsed_seconds"],
        objective=objective,
        bound=bound,
        gap_percent=gap,
        solver_status=row["solver_status"],
        error=row["error"],
        approved_at=row["approved_at"],
        kind=row["kind"],
        trip_id=row["trip"],
    )


async def _run_row(run_id: int) -> dict[str, Any]:
    row = await SolverRun.select().output(load_json=True).where(SolverRun.id == run_id).first()
    if row is None:
        raise NotFound(_("no run %(run_id)s", run_id=run_id), field="run_id")
    return row


async def get_run(run_id: int) -> RunOut:
    return run_out(await _run_row(run_id))


async def list_runs(round_id: int) -> list[RunOut]:
    await round_row(round_id)
    rows = (
        await SolverRun.select()
        .output(load_json=True)
        .where((SolverRun.round == round_id) & (SolverRun.kind == "round"))
        .order_by(SolverRun.id, ascending=False)
    )
    return [run_out(row) for row in rows]


async def run_page(round_id: int, *, cursor: str | None = None, limit: int | None = None) -> Page[RunOut]:
    """One page of the round's runs, the newest first."""
    await round_row(round_id)
    rows, next_cursor = await keyset_page(
        SolverRun.select(*SolverRun.all_columns())
        .output(load_json=True)
        .where((SolverRun.round == round_id) & (SolverRun.kind == "round")),
        key=SortKey.column(SolverRun.id, int),
        id_column=SolverRun.id,
        descending=True,
        cursor=cursor,
        limit=page_size(limit),
    )
    return Page(items=[run_out(row) for row in rows], next_cursor=next_cursor)


async def run_problem(round_id: int) -> dict[str, Any]:
    """The problem the next run of the round solves: the frozen snapshot plus pins, exclusions and vetoes."""
    row = await _frozen_round(round_id)
    return mapping.with_adjustments(row["problem"], await adjustments_of(round_id))


async def start_run(actor: SignedIn, round_id: int, data: RunCreate) -> RunOut:
    """Queue a solve of the round; a worker picks it up. Warm-started from the round's last finished run."""
    async with write_transaction(MatchRound._meta.db):
        row = await _frozen_round(round_id)
        await locked(MatchRound.select(MatchRound.id).where(MatchRound.id == round_id)).first()
        if await SolverRun.exists().where(
            (SolverRun.round == round_id) & (SolverRun.kind == "round") & SolverRun.status.is_in(["queued", "running"])
        ):
            raise Conflict(_("a run of this round is queued or running; wait for it or cancel it"), field="round_id")
        problem = mapping.with_adjustments(row["problem"], await adjustments_of(round_id))
        try:
            solver.load_problem(problem)
        except solver.ProblemError as error:
            raise Conflict(
                _(
                    "the round's problem cannot be solved as stored (%(error)s); freeze the round again",
                    error=str(error),
                ),
                field="round_id",
            ) from None
        previous = await latest_run(round_id, status="succeeded") if data.warm_start else None
        inserted = await SolverRun.insert(
            SolverRun(
                round=round_id,
                status="queued",
                seed=data.seed,
                workers=data.workers,
                time_limit=_settings(row).time_limit_seconds,
                input_hash=mapping.problem_hash(problem),
                problem=problem,
                warm_from=previous["id"] if previous else None,
                started_by=actor.person_id,
            )
        )
        run_id = int(inserted[0]["id"])
        await audit(actor.person_id, "run.queued", "run", run_id, round=round_id)
        await notify("runs")
    return await get_run(run_id)


async def cancel_run(actor: SignedIn, run_id: int) -> RunOut:
    """Ask the worker to stop a run; a queued run is cancelled at once."""
    async with write_transaction(SolverRun._meta.db):
        row = await locked(SolverRun.select().output(load_json=True).where(SolverRun.id == run_id)).first()
        if row is None:
            raise NotFound(_("no run %(run_id)s", run_id=run_id), field="run_id")
        if row["status"] == "queued":
            await SolverRun.update(
                {
                    SolverRun.status: "cancelled",
                    SolverRun.finished_at: _now(),
                    SolverRun.error: "cancelled before it started",
                }
            ).where(SolverRun.id == run_id)
        elif row["status"] == "running":
            await SolverRun.update({SolverRun.cancel_requested: True}).where(SolverRun.id == run_id)
        else:
            raise Conflict(_("the run is %(status)s already", status=row["status"]), field="status")
        await audit(actor.person_id, "run.cancel_requested", "run", run_id)
    return await get_run(run_id)


async def names_of(person_ids: set[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = await Person.select(Person.id, Person.name).where(Person.id.is_in(sorted(person_ids)))
    return {row["id"]: row["name"] for row in rows}


async def _request_labels(request_ids: set[int]) -> dict[int, dict[str, str]]:
    if not request_ids:
        return {}
    rows = await HostRequest.select(
        HostRequest.id, HostRequest.title, HostRequest.organization.name, HostRequest.organization.short_name
    ).where(HostRequest.id.is_in(sorted(request_ids)))
    return {
        row["id"]: {
            "title": row["title"],
            "host": row["organization.short_name"] or row["organization.name"],
        }
        for row in rows
    }


async def _viewable_request_ids(viewer: SignedIn) -> set[int] | None:
    """None for coordinators (everything); for a host contact, their organizations' requests."""
    if viewer.has("coordinator"):
        return None
    if not viewer.has("host"):
        raise PermissionDenied(_("volunteers see visits once they are approved"), field="role")
    organizations = OrganizationClaim.select(OrganizationClaim.organization).where(
        (OrganizationClaim.person == viewer.person_id) & (OrganizationClaim.status == "approved")
    )
    rows = await HostRequest.select(HostRequest.id).where(HostRequest.organization.is_in(organizations))
    return {row["id"] for row in rows}


def compare_runs(previous: dict[str, Any] | None, current: dict[str, Any]) -> ChangeOut | None:
    """Visits added, dropped, moved to other dates, or given other volunteers, against the previous run."""
    if previous is None:
        return None
    before = {v["request"]: v for v in previous.get("visits", [])}
    after = {v["request"]: v for v in current.get("visits", [])}
    common = before.keys() & after.keys()
    return ChangeOut(
        added=sorted(after.keys() - before.keys()),
        dropped=sorted(before.keys() - after.keys()),
        moved=sorted(r for r in common if before[r]["start"] != after[r]["start"]),
        restaffed=sorted(r for r in common if sorted(before[r]["volunteers"]) != sorted(after[r]["volunteers"])),
    )


async def proposals(viewer: SignedIn, run_id: int) -> ProposalsOut:
    """The run's proposals with each member's score by term, the unmatched requests with their reasons,
    and each volunteer's unused capacity. Host contacts see only their own requests' proposals."""
    row = await _run_row(run_id)
    visible = await _viewable_request_ids(viewer)
    result = row["result"] or {"visits": [], "unmatched": []}
    if row["status"] != "succeeded":
        return ProposalsOut(run=run_out(row), proposals=[], unmatched=[], capacity=[], changes=None)
    problem = _loaded(row["problem"])
    gone = [] if row["approved_at"] else await _no_longer_waiting([v["request"] for v in result["visits"]])
    result = {**result, "visits": [v for v in result["visits"] if v["request"] not in {g.request for g in gone}]}
    requests = {r.id: r for r in problem.requests}
    volunteers = {v.id: v for v in problem.volunteers}
    pinned = {pin.request for pin in problem.pinned}
    adjustments = await adjustments_of(row["round"])
    vetoes: dict[str, list[str]] = {}
    for adjustment in adjustments:
        if adjustment["kind"] == "veto":
            vetoes.setdefault(adjustment["request_key"], []).extend(adjustment["volunteer_keys"])
    keys = [v["request"] for v in result["visits"]] + [u["request"] for u in result["unmatched"]]
    labels = await _request_labels({mapping.id_of(k) for k in keys})
    names = await names_of({mapping.id_of(v.id) for v in problem.volunteers})
    proposed_count: dict[str, int] = {}
    shown: list[ProposalOut] = []
    for visit in result["visits"]:
        request = requests[visit["request"]]
        start = date.fromisoformat(visit["start"])
        for member in visit["volunteers"]:
            proposed_count[member] = proposed_count.get(member, 0) + 1
        if visible is not None and mapping.id_of(request.id) not in visible:
            continue
        members = []
        for member in visit["volunteers"]:
            breakdown = solver.score_member(problem, volunteers[member], request, start)
            members.append(
                MemberOut(
                    volunteer=member,
                    person_id=mapping.id_of(member),
                    name=names.get(mapping.id_of(member), member),
                    score=breakdown,
                    total=sum(breakdown.values()),
                    fits=mapping.pair_fits(volunteers[member], request, start),
                )
            )
        label = labels.get(mapping.id_of(request.id), {"title": request.id, "host": request.host})
        shown.append(
            ProposalOut(
                request=request.id,
                request_id=mapping.id_of(request.id),
                title=label["title"],
                host=label["host"],
                country=request.country,
                region=request.region,
                topics=sorted(request.needs),
                start=start,
                end=date.fromisoformat(visit["end"]),
                score=int(visit.get("score") or 0),
                members=members,
                pinned=request.id in pinned,
                vetoes=vetoes.get(request.id, []),
                breakdown=solver.score_visit(
                    problem, request, start, [volunteers[member] for member in visit["volunteers"]]
                ),
                vetoed_names=[names.get(mapping.id_of(v), _("a former volunteer")) for v in vetoes.get(request.id, [])],
            )
        )
    unmatched_shown = [u for u in result["unmatched"] if visible is None or mapping.id_of(u["request"]) in visible]
    mentioned = {key for u in unmatched_shown for reason in u["reasons"] for key in PROBLEM_KEY.findall(reason)}
    mentioned_requests = await _request_labels({int(number) for kind, number in mentioned if kind == "r"})
    mentioned_people = await names_of({int(number) for kind, number in mentioned if kind == "v"})
    unmatched = [
        UnmatchedOut(
            request=u["request"],
            request_id=mapping.id_of(u["request"]),
            title=labels.get(mapping.id_of(u["request"]), {}).get("title", u["request"]),
            host=labels.get(mapping.id_of(u["request"]), {}).get("host", ""),
            reasons=list(u["reasons"]),
            people=_mentioned(u["reasons"], mentioned_people, mentioned_requests),
        )
        for u in unmatched_shown
    ]
    capacity = (
        [
            CapacityOut(
                volunteer=v.id,
                person_id=mapping.id_of(v.id),
                name=names.get(mapping.id_of(v.id), v.id),
                proposed=proposed_count.get(v.id, 0),
                max_trips=v.max_trips,
            )
            for v in problem.volunteers
        ]
        if visible is None
        else []
    )
    previous = (
        await SolverRun.select(SolverRun.result)
        .output(load_json=True)
        .where(
            (SolverRun.round == row["round"])
            & (SolverRun.kind == row["kind"])
            & (SolverRun.id < run_id)
            & (SolverRun.status == "succeeded")
        )
        .order_by(SolverRun.id, ascending=False)
        .first()
    )
    changes = compare_runs(previous["result"] if previous else None, result) if visible is None else None
    if visible is not None:
        gone = [g for g in gone if g.request_id in visible]
    return ProposalsOut(
        run=run_out(row), proposals=shown, unmatched=unmatched, capacity=capacity, changes=changes, withdrawn=gone
    )


async def _no_longer_waiting(request_keys: list[str]) -> list[WithdrawnOut]:
    """The proposals' requests that stopped waiting for a visit since the run (withdrawn, declined, deleted)."""
    ids = {mapping.id_of(key) for key in request_keys}
    if not ids:
        return []
    rows = await HostRequest.select(
        HostRequest.id, HostRequest.status, HostRequest.title, HostRequest.organization.name.as_alias("host")
    ).where(HostRequest.id.is_in(sorted(ids)))
    found = {int(r["id"]): r for r in rows}
    why = {"draft": _("its host withdrew it"), "declined": _("it was declined"), "matched": _("it has a trip now")}
    gone = []
    for key in request_keys:
        request = found.get(mapping.id_of(key))
        if request is not None and request["status"] == "accepted":
            continue
        gone.append(
            WithdrawnOut(
                request=key,
                request_id=mapping.id_of(key),
                title=request["title"] if request else _("a deleted request"),
                host=(request["host"] or "") if request else "",
                reason=why.get(request["status"], _("it is no longer waiting for a visit"))
                if request
                else _("it was deleted"),
            )
        )
    return gone


async def proposals_for_host(viewer: SignedIn) -> list[tuple[RoundOut, ProposalsOut]]:
    """For each frozen round, its latest finished run's proposals for the host contact's own requests."""
    shown = []
    for round_row in (
        await MatchRound.select(MatchRound.id).where(MatchRound.status == "frozen").order_by(MatchRound.id)
    ):
        run = await latest_run(round_row["id"])
        if run is None or run["status"] != "succeeded" or run["approved_at"] is not None:
            continue
        review = await proposals(viewer, run["id"])
        if review.proposals:
            shown.append((await round_out(round_row["id"]), review))
    return shown


async def export_problem(round_id: int) -> dict[str, Any]:
    """The round's problem as the next run would solve it, to solve or audit elsewhere."""
    return await run_problem(round_id)


async def import_result(actor: SignedIn | None, round_id: int, data: Any) -> RunOut:
    """Record a result solved elsewhere as a finished run, after checking it against every rule."""
    try:
        result = solver.load_result(data)
    except solver.ProblemError as problem:
        raise InvalidInput(problem.message, field=problem.path or "result") from None
    problem_json = await run_problem(round_id)
    expected_hash = mapping.problem_hash(problem_json)
    stated_hash = (result.stats or {}).get("problem_hash")
    if stated_hash and stated_hash != expected_hash:
        raise InvalidInput(
            _(
                "the result was solved for problem %(value)s…, not this round's %(value2)s…",
                value=stated_hash[:12],
                value2=expected_hash[:12],
            ),
            field="stats.problem_hash",
        )
    violations = solver.validate(_loaded(problem_json), result)
    if violations:
        raise InvalidInput("; ".join(str(v) for v in violations[:5]), field="visits")
    async with write_transaction(SolverRun._meta.db):
        moment = _now()
        inserted = await SolverRun.insert(
            SolverRun(
                round=round_id,
                status="succeeded",
                input_hash=expected_hash,
                problem=problem_json,
                started_by=actor.person_id if actor else None,
                started_at=moment,
                finished_at=moment,
                objective=result.objective,
                bound=result.bound,
                solver_status=result.status,
                result=solver.result_to_json(result),
                worker="imported",
                time_limit=0.0,
            )
        )
        run_id = int(inserted[0]["id"])
        await audit(actor.person_id if actor else None, "run.imported", "run", run_id, round=round_id)
    return await get_run(run_id)
