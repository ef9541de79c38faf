"""Match-round endpoints: the coordinator's API and pages, and the host contact's proposals and vetoes."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect, Template

from giveback.accounts.sessions import SignedIn
from giveback.errors import DomainError
from giveback.i18n import _
from giveback.rounds import approval, freezing, replacements, services
from giveback.rounds.schemas import (
    AdjustmentOut,
    Approval,
    ApprovalOut,
    ChangedSinceFreeze,
    DateChange,
    PairCreate,
    PinCreate,
    PlaceOut,
    ProposalOut,
    ProposalsOut,
    ReplacementCreate,
    RoundCreate,
    RoundOut,
    RoundSettings,
    RunCreate,
    RunOut,
)
from giveback.settings import Settings
from giveback.web.auth import requires, signed_in_user
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.openapi import PathId
from giveback.web.pagination import PageCursor, PageLimit, with_next_link
from giveback.web.tables import Column, SortableTable, Sorted, chosen

COORDINATORS = requires("coordinator")
REVIEWERS = requires("coordinator", "host")
ROUND_STATUSES = ("open", "frozen")
ROUNDS = SortableTable(
    Column("name"),
    Column("period", "date", lambda r: r.period_start),
    Column("status"),
    Column("volunteers", "number", lambda r: r.volunteers if r.frozen_at else None),
    Column("requests", "number", lambda r: r.requests if r.frozen_at else None),
    default="-period",
)
PROPOSALS = SortableTable(
    Column("request", "number", lambda p: p.request_id),
    Column("host"),
    Column("start", "date"),
    Column("score", "number"),
    default="start",
    page_rows=None,  # reviewed and approved as a whole
)
UNMATCHED = SortableTable(
    Column("request", "number", lambda u: u.request_id),
    Column("host"),
    param="unmatched_sort",
    page_rows=None,
)
CAPACITY = SortableTable(
    Column("name"),
    Column("proposed", "number"),
    Column("unused", "number", lambda c: c.max_trips - c.proposed),
    default="name",
    param="capacity_sort",
    page_rows=None,
)
CAPACITY_USES = {
    "unused": lambda c: c.max_trips > c.proposed,
    "proposed": lambda c: c.proposed > 0,
    "idle": lambda c: c.proposed == 0,
}
HOST_PROPOSALS = SortableTable(Column("title"), Column("start", "date"), default="start", page_rows=None)


class RoundApi(Controller):
    path = "/api/rounds"
    tags = ["rounds"]
    guards = [COORDINATORS]

    @get("/", summary="List match rounds, the newest first")
    async def index(
        self, request: Request[Any, Any, Any], cursor: PageCursor = None, limit: PageLimit = None
    ) -> Response[list[RoundOut]]:
        found = await services.round_page(cursor=cursor, limit=limit)
        return with_next_link(request, found.items, found.next_cursor)

    @post("/", summary="Open a round for a travel period")
    async def create(self, data: JSONBody[RoundCreate], request: Request[Any, Any, Any]) -> RoundOut:
        return await services.create_round(signed_in_user(request), data)

    @get("/{round_id:int}", summary="A round with its settings and adjustments")
    async def show(self, round_id: PathId) -> RoundOut:
        return await services.round_out(round_id)

    @post("/{round_id:int}/freeze", summary="Snapshot the round's inputs (again)")
    async def freeze(self, round_id: PathId, request: Request[Any, Any, Any]) -> RoundOut:
        return await freezing.freeze_round(signed_in_user(request), round_id)

    @get("/{round_id:int}/changes", summary="Volunteers and requests changed since the freeze")
    async def changes(self, round_id: PathId) -> ChangedSinceFreeze:
        return await freezing.changes_since_freeze(round_id)

    @get("/{round_id:int}/problem", summary="The problem the next run solves (giveback-match/1)")
    async def problem(self, round_id: PathId) -> dict[str, Any]:
        return await services.export_problem(round_id)

    @post("/{round_id:int}/pins", summary="Pin a visit (checked against the rules at once)")
    async def pin(self, round_id: PathId, data: JSONBody[PinCreate], request: Request[Any, Any, Any]) -> AdjustmentOut:
        return await services.add_pin(signed_in_user(request), round_id, data)

    @post("/{round_id:int}/date-changes", summary="Move a proposed visit to another start day (becomes a pin)")
    async def change_date(
        self, round_id: PathId, data: JSONBody[DateChange], request: Request[Any, Any, Any]
    ) -> AdjustmentOut:
        return await services.change_date(signed_in_user(request), round_id, data)

    @post("/{round_id:int}/exclusions", summary="Forbid a volunteer–request pair")
    async def exclude(
        self, round_id: PathId, data: JSONBody[PairCreate], request: Request[Any, Any, Any]
    ) -> AdjustmentOut:
        return await services.exclude_pair(signed_in_user(request), round_id, data)

    @delete("/{round_id:int}/adjustments/{adjustment_id:int}", summary="Remove a pin, exclusion or veto")
    async def remove_adjustment(self, round_id: PathId, adjustment_id: PathId, request: Request[Any, Any, Any]) -> None:
        await services.remove_adjustment(signed_in_user(request), round_id, adjustment_id)

    @get("/{round_id:int}/runs", summary="The round's runs, newest first")
    async def runs(
        self, round_id: PathId, request: Request[Any, Any, Any], cursor: PageCursor = None, limit: PageLimit = None
    ) -> Response[list[RunOut]]:
        found = await services.run_page(round_id, cursor=cursor, limit=limit)
        return with_next_link(request, found.items, found.next_cursor)

    @post("/{round_id:int}/runs", summary="Queue a solver run (warm-started from the last one)")
    async def run(self, round_id: PathId, data: JSONBody[RunCreate], request: Request[Any, Any, Any]) -> RunOut:
        return await services.start_run(signed_in_user(request), round_id, data)

    @get("/{round_id:int}/places", summary="Free places after declines, with the search for a replacement")
    async def places(self, round_id: PathId) -> list[PlaceOut]:
        return await replacements.open_places(round_id)

    @post("/{round_id:int}/replacements", summary="Search the best free volunteers for one trip's free place")
    async def replace(
        self, round_id: PathId, data: JSONBody[ReplacementCreate], request: Request[Any, Any, Any]
    ) -> RunOut:
        return await replacements.find_replacement(signed_in_user(request), round_id, data.trip_id)

    @post("/{round_id:int}/results", summary="Import a result solved elsewhere (checked against every rule)")
    async def import_result(
        self, round_id: PathId, data: JSONBody[dict[str, Any]], request: Request[Any, Any, Any]
    ) -> RunOut:
        return await services.import_result(signed_in_user(request), round_id, data)


class VetoApi(Controller):
    path = "/api/rounds"
    tags = ["rounds"]
    guards = [requires("host")]

    @post("/{round_id:int}/vetoes", summary="A host contact vetoes a proposed volunteer, with a reason")
    async def veto(
        self, round_id: PathId, data: JSONBody[PairCreate], request: Request[Any, Any, Any]
    ) -> AdjustmentOut:
        return await services.veto(signed_in_user(request), round_id, data)


class RunApi(Controller):
    path = "/api/runs"
    tags = ["rounds"]

    @get("/{run_id:int}", guards=[COORDINATORS], summary="A run's status and live progress")
    async def show(self, run_id: PathId) -> RunOut:
        return await services.get_run(run_id)

    @post("/{run_id:int}/cancel", guards=[COORDINATORS], status_code=200, summary="Cancel a queued or running run")
    async def cancel(self, run_id: PathId, request: Request[Any, Any, Any]) -> RunOut:
        return await services.cancel_run(signed_in_user(request), run_id)

    @get("/{run_id:int}/proposals", guards=[REVIEWERS], summary="Proposals (host contacts: their own requests)")
    async def proposals(self, run_id: PathId, request: Request[Any, Any, Any]) -> ProposalsOut:
        return await services.proposals(signed_in_user(request), run_id)

    @post("/{run_id:int}/approve", guards=[COORDINATORS], summary="Approve all proposals or a selection")
    async def approve(
        self,
        run_id: PathId,
        data: JSONBody[Approval],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> ApprovalOut:
        return await approval.approve(signed_in_user(request), run_id, data, settings=settings)


class RoundPages(Controller):
    path = "/coordinator/rounds"
    include_in_schema = False
    guards = [COORDINATORS]

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return await _rounds_page(request)

    @post("/")
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form(), lists=("start_weekdays",))
        try:
            # Parsed, not constructed: a constructed struct skips the bounds (time limit, gap, weekdays).
            settings = parse(
                RoundSettings,
                {
                    "start_weekdays": [int(day) for day in fields.get("start_weekdays") or ["0"]],
                    "min_gap_days": int(fields.get("min_gap_days") or 14),
                    "time_limit_seconds": float(fields.get("time_limit_seconds") or 10),
                },
            )
            data = parse(
                RoundCreate,
                {
                    "name": fields.get("name", ""),
                    "period_start": fields.get("period_start", ""),
                    "period_end": fields.get("period_end", ""),
                    "settings": settings,
                },
            )
            created = await services.create_round(signed_in_user(request), data)
        except ValueError:
            problem = FormInvalid({"min_gap_days": _("give whole numbers of days and seconds")})
            return await _rounds_page(request, problem=problem, values=fields)
        except (FormInvalid, DomainError) as problem:
            return await _rounds_page(request, problem=problem, values=fields)
        return redirect(f"/coordinator/rounds/{created.id}")

    @get("/{round_id:int}")
    async def show(
        self,
        round_id: PathId,
        request: Request[Any, Any, Any],
        region: FromQuery[str] = "",
        topic: FromQuery[str] = "",
        status: FromQuery[str] = "",
    ) -> Template:
        return await _round_page(
            signed_in_user(request), round_id, region=region, topic=topic, status=status, query=request.query_params
        )

    @post("/{round_id:int}/freeze")
    async def freeze(self, round_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        return await _act(request, round_id, freezing.freeze_round(signed_in_user(request), round_id))

    @post("/{round_id:int}/runs")
    async def run(self, round_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form())
        data = RunCreate(seed=int(fields.get("seed") or 0) if str(fields.get("seed") or "0").isdigit() else 0)
        return await _act(request, round_id, services.start_run(signed_in_user(request), round_id, data))

    @post("/{round_id:int}/runs/{run_id:int}/cancel")
    async def cancel(self, round_id: PathId, run_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        return await _act(request, round_id, services.cancel_run(signed_in_user(request), run_id))

    @post("/{round_id:int}/pins")
    async def pin(self, round_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form(), lists=("volunteers",))
        try:
            data = parse(PinCreate, fields)
        except FormInvalid as problem:
            return await _round_page(signed_in_user(request), round_id, problem=problem)
        return await _act(request, round_id, services.add_pin(signed_in_user(request), round_id, data))

    @post("/{round_id:int}/date-changes")
    async def change_date(self, round_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form())
        try:
            data = parse(DateChange, fields)
        except FormInvalid as problem:
            return await _round_page(signed_in_user(request), round_id, problem=problem)
        return await _act(request, round_id, services.change_date(signed_in_user(request), round_id, data))

    @post("/{round_id:int}/exclusions")
    async def exclude(self, round_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form())
        try:
            data = parse(PairCreate, fields)
        except FormInvalid as problem:
            return await _round_page(signed_in_user(request), round_id, problem=problem)
        return await _act(request, round_id, services.exclude_pair(signed_in_user(request), round_id, data))

    @post("/{round_id:int}/adjustments/{adjustment_id:int}/remove")
    async def remove(
        self, round_id: PathId, adjustment_id: PathId, request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        return await _act(
            request, round_id, services.remove_adjustment(signed_in_user(request), round_id, adjustment_id)
        )

    @post("/{round_id:int}/replacements")
    async def replace(self, round_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form())
        try:
            data = parse(ReplacementCreate, fields)
        except FormInvalid as problem:
            return await _round_page(signed_in_user(request), round_id, problem=problem)
        return await _act(
            request, round_id, replacements.find_replacement(signed_in_user(request), round_id, data.trip_id)
        )

    @post("/{round_id:int}/replacements/{run_id:int}/approve")
    async def approve_replacement(
        self,
        round_id: PathId,
        run_id: PathId,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        fields = form_fields(await request.form(), lists=("volunteers",))
        try:
            outcome = await approval.approve(
                signed_in_user(request),
                run_id,
                Approval(volunteers=fields.get("volunteers") or None),
                settings=settings,
                round_id=round_id,
            )
        except DomainError as problem:
            return await _round_page(signed_in_user(request), round_id, problem=problem)
        return await _round_page(signed_in_user(request), round_id, approval=outcome)

    @post("/{round_id:int}/runs/{run_id:int}/approve")
    async def approve(
        self,
        round_id: PathId,
        run_id: PathId,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        fields = form_fields(await request.form(), lists=("requests",))
        selection = fields.get("requests") or None
        try:
            outcome = await approval.approve(
                signed_in_user(request), run_id, Approval(requests=selection), settings=settings, round_id=round_id
            )
        except DomainError as problem:
            return await _round_page(signed_in_user(request), round_id, problem=problem)
        return await _round_page(signed_in_user(request), round_id, approval=outcome)


class HostProposalPages(Controller):
    """Host contacts review the proposed volunteers for their requests, and veto one with a reason."""

    path = "/host/proposals"
    include_in_schema = False
    guards = [requires("host")]

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return page("rounds/host_proposals.html", rounds=await _host_rounds(request), failed=None)

    @post("/{round_id:int}/vetoes")
    async def veto(self, round_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            await services.veto(user, round_id, parse(PairCreate, fields))
        except (FormInvalid, DomainError) as problem:
            # The reason's message stands next to the field of the proposal and volunteer it was about.
            failed = (round_id, fields.get("request"), fields.get("volunteer"))
            return form_error_page(
                "rounds/host_proposals.html", problem, rounds=await _host_rounds(request), failed=failed
            )
        return redirect("/host/proposals/?vetoed=1")


async def _host_rounds(request: Request[Any, Any, Any]) -> list[tuple[RoundOut, Sorted[ProposalOut]]]:
    """The host contact's rounds with their proposals, sorted as the page asks."""
    rounds = await services.proposals_for_host(signed_in_user(request))
    return [(current, HOST_PROPOSALS.from_query(review.proposals, request.query_params)) for current, review in rounds]


