"""Endpoints of the documents (letters of invitation, certificates) and the travel checklist: the API, the forms
on the trip page, the public verification page and the coordinator's view of trips with open items."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.types import ControllerRouterHandler

from giveback.errors import DomainError, NotFound
from giveback.i18n.formatting import country_name
from giveback.settings import Settings
from giveback.trips import checklist, documents
from giveback.trips.controllers import trip_page
from giveback.trips.travel_schemas import (
    ChecklistIn,
    ChecklistOut,
    DocumentIn,
    DocumentOut,
    OpenTravelOut,
    VerificationOut,
    WithdrawIn,
)
from giveback.web.auth import requires, signed_in, signed_in_user
from giveback.web.forms import FormInvalid, page, parse, redirect
from giveback.web.openapi import PathId, download

PDF_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def pdf_response(filename: str, content: bytes, *, inline: bool = False) -> Response[bytes]:
    """A PDF as a download (or shown in the browser, for a draft to read), never rendered as a page of the site."""
    fallback = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "document.pdf"
    disposition = "inline" if inline else "attachment"
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}",
            **PDF_HEADERS,
        },
    )


class DocumentApi(Controller):
    path = "/api/trips/{trip_id:int}/documents"
    tags = ["trips"]
    guards = [signed_in]

    @get("/", summary="The trip's documents (its volunteers, the host's contacts and coordinators)")
    async def index(
        self, trip_id: PathId, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> list[DocumentOut]:
        return await documents.list_documents(signed_in_user(request), trip_id, settings=settings)

    @post("/", summary="Issue a letter of invitation (confirmed trip) or a certificate (completed trip)")
    async def issue(
        self,
        trip_id: PathId,
        data: JSONBody[DocumentIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> DocumentOut:
        return await documents.issue(signed_in_user(request), trip_id, data, settings=settings)

    @post(
        "/preview",
        status_code=200,
        summary="The document as it would be issued, marked as a draft (nothing is stored)",
        responses=download("application/pdf", "The draft, as a PDF"),
    )
    async def preview(
        self,
        trip_id: PathId,
        data: JSONBody[DocumentIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        content = await documents.preview(signed_in_user(request), trip_id, data, settings=settings)
        return pdf_response(f"draft-{data.kind}.pdf", content, inline=True)

    @get(
        "/{document_id:int}/pdf",
        summary="Download a document (its volunteers, the host's contacts and coordinators)",
        responses=download("application/pdf", "The document, as a PDF attachment"),
    )
    async def pdf(self, trip_id: PathId, document_id: PathId, request: Request[Any, Any, Any]) -> Response[bytes]:
        filename, content = await documents.download(signed_in_user(request), trip_id, document_id)
        return pdf_response(filename, content)

    @post("/{document_id:int}/withdraw", status_code=200, summary="Withdraw a document (reason required)")
    async def withdraw(
        self,
        trip_id: PathId,
        document_id: PathId,
        data: JSONBody[WithdrawIn],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> DocumentOut:
        return await documents.withdraw(signed_in_user(request), trip_id, document_id, data.reason, settings=settings)


class VerificationApi(Controller):
    path = "/api/verify"
    tags = ["trips"]

    @get("/{code:str}", summary="What the document with this verification code says, and whether it stands")
    async def show(self, code: FromPath[str]) -> VerificationOut:
        return await documents.verification(code)


class DocumentPages(Controller):
    """The trip page's document forms: read the draft, sign and issue, withdraw."""

    path = "/trips/{trip_id:int}/documents"
    include_in_schema = False
    guards = [signed_in]

    @post("/", status_code=200)
    async def issue(
        self, trip_id: PathId, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Template | Redirect | Response[bytes]:
        form = await request.form()
        fields = {
            "kind": form.get("kind", ""),
            "person_id": form.get("person_id", ""),
            "locale": form.get("locale", ""),
            "purpose": form.get("purpose", ""),
            "signed": form.get("signed") == "yes",
        }
        user = signed_in_user(request)
        try:
            data = parse(DocumentIn, fields)
            if form.get("step") == "preview":
                content = await documents.preview(user, trip_id, data, settings=settings)
                return pdf_response(f"draft-{data.kind}.pdf", content, inline=True)
            await documents.issue(user, trip_id, data, settings=settings)
        except (FormInvalid, DomainError) as problem:
            if isinstance(problem, NotFound) and problem.field == "trip_id":
                raise
            return await trip_page(request, trip_id, problem=problem, values={**fields, "form": "document"})
        return redirect(f"/trips/{trip_id}#documents")

    @post("/{document_id:int}/withdraw", status_code=200)
    async def withdraw(
        self,
        trip_id: PathId,
        document_id: PathId,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        form = await request.form()
        reason = str(form.get("reason") or "")
        try:
            await documents.withdraw(signed_in_user(request), trip_id, document_id, reason, settings=settings)
        except DomainError as problem:
            if isinstance(problem, NotFound) and problem.field == "trip_id":
                raise
            values = {"form": "withdraw", "document_id": document_id, "reason": reason}
            return await trip_page(request, trip_id, problem=problem, values=values)
        return redirect(f"/trips/{trip_id}#documents")


class VerificationPages(Controller):
    """The public page a document's QR code leads to."""

    path = "/verify"
    include_in_schema = False

    @get("/")
    async def ask(self, code: FromQuery[str] = "") -> Template | Redirect:
        if code.strip():
            return redirect(f"/verify/{quote(documents.normal_code(code) or code.strip())}")
        return page("trips/verify.html", result=None, code="", country_name=country_name)

    @get("/{code:str}")
    async def show(self, code: FromPath[str]) -> Template:
        try:
            result = await documents.verification(code)
        except NotFound as problem:
            return page(
                "trips/verify.html",
                status_code=404,
                result=None,
                code=code,
                errors={"code": problem.message},
                country_name=country_name,
            )
        return page("trips/verify.html", result=result, code=result.code, country_name=country_name)


class ChecklistApi(Controller):
    path = "/api/trips/{trip_id:int}/checklist"
    tags = ["trips"]
    guards = [signed_in]

    @get("/", summary="Every travelling volunteer's checklist (its volunteers, the host's contacts, coordinators)")
    async def index(self, trip_id: PathId, request: Request[Any, Any, Any]) -> list[ChecklistOut]:
        return await checklist.checklists(signed_in_user(request), trip_id)

    @post(
        "/{person_id:int}", status_code=200, summary="Set items of a volunteer's checklist (each by who is responsible)"
    )
    async def update(
        self, trip_id: PathId, person_id: PathId, data: JSONBody[ChecklistIn], request: Request[Any, Any, Any]
    ) -> ChecklistOut:
        return await checklist.update(signed_in_user(request), trip_id, person_id, data)


class OpenTravelApi(Controller):
    path = "/api/travel"
    tags = ["trips"]
    guards = [requires("coordinator")]

    @get("/open", summary="Trips before travel with checklist items still open, the soonest first")
    async def index(self, request: Request[Any, Any, Any]) -> list[OpenTravelOut]:
        return await checklist.open_travel(signed_in_user(request))


def _checklist_fields(form: Any) -> dict[str, Any]:
    """The form's checklist fields: empty days and times are cleared (null), texts kept as typed."""
    fields: dict[str, Any] = {}
    for name in checklist.FIELDS:
        if name not in form:
            continue
        value = form.get(name)
        fields[name] = None if value == "" and name.endswith(("_on", "_at")) else value
    return fields


class ChecklistPages(Controller):
    path = "/trips/{trip_id:int}/checklist"
    include_in_schema = False
    guards = [signed_in]

    @post("/{person_id:int}", status_code=200)
    async def update(self, trip_id: PathId, person_id: PathId, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = _checklist_fields(await request.form())
        try:
            await checklist.update(signed_in_user(request), trip_id, person_id, parse(ChecklistIn, fields))
        except (FormInvalid, DomainError) as problem:
            if isinstance(problem, NotFound) and problem.field == "trip_id":
                raise
            values = {**fields, "form": "checklist", "person_id": person_id}
            return await trip_page(request, trip_id, problem=problem, values=values)
        return redirect(f"/trips/{trip_id}#checklist")


class OpenTravelPages(Controller):
    path = "/coordinator/travel"
    include_in_schema = False
    guards = [requires("coordinator")]

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return page("trips/open_travel.html", rows=await checklist.open_travel(signed_in_user(request)))


ROUTES: list[ControllerRouterHandler] = [
    DocumentApi,
    VerificationApi,
    DocumentPages,
    VerificationPages,
    ChecklistApi,
    OpenTravelApi,
    ChecklistPages,
    OpenTravelPages,
]
