"""Host endpoints: claims and new organizations, requests and their lifecycle, the public request directory,
and the pages of host contacts and coordinators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler

from giveback import geo
from giveback.accounts.sessions import SignedIn
from giveback.errors import DomainError
from giveback.hosts import services
from giveback.hosts.schemas import (
    CLAIM_STATUSES,
    FORMATS,
    PROVISIONS,
    REQUEST_STATUSES,
    ClaimIn,
    ClaimOut,
    DecisionIn,
    NewOrganizationIn,
    PriorityIn,
    PublicRequestOut,
    RequestIn,
    RequestOut,
)
from giveback.i18n import _
from giveback.organizations import services as organizations
from giveback.settings import Settings
from giveback.topics.services import list_topics
from giveback.web.auth import requires, signed_in_user
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.openapi import OptionalQueryId, PathId
from giveback.web.pagination import PageCursor, PageLimit, paged
from giveback.web.tables import Column, SortableTable, chosen

HOST = requires("host")
COORDINATOR = requires("coordinator")
HOST_OR_COORDINATOR = requires("host", "coordinator")
WINDOW_ROWS = 3


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _organization(row: ClaimOut | RequestOut) -> str:
    return getattr(row, "organization_short_name", "") or row.organization_name


def _first_window(row: RequestOut) -> date | None:
    return min((w.start for w in row.windows), default=None)


CLAIMS = SortableTable(
    Column("person", value=lambda c: c.person_name),
    Column("organization", value=_organization),
    Column("status"),
    Column("submitted", "date", lambda c: c.created_at),
    default="submitted",
)
REQUESTS = SortableTable(
    Column("title"),
    Column("organization", value=_organization),
    Column("windows", "date", _first_window),
    Column("status"),
    Column("submitted", "date", lambda r: r.created_at),
    default="-submitted",
)
MY_CLAIMS = SortableTable(
    Column("organization", value=_organization),
    Column("status"),
    Column("submitted", "date", lambda c: c.created_at),
    default="-submitted",
    param="claims_sort",
)
MY_REQUESTS = SortableTable(
    Column("title"),
    Column("organization", value=_organization),
    Column("windows", "date", _first_window),
    default="windows",
)


# --- JSON API -----------------------------------------------------------------------------------------------


class ClaimApi(Controller):
    path = "/api"
    tags = ["hosts"]

    @post(
        "/organizations/{organization_id:int}/claims",
        guards=[HOST],
        summary="Ask to represent an organization (host contact)",
    )
    async def claim(
        self, organization_id: PathId, data: JSONBody[ClaimIn], request: Request[Any, Any, Any]
    ) -> ClaimOut:
        return await services.claim_organization(
            signed_in_user(request).person_id, organization_id, data.message, settings=_settings(request)
        )

    @post("/organizations/register", guards=[HOST], summary="Register a new organization and claim it (host contact)")
    async def register(self, data: JSONBody[NewOrganizationIn], request: Request[Any, Any, Any]) -> ClaimOut:
        return await services.register_organization(
            signed_in_user(request).person_id, data, settings=_settings(request)
        )

    @get("/claims", guards=[HOST_OR_COORDINATOR], summary="Claims: all for coordinators (pending first), own for hosts")
    async def claims(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[ClaimOut]]:
        found = await services.list_claims(signed_in_user(request), status=status or None)
        return paged(request, found, lambda c: (c.status != "pending", c.created_at.timestamp(), c.id), cursor, limit)

    @post(
        "/claims/{claim_id:int}/approve",
        guards=[COORDINATOR],
        status_code=HTTP_200_OK,
        summary="Approve a claim: the person becomes a contact of the organization",
    )
    async def approve(self, claim_id: PathId, request: Request[Any, Any, Any]) -> ClaimOut:
        return await services.approve_claim(signed_in_user(request).person_id, claim_id, settings=_settings(request))

    @post(
        "/claims/{claim_id:int}/reject",
        guards=[COORDINATOR],
        status_code=HTTP_200_OK,
        summary="Reject a claim, saying why",
    )
    async def reject(self, claim_id: PathId, data: JSONBody[DecisionIn], request: Request[Any, Any, Any]) -> ClaimOut:
        return await services.reject_claim(
            signed_in_user(request).person_id, claim_id, data.reason, settings=_settings(request)
        )


class RequestApi(Controller):
    path = "/api/requests"
    tags = ["hosts"]

    @get("/", guards=[HOST_OR_COORDINATOR], summary="Requests: own organizations' for hosts, all for coordinators")
    async def list(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        topic: FromQuery[str | None] = None,
        organization_id: OptionalQueryId = None,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[RequestOut]]:
        found = await services.list_requests(
            signed_in_user(request),
            status=status or None,
            region=region or None,
            topic=topic or None,
            organization_id=organization_id,
        )
        return paged(request, found, lambda r: (-r.created_at.timestamp(), r.id), cursor, limit)

    @post("/", guards=[HOST], summary="Draft a request for one of your organizations")
    async def create(self, data: JSONBody[RequestIn], request: Request[Any, Any, Any]) -> RequestOut:
        return await services.create_request(signed_in_user(request), data)

    @get("/{request_id:int}", guards=[HOST_OR_COORDINATOR], summary="One request")
    async def show(self, request_id: PathId, request: Request[Any, Any, Any]) -> RequestOut:
        return await services.get_request(signed_in_user(request), request_id)

    @put("/{request_id:int}", guards=[HOST], summary="Edit a draft or submitted request")
    async def update(
        self, request_id: PathId, data: JSONBody[RequestIn], request: Request[Any, Any, Any]
    ) -> RequestOut:
        return await services.update_request(signed_in_user(request), request_id, data)

    @delete("/{request_id:int}", guards=[HOST], status_code=HTTP_204_NO_CONTENT, summary="Delete a draft")
    async def remove(self, request_id: PathId, request: Request[Any, Any, Any]) -> None:
        await services.delete_request(signed_in_user(request), request_id)

    @post("/{request_id:int}/submit", guards=[HOST], status_code=HTTP_200_OK, summary="Submit a draft")
    async def submit(self, request_id: PathId, request: Request[Any, Any, Any]) -> RequestOut:
        return await services.submit_request(signed_in_user(request), request_id, settings=_settings(request))

    @post("/{request_id:int}/withdraw", guards=[HOST], status_code=HTTP_200_OK, summary="Withdraw back to draft")
    async def withdraw(self, request_id: PathId, request: Request[Any, Any, Any]) -> RequestOut:
        return await services.withdraw_request(signed_in_user(request), request_id)

    @post(
        "/{request_id:int}/accept", guards=[COORDINATOR], status_code=HTTP_200_OK, summary="Accept a submitted request"
    )
    async def accept(self, request_id: PathId, request: Request[Any, Any, Any]) -> RequestOut:
        return await services.accept_request(signed_in_user(request).person_id, request_id, settings=_settings(request))

    @post(
        "/{request_id:int}/decline",
        guards=[COORDINATOR],
        status_code=HTTP_200_OK,
        summary="Decline a submitted request, saying why",
    )
    async def decline(
        self, request_id: PathId, data: JSONBody[DecisionIn], request: Request[Any, Any, Any]
    ) -> RequestOut:
        return await services.decline_request(
            signed_in_user(request).person_id, request_id, data.reason, settings=_settings(request)
        )

    @put("/{request_id:int}/priority", guards=[COORDINATOR], summary="Mark a request as a priority, or not")
    async def priority(
        self, request_id: PathId, data: JSONBody[PriorityIn], request: Request[Any, Any, Any]
    ) -> RequestOut:
        return await services.set_priority(signed_in_user(request).person_id, request_id, data.priority)


class DirectoryApi(Controller):
    path = "/api/directory"
    tags = ["hosts"]

    @get("/requests", summary="Public summaries of accepted requests")
    async def requests(
        self,
        request: Request[Any, Any, Any],
        region: FromQuery[str | None] = None,
        topic: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[PublicRequestOut]]:
        found = await services.public_requests(region=region or None, topic=topic or None)
        return paged(request, found, lambda r: (r.id,), cursor, limit)


# --- pages --------------------------------------------------------------------------------------------------


class PublicPages(Controller):
    include_in_schema = False

    @get("/requests/")
    async def requests(self, region: FromQuery[str | None] = None, topic: FromQuery[str | None] = None) -> Template:
        region = region if region in geo.REGIONS else None
        return page(
            "hosts/requests.html",
            requests=await services.public_requests(region=region, topic=topic or None),
            regions=geo.REGIONS,
            region=region or "",
            topics=await list_topics(),
            topic=topic or "",
        )

    @get("/organizations/{organization_id:int}")
    async def organization(self, organization_id: PathId) -> Template:
        return page(
            "hosts/organization.html",
            organization=await organizations.get_organization(organization_id),
            requests=await services.public_requests(organization_id=organization_id),
        )


@dataclass(frozen=True)
class Step:
    """A first step of a host contact, done or not, and where to take it."""

    key: str
    title: str
    link: str
    done: bool
    note: str = ""


def _first_steps(claims: list[ClaimOut], contact_ids: list[int], requests: list[RequestOut]) -> list[Step]:
    """A new host contact's first steps: claim the organization (a coordinator approves it), then a request."""
    pending = any(c.status == "pending" for c in claims)
    first = f"/host/requests/new?organization_id={contact_ids[0]}" if contact_ids else "#claim"
    return [
        Step(
            "claim",
            _("Claim your organization, or register it"),
            "#claim",
            bool(contact_ids),
            _("sent; a coordinator reviews it") if pending else "",
        ),
        Step("request", _("Write your first request for a visiting professor"), first, bool(requests)),
    ]


