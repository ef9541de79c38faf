"""Trip endpoints: the lifecycle API, reports, reminders, exports, the program dashboard, and their pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from giveback.errors import DomainError, InvalidInput, NotFound
from giveback.i18n import LOCALES, _
from giveback.i18n.formatting import country_name
from giveback.settings import Settings
from giveback.topics.tables import Topic
from giveback.trips import checklist, documents, exports, replies, services
from giveback.trips.schemas import (
    CASE_ROLES,
    STATUSES,
    AnswerIn,
    DatesIn,
    InviteAnswerOut,
    InviteView,
    OutstandingOut,
    PostponeIn,
    ReasonIn,
    ReminderOut,
    ReportIn,
    ReportOut,
    ResentOut,
    TripDetail,
    TripOut,
)
from giveback.web.auth import requires, signed_in, signed_in_user
from giveback.web.forms import FormInvalid, form_error_page, page, parse, redirect
from giveback.web.openapi import LINK_GONE, PathId
from giveback.web.pagination import PageCursor, PageLimit, with_next_link
from giveback.web.tables import Column, SortableTable, chosen

COORDINATORS = requires("coordinator")
TRIPS = SortableTable(
    Column("visit", value=lambda t: t.request_title or _("Trip %(number)s", number=t.id)),
    Column("start", "date"),
    Column("where", value=lambda t: t.organization_name),
    Column("status"),
    Column("reports", "number", lambda t: int(t.volunteer_report) + int(t.host_evaluation)),
    default="start",
)
OUTSTANDING = SortableTable(
    Column("visit", value=lambda r: r.request_title or _("Trip %(number)s", number=r.trip_id)),
    Column("host", value=lambda r: r.organization_name),
    Column("end", "date"),
    Column("missing", "number", lambda r: len(r.missing)),
    Column("reminder", "date", lambda r: r.last_reminder),
    default="end",
)
CASE_LINES = 4


class TripApi(Controller):
    path = "/api/trips"
    tags = ["trips"]
    guards = [signed_in]

    @get("/", summary="Trips I may see (volunteer: mine; host: my organizations'; coordinator: all)")
    async def index(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[str] = "",
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[TripOut]]:
        found = await services.trip_page(signed_in_user(request), status=status, cursor=cursor, limit=limit)
        return with_next_link(request, found.items, found.next_cursor)

    @get("/outstanding", guards=[COORDINATORS], summary="Completed trips with reports still missing")
    async def outstanding(self, request: Request[Any, Any, Any]) -> list[OutstandingOut]:
        return await services.outstanding(signed_in_user(request))

    @get("/{trip_id:int}", summary="A trip with its transition log and reports")
    async def show(self, trip_id: PathId, request: Request[Any, Any, Any]) -> TripDetail:
        return await services.get_trip(signed_in_user(request), trip_id)

    @post("/{trip_id:int}/postpone", guards=[COORDINATORS], status_code=200, summary="Postpone (reason required)")
    async def postpone(
        self,
        trip_id: PathId,
        data: JSONBody[PostponeIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> TripDetail:
        return await services.postpone(
            signed_in_user(request), trip_id, data.reason, start=data.start, end=data.end, settings=settings
        )

    @post("/{trip_id:int}/reschedule", guards=[COORDINATORS], status_code=200, summary="Change the dates")
    async def reschedule(
        self,
        trip_id: PathId,
        data: JSONBody[DatesIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> TripDetail:
        return await services.reschedule(
            signed_in_user(request), trip_id, data.start, data.end, data.reason, settings=settings
        )

    @post("/{trip_id:int}/cancel", guards=[COORDINATORS], status_code=200, summary="Cancel (reason required)")
    async def cancel(
        self,
        trip_id: PathId,
        data: JSONBody[ReasonIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> TripDetail:
        return await services.cancel(signed_in_user(request), trip_id, data.reason, settings=settings)

    @post("/{trip_id:int}/decline", guards=[COORDINATORS], status_code=200, summary="Record a declined visit")
    async def decline(
        self,
        trip_id: PathId,
        data: JSONBody[ReasonIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> TripDetail:
        return await services.decline(signed_in_user(request), trip_id, data.reason, settings=settings)

    @post("/{trip_id:int}/complete", guards=[COORDINATORS], status_code=200, summary="Mark completed early or late")
    async def complete(self, trip_id: PathId, data: JSONBody[ReasonIn], request: Request[Any, Any, Any]) -> TripDetail:
        return await services.complete(signed_in_user(request), trip_id, data.reason)

    @post("/{trip_id:int}/answer", status_code=200, summary="Accept or decline your own place on the trip")
    async def answer(
        self,
        trip_id: PathId,
        data: JSONBody[AnswerIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> InviteAnswerOut:
        return await services.answer_place(signed_in_user(request), trip_id, data.answer, settings=settings)

    @post(
        "/{trip_id:int}/invites/resend",
        guards=[COORDINATORS],
        status_code=200,
        summary="Send the invite again to the volunteers who have not answered",
    )
    async def resend(
        self, trip_id: PathId, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> ResentOut:
        sent = await services.resend_invites(signed_in_user(request), trip_id, settings=settings)
        return ResentOut(trip_id=trip_id, sent_to=sent)

    @get("/{trip_id:int}/reports", summary="The trip's volunteer report and host evaluation")
    async def reports(self, trip_id: PathId, request: Request[Any, Any, Any]) -> list[ReportOut]:
        return await services.list_reports(signed_in_user(request), trip_id)

    @post("/{trip_id:int}/reports/{kind:str}", summary="File the volunteer report or the host evaluation")
    async def report(
        self, trip_id: PathId, kind: FromPath[str], data: JSONBody[ReportIn], request: Request[Any, Any, Any]
    ) -> ReportOut:
        return await services.submit_report(signed_in_user(request), trip_id, kind, data)

    @post("/{trip_id:int}/reminders", guards=[COORDINATORS], status_code=200, summary="Remind everyone owing a report")
    async def remind(
        self,
        trip_id: PathId,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> ReminderOut:
        return await services.remind(signed_in_user(request), trip_id, settings=settings)


class InviteApi(Controller):
    path = "/api/invites"
    tags = ["trips"]

    @get("/{token:str}", summary="What an accept or decline link is about (changes nothing)", responses=LINK_GONE)
    async def show(self, token: FromPath[str], settings: NamedDependency[Settings]) -> InviteView:
        return await services.invite_view(token, settings)

    @post(
        "/{token:str}",
        status_code=200,
        summary="Answer an invite with its accept or decline link",
        responses=LINK_GONE,
    )
    async def answer(self, token: FromPath[str], settings: NamedDependency[Settings]) -> InviteAnswerOut:
        return await services.answer_invite(token, settings)


class ExportApi(Controller):
    path = "/api/exports"
    tags = ["trips"]
    guards = [COORDINATORS]

    @get("/{what:str}", summary="Trips or reports as CSV or JSON (stable columns, see docs/trips.md)")
    async def export(self, what: FromPath[str], format: FromQuery[str] = "csv") -> Response[Any]:
        if what not in ("trips", "reports"):
            raise NotFound(_("exports are trips and reports"), field="what")
        if format not in ("csv", "json"):
            raise InvalidInput(_("format must be csv or json"), field="format")
        columns, rows = await exports.export(what)
        disposition = {"Content-Disposition": f'attachment; filename="giveback-{what}.{format}"'}
        if format == "json":
            body = {"columns": list(columns), "rows": [[row[c] for c in columns] for row in rows]}
            return Response(body, media_type=MediaType.JSON, headers=disposition)
        return Response(exports.to_csv(columns, rows), media_type="text/csv; charset=utf-8", headers=disposition)


# --- pages ------------------------------------------------------------------------------------------------

ACTION_PATHS = ("postpone", "reschedule", "cancel", "decline", "complete")


def _date(value: Any, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise FormInvalid({name: _("Enter a date")}) from None


async def _topics() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Topic.select(Topic.slug, Topic.name).where(Topic.retired.eq(False)).order_by(Topic.position)
    )
    return rows


async def trip_page(
    request: Request[Any, Any, Any],
    trip_id: int,
    *,
    problem: Exception | None = None,
    values: dict[str, Any] | None = None,
) -> Template:
    user = signed_in_user(request)
    detail = await services.get_trip(user, trip_id)
    settings: Settings = request.app.state.settings
    topics = await _topics()
    context: dict[str, Any] = {
        "detail": detail,
        "trip": detail.trip,
        "topics": topics,
        "topic_names": {t["slug"]: t["name"] for t in topics},
        "case_roles": CASE_ROLES,
        "case_lines": range(CASE_LINES),
        "values": values or {},
        "country_name": country_name,
        "documents": await documents.visible_documents(user, trip_id, settings=settings),
        "document_kinds": await documents.issue_choices(user, trip_id),
        "locales": LOCALES,
        "checklists": await checklist.visible_checklists(user, trip_id),
        "checklist_roles": await checklist.my_roles(user, trip_id),
        "checklist_items": [item.name for item in checklist.ITEMS],
        "item_provisions": {item.name: item.provision for item in checklist.ITEMS},
    }
    if problem is not None:
        return form_error_page("trips/trip.html", problem, **context)
    return page("trips/trip.html", **context)


REPORT_MESSAGES = {
    "rating_overall": _("Choose a rating from 1 to 5"),
    "rating_teaching": _("Choose a rating from 1 to 5"),
    "rating_logistics": _("Choose a rating from 1 to 5"),
}


def _report_fields(form: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {key: form.get(key) for key in form if key != "csrf_token" and not key.startswith("case_")}
    cases = []
    for line in range(CASE_LINES):
        count = form.get(f"case_count_{line}")
        if count not in (None, "", "0"):
            cases.append(
                {"topic": form.get(f"case_topic_{line}", ""), "role": form.get(f"case_role_{line}", ""), "count": count}
            )
    fields = {key: value for key, value in fields.items() if value not in (None, "")}
    for name in ("equipment_notes", "comments"):
        if isinstance(fields.get(name), str):
            fields[name] = fields[name].replace("\r\n", "\n")  # browsers send CRLF; maxlength counts one
    fields["cases"] = cases
    return fields


class TripPages(Controller):
    path = "/trips"
    include_in_schema = False
    guards = [signed_in]

    @get("/")
    async def index(self, request: Request[Any, Any, Any], status: FromQuery[str] = "") -> Template:
        status, ignored = chosen(status, STATUSES, "trip status")
        trips = await services.list_trips(signed_in_user(request), status=status)
        return page(
            "trips/list.html",
            trips=TRIPS.from_query(trips, request.query_params),
            status=status,
            statuses=STATUSES,
            ignored=ignored,
            country_name=country_name,
        )

    @get("/{trip_id:int}")
    async def show(self, trip_id: PathId, request: Request[Any, Any, Any]) -> Template:
        return await trip_page(request, trip_id)

    @post("/{trip_id:int}/actions", guards=[COORDINATORS], status_code=200)
    async def act(
        self, trip_id: PathId, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        form = await request.form()
        action = str(form.get("action") or "")
        reason = str(form.get("reason") or "")
        user = signed_in_user(request)
        values = {"action": action or "none", "reason": reason, "start": form.get("start"), "end": form.get("end")}
        try:
            if action not in ACTION_PATHS:
                raise FormInvalid({"action": _("choose one of the actions")})
            start, end = _date(form.get("start"), "start"), _date(form.get("end"), "end")
            if action == "postpone":
                await services.postpone(user, trip_id, reason, start=start, end=end, settings=settings)
            elif action == "reschedule":
                if start is None or end is None:
                    raise FormInvalid({"start" if start is None else "end": _("give the new first and last day")})
                await services.reschedule(user, trip_id, start, end, reason, settings=settings)
            elif action == "cancel":
                await services.cancel(user, trip_id, reason, settings=settings)
            elif action == "decline":
                await services.decline(user, trip_id, reason, settings=settings)
            else:
                await services.complete(user, trip_id, reason)
        except (FormInvalid, DomainError) as problem:
            if isinstance(problem, NotFound) and problem.field == "trip_id":
                raise
            return await trip_page(request, trip_id, problem=problem, values=values)
        return redirect(f"/trips/{trip_id}")

    @post("/{trip_id:int}/answer", status_code=200)
    async def answer(
        self, trip_id: PathId, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        form = await request.form()
        wanted = {"accept": "accepted", "decline": "declined"}.get(str(form.get("answer") or ""), "")
        try:
            done = await services.answer_place(signed_in_user(request), trip_id, wanted, settings=settings)
        except DomainError as problem:
            if isinstance(problem, NotFound):
                raise
            return await trip_page(request, trip_id, problem=problem)
        back = "/volunteer/" if form.get("next") == "home" else f"/trips/{trip_id}"
        return redirect(f"{back}?answered={done.response}")

    @post("/{trip_id:int}/resend", guards=[COORDINATORS], status_code=200)
    async def resend(
        self, trip_id: PathId, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        try:
            sent = await services.resend_invites(signed_in_user(request), trip_id, settings=settings)
        except DomainError as problem:
            if isinstance(problem, NotFound):
                raise
            return await trip_page(request, trip_id, problem=problem)
        return redirect(f"/trips/{trip_id}?resent={sent}")

    @post("/{trip_id:int}/reports/{kind:str}", status_code=200)
    async def report(
        self, trip_id: PathId, kind: FromPath[str], request: Request[Any, Any, Any]
    ) -> Template | Redirect:
        fields = _report_fields(await request.form())
        try:
            data = parse(ReportIn, fields, messages=REPORT_MESSAGES)
            await services.submit_report(signed_in_user(request), trip_id, kind, data)
        except (FormInvalid, DomainError) as problem:
            if isinstance(problem, NotFound):
                raise
            values = {**fields, "kind": kind}
            return await trip_page(request, trip_id, problem=problem, values=values)
        return redirect(f"/trips/{trip_id}")


class InvitePages(Controller):
    """The pages behind the links in invites: GET shows a confirmation, only POST changes anything."""

    path = "/invites"
    include_in_schema = False

    @get("/{token:str}")
    async def show(self, token: FromPath[str], settings: NamedDependency[Settings]) -> Template:
        return page("calendars/invite.html", view=await services.invite_view(token, settings), token=token, done=None)

    @post("/{token:str}")
    async def answer(self, token: FromPath[str], settings: NamedDependency[Settings]) -> Template:
        try:
            done = await services.answer_invite(token, settings)
        except DomainError as problem:
            view = await services.invite_view(token, settings)
            return form_error_page("calendars/invite.html", problem, view=view, token=token, done=None)
        return page("calendars/invite.html", view=await services.invite_view(token, settings), token=token, done=done)


class CoordinatorTripPages(Controller):
    path = "/coordinator"
    include_in_schema = False
    guards = [COORDINATORS]

    @get("/reports")
    async def outstanding(self, request: Request[Any, Any, Any], sent: FromQuery[int | None] = None) -> Template:
        rows = OUTSTANDING.from_query(await services.outstanding(signed_in_user(request)), request.query_params)
        return page("trips/outstanding.html", rows=rows, sent=sent)

    @get("/calendar-answers")
    async def calendar_answers(self) -> Template:
        """Answers given in calendar apps that were not applied: refused, too old, or kept for a coordinator."""
        return page("trips/calendar_answers.html", answers=await replies.kept_answers())

    @post("/reports/{trip_id:int}/remind", status_code=200)
    async def remind(
        self,
        trip_id: PathId,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        try:
            sent = await services.remind(signed_in_user(request), trip_id, settings=settings)
        except DomainError as problem:
            rows = OUTSTANDING.from_query(await services.outstanding(signed_in_user(request)), {})
            return form_error_page("trips/outstanding.html", problem, rows=rows, sent=None)
        return redirect(f"/coordinator/reports?sent={sent.sent_to}")


ROUTES: list[ControllerRouterHandler] = [TripApi, InviteApi, ExportApi, TripPages, InvitePages, CoordinatorTripPages]