async def _rounds_page(
    request: Request[Any, Any, Any], problem: Exception | None = None, values: dict[str, Any] | None = None
) -> Template:
    status, ignored = chosen(request.query_params.get("status"), ROUND_STATUSES, "round status")
    rounds = [r for r in await services.list_rounds() if not status or r.status == status]
    context: dict[str, Any] = {
        "rounds": ROUNDS.from_query(rounds, request.query_params),
        "status": status,
        "statuses": ROUND_STATUSES,
        "ignored": ignored,
        "values": values or {},
    }
    if problem is not None:
        return form_error_page("rounds/list.html", problem, **context)
    return page("rounds/list.html", **context)


PROPOSAL_STATUSES = ("proposed", "pinned", "vetoed")


def proposal_status(proposal: ProposalOut) -> str:
    """A proposal is vetoed when the host refused one of its volunteers, pinned when fixed, else proposed."""
    if any(member.volunteer in proposal.vetoes for member in proposal.members):
        return "vetoed"
    return "pinned" if proposal.pinned else "proposed"


async def _act(request: Request[Any, Any, Any], round_id: int, action: Any) -> Template | Redirect:
    """Run a page's action; on a refusal show the round page with the message, else go back to it."""
    try:
        await action
    except DomainError as problem:
        return await _round_page(signed_in_user(request), round_id, problem=problem)
    return redirect(f"/coordinator/rounds/{round_id}")