async def _host_home(user: SignedIn, search: str = "", query: Any = None, **extra: Any) -> dict[str, Any]:
    contact_ids = await services.contact_organization_ids(user.person_id)
    requests = await services.list_requests(user)
    claims = await services.list_claims(user)
    query = query or {}
    return {
        "steps": _first_steps(claims, contact_ids, requests),
        "organizations": [await organizations.get_organization(i) for i in contact_ids],
        "claims": MY_CLAIMS.from_query(claims, query),
        "requests": MY_REQUESTS.from_query(requests, query),
        "statuses": [s for s in REQUEST_STATUSES if any(r.status == s for r in requests)],
        "search": search,
        "found": await organizations.list_organizations(search=search) if search.strip() else [],
        "values": {},
        **extra,
    }


def _request_fields(form: Any, topic_slugs: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request form as the API's body, and as values to show again."""
    weights = {slug: str(form.get(f"weight_{slug}") or "0") for slug in topic_slugs}
    windows, rows = [], []
    for i in range(WINDOW_ROWS):
        start, end = (form.get(f"window_start_{i}") or "").strip(), (form.get(f"window_end_{i}") or "").strip()
        preferred = bool(form.get(f"window_preferred_{i}"))
        rows.append({"start": start, "end": end, "preferred": preferred})
        if start or end:
            windows.append({"start": start, "end": end, "preferred": preferred})
    languages = str(form.get("languages") or "")
    body = {
        "organization_id": form.get("organization_id") or "",
        "title": (form.get("title") or "").strip(),
        "needs": [{"topic": slug, "weight": weight} for slug, weight in weights.items() if weight != "0"],
        "primary_need": form.get("primary_need") or None,
        "languages": [code.strip() for code in languages.split(",") if code.strip()],
        "formats": [v for v in form.getall("formats") if v] if "formats" in form else [],
        "provides": [v for v in form.getall("provides") if v] if "provides" in form else [],
        "windows": windows,
        "duration_days": form.get("duration_days") or "",
        "team_size": form.get("team_size") or "",
        "advisory_level": form.get("advisory_level") or "",
        "country": (form.get("country") or "").strip() or None,
        "notes": form.get("notes") or "",
    }
    values = {**body, "weights": weights, "languages": languages, "window_rows": rows}
    return body, values


def _values_of(out: RequestOut) -> dict[str, Any]:
    rows = [{"start": w.start.isoformat(), "end": w.end.isoformat(), "preferred": w.preferred} for w in out.windows]
    rows += [{"start": "", "end": "", "preferred": False}] * max(0, WINDOW_ROWS - len(rows))
    return {
        "organization_id": out.organization_id,
        "title": out.title,
        "weights": {n.topic: str(n.weight) for n in out.needs},
        "primary_need": out.primary_need,
        "languages": ", ".join(out.languages),
        "formats": out.formats,
        "provides": out.provides,
        "window_rows": rows,
        "duration_days": out.duration_days,
        "team_size": out.team_size,
        "advisory_level": out.advisory_level,
        "country": out.country,
        "notes": out.notes,
    }


async def _form_context(user: SignedIn, **extra: Any) -> dict[str, Any]:
    contact_ids = await services.contact_organization_ids(user.person_id)
    return {
        "topics": await list_topics(),
        "formats": FORMATS,
        "provisions": PROVISIONS,
        "organizations": [await organizations.get_organization(i) for i in contact_ids],
        "window_count": WINDOW_ROWS,
        **extra,
    }


class HostPages(Controller):
    path = "/host"
    include_in_schema = False
    guards = [HOST]

    @get("/")
    async def home(
        self, request: Request[Any, Any, Any], search: FromQuery[str] = "", done: FromQuery[str] = ""
    ) -> Template:
        return page(
            "hosts/home.html", **await _host_home(signed_in_user(request), search, request.query_params, done=done)
        )

    @post("/claims")
    async def claim(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            data = parse(ClaimIn, {"message": fields.get("message") or ""})
            organization_id = int(fields.get("organization_id") or 0)
            await services.claim_organization(
                user.person_id, organization_id, data.message, settings=_settings(request)
            )
        except (FormInvalid, DomainError, ValueError) as problem:
            if isinstance(problem, ValueError):
                problem = FormInvalid({"organization_id": _("choose an organization")})
            return form_error_page("hosts/home.html", problem, **await _host_home(user))
        return redirect("/host?done=claimed")

    @post("/organizations")
    async def register(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            await services.register_organization(
                user.person_id, parse(NewOrganizationIn, fields), settings=_settings(request)
            )
        except (FormInvalid, DomainError) as problem:
            context = await _host_home(user)
            return form_error_page("hosts/home.html", problem, **{**context, "values": fields})
        return redirect("/host?done=registered")

    @get("/requests/new")
    async def new_request(self, request: Request[Any, Any, Any], organization_id: OptionalQueryId = None) -> Template:
        context = await _form_context(signed_in_user(request))
        if organization_id is None and context["organizations"]:
            organization_id = context["organizations"][0].id
        values: dict[str, Any] = {
            "organization_id": organization_id,
            "weights": {},
            "languages": "",
            "formats": [],
            "provides": [],
            "window_rows": [{"start": "", "end": "", "preferred": i == 0} for i in range(WINDOW_ROWS)],
            "duration_days": 5,
            "team_size": 1,
            "advisory_level": 1,
        }
        return page("hosts/request_form.html", values=values, existing=None, errors={}, **context)

    @post("/requests/new")
    async def create_request(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        context = await _form_context(user)
        body, values = _request_fields(await request.form(), [t.slug for t in context["topics"]])
        try:
            created = await services.create_request(user, parse(RequestIn, body))
        except (FormInvalid, DomainError) as problem:
            return form_error_page("hosts/request_form.html", problem, values=values, existing=None, **context)
        return redirect(f"/host/requests/{created.id}/edit?done=saved")

    @get("/requests/{request_id:int}/edit")
    async def edit_request(
        self, request: Request[Any, Any, Any], request_id: PathId, done: FromQuery[str] = ""
    ) -> Template:
        user = signed_in_user(request)
        existing = await services.get_request(user, request_id)
        context = await _form_context(user)
        return page(
            "hosts/request_form.html", values=_values_of(existing), existing=existing, errors={}, done=done, **context
        )

    @post("/requests/{request_id:int}/edit")
    async def update_request(self, request: Request[Any, Any, Any], request_id: PathId) -> Template | Redirect:
        user = signed_in_user(request)
        existing = await services.get_request(user, request_id)
        context = await _form_context(user)
        body, values = _request_fields(await request.form(), [t.slug for t in context["topics"]])
        try:
            await services.update_request(user, request_id, parse(RequestIn, body))
        except (FormInvalid, DomainError) as problem:
            return form_error_page("hosts/request_form.html", problem, values=values, existing=existing, **context)
        return redirect(f"/host/requests/{request_id}/edit?done=saved")

    @post("/requests/{request_id:int}/submit")
    async def submit(self, request: Request[Any, Any, Any], request_id: PathId) -> Redirect:
        await services.submit_request(signed_in_user(request), request_id, settings=_settings(request))
        return redirect(f"/host/requests/{request_id}/edit?done=submitted")

    @post("/requests/{request_id:int}/withdraw")
    async def withdraw(self, request: Request[Any, Any, Any], request_id: PathId) -> Redirect:
        await services.withdraw_request(signed_in_user(request), request_id)
        return redirect(f"/host/requests/{request_id}/edit?done=withdrawn")

    @post("/requests/{request_id:int}/delete")
    async def delete(self, request: Request[Any, Any, Any], request_id: PathId) -> Redirect:
        await services.delete_request(signed_in_user(request), request_id)
        return redirect("/host?done=deleted")


async def _review_context(user: SignedIn, request_id: int, **extra: Any) -> dict[str, Any]:
    """A request as a coordinator reviews it: every field its host filled in, and who wrote it."""
    found = await services.get_request(user, request_id)
    return {"r": found, "author": await services.author_name(found), **extra}


class CoordinatorPages(Controller):
    path = "/coordinator"
    include_in_schema = False
    guards = [COORDINATOR]

    async def _claims_page(self, user: SignedIn, status: str, query: Any = None, **extra: Any) -> dict[str, Any]:
        status, ignored = chosen(status, CLAIM_STATUSES, "claim status")
        claims = await services.list_claims(user, status=status or None)
        return {
            "claims": CLAIMS.from_query(claims, query or {}),
            "status": status,
            "statuses": CLAIM_STATUSES,
            "ignored": ignored,
            **extra,
        }

    async def _requests_page(self, user: SignedIn, status: str, query: Any = None, **extra: Any) -> dict[str, Any]:
        status, ignored = chosen(status, REQUEST_STATUSES, "request status")
        requests = await services.list_requests(user, status=status or None)
        return {
            "requests": REQUESTS.from_query(requests, query or {}),
            "status": status,
            "statuses": REQUEST_STATUSES,
            "ignored": ignored,
            **extra,
        }

    @get("/claims")
    async def claims(self, request: Request[Any, Any, Any], status: FromQuery[str] = "pending") -> Template:
        context = await self._claims_page(signed_in_user(request), status, request.query_params)
        return page("hosts/coordinator_claims.html", **context)

    @post("/claims/{claim_id:int}/approve")
    async def approve(self, request: Request[Any, Any, Any], claim_id: PathId) -> Redirect:
        await services.approve_claim(signed_in_user(request).person_id, claim_id, settings=_settings(request))
        return redirect("/coordinator/claims?done=approved")

    @post("/claims/{claim_id:int}/reject")
    async def reject(self, request: Request[Any, Any, Any], claim_id: PathId) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            await services.reject_claim(
                user.person_id, claim_id, str(fields.get("reason") or ""), settings=_settings(request)
            )
        except DomainError as problem:
            context = await self._claims_page(user, "pending", failed=claim_id)
            return form_error_page("hosts/coordinator_claims.html", problem, **context)
        return redirect("/coordinator/claims?done=rejected")

    @get("/requests")
    async def requests(self, request: Request[Any, Any, Any], status: FromQuery[str] = "submitted") -> Template:
        context = await self._requests_page(signed_in_user(request), status, request.query_params)
        return page("hosts/coordinator_requests.html", **context)

    @get("/requests/{request_id:int}")
    async def review(self, request: Request[Any, Any, Any], request_id: PathId) -> Template:
        return page("hosts/coordinator_request.html", **await _review_context(signed_in_user(request), request_id))

    @post("/requests/{request_id:int}/accept")
    async def accept(self, request: Request[Any, Any, Any], request_id: PathId) -> Redirect:
        fields = form_fields(await request.form())
        await services.accept_request(signed_in_user(request).person_id, request_id, settings=_settings(request))
        if fields.get("next") == "review":
            return redirect(f"/coordinator/requests/{request_id}?done=accepted")
        return redirect("/coordinator/requests?done=accepted")

    @post("/requests/{request_id:int}/decline")
    async def decline(self, request: Request[Any, Any, Any], request_id: PathId) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            await services.decline_request(
                user.person_id, request_id, str(fields.get("reason") or ""), settings=_settings(request)
            )
        except DomainError as problem:
            if fields.get("next") == "review":
                context = await _review_context(user, request_id, values={"reason": fields.get("reason") or ""})
                return form_error_page("hosts/coordinator_request.html", problem, **context)
            context = await self._requests_page(user, "submitted", failed=request_id)
            return form_error_page("hosts/coordinator_requests.html", problem, **context)
        if fields.get("next") == "review":
            return redirect(f"/coordinator/requests/{request_id}?done=declined")
        return redirect("/coordinator/requests?done=declined")

    @post("/requests/{request_id:int}/priority")
    async def priority(self, request: Request[Any, Any, Any], request_id: PathId) -> Redirect:
        fields = form_fields(await request.form())
        await services.set_priority(signed_in_user(request).person_id, request_id, fields.get("priority") == "1")
        if fields.get("next") == "review":
            return redirect(f"/coordinator/requests/{request_id}?done=priority")
        back = {"status": str(fields.get("status") or ""), "sort": str(fields.get("sort") or ""), "done": "priority"}
        return redirect("/coordinator/requests?" + urlencode({k: v for k, v in back.items() if v or k == "status"}))


ROUTES: list[ControllerRouterHandler] = [
    ClaimApi,
    RequestApi,
    DirectoryApi,
    PublicPages,
    HostPages,
    CoordinatorPages,
]