async def _round_page(
    user: SignedIn,
    round_id: int,
    *,
    region: str = "",
    topic: str = "",
    status: str = "",
    query: Any = None,
    problem: Exception | None = None,
    approval: ApprovalOut | None = None,
) -> Template:
    current = await services.round_out(round_id)
    query = query or {}
    who, use = str(query.get("who") or "").strip(), str(query.get("use") or "")
    use = use if use in CAPACITY_USES else ""
    runs = await services.list_runs(round_id)
    latest = runs[0] if runs else None
    shown = await services.proposals(user, latest.id) if latest and latest.status == "succeeded" else None
    changes = await freezing.changes_since_freeze(round_id) if current.frozen_at else None
    proposals = shown.proposals if shown else []
    if region:
        proposals = [p for p in proposals if p.region == region]
    if topic:
        proposals = [p for p in proposals if topic in p.topics]
    status, ignored = chosen(status, PROPOSAL_STATUSES, "proposal status")
    if status:
        proposals = [p for p in proposals if proposal_status(p) == status]
    capacity = shown.capacity if shown else []
    if who:
        capacity = [c for c in capacity if who.casefold() in c.name.casefold()]
    if use:
        capacity = [c for c in capacity if CAPACITY_USES[use](c)]
    if approval is not None:
        refused = list(approval.refused)
        approval = msgspec.structs.replace(
            approval, refused={key: await services.in_words(reasons) for key, reasons in approval.refused.items()}
        )
    else:
        refused = []
    keys = sorted({a.request for a in current.adjustments} | {v for a in current.adjustments for v in a.volunteers})
    context: dict[str, Any] = {
        "round": current,
        "runs": runs,
        "latest": latest,
        "shown": shown,
        "proposals": PROPOSALS.from_query(proposals, query),
        "unmatched": UNMATCHED.from_query(shown.unmatched if shown else [], query),
        "capacity": CAPACITY.from_query(capacity, query),
        "who": who,
        "use": use,
        "score_weights": [
            (term, getattr(current.settings.weights, term)) for term in current.settings.weights.__struct_fields__
        ],
        "ignored": ignored,
        "changes": changes,
        "region": region,
        "topic": topic,
        "status": status,
        "statuses": PROPOSAL_STATUSES,
        "approval": approval,
        "refused_names": dict(zip(refused, await services.in_words(refused), strict=True)),
        "adjustment_names": (names := dict(zip(keys, await services.in_words(keys), strict=True))),
        "adjustment_people": {a.id: [names[v] for v in a.volunteers] for a in current.adjustments},
        "places": await replacements.open_places(round_id) if current.frozen_at else [],
        "today": date.today(),
    }
    if problem is not None:
        return form_error_page("rounds/round.html", problem, **context)
    return page("rounds/round.html", **context)


ROUTES = [RoundApi, VetoApi, RunApi, RoundPages, HostProposalPages]
