"""Import endpoints for coordinators: upload, preview with progress, confirm; the export, the template, and the
invitations to claim imported accounts. JSON under ``/api/imports``, pages under ``/coordinator/import``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_202_ACCEPTED
from litestar.types import ControllerRouterHandler

from giveback.accounts.sessions import SignedIn
from giveback.errors import DomainError, InvalidInput
from giveback.i18n import _
from giveback.imports import export, invitations, services
from giveback.imports.findings import text_from
from giveback.imports.format import MAX_FILE_BYTES, SHEETS
from giveback.imports.schemas import InvitationsOut, JobOut
from giveback.settings import Settings
from giveback.web.auth import requires, signed_in_user
from giveback.web.forms import page, redirect
from giveback.web.openapi import PathId, download

COORDINATORS = requires("coordinator")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The upload's limit with room for the multipart envelope: a file a little over 20 MiB still reaches the service,
# which answers with its size and the limit.
UPLOAD_MAX_BODY_BYTES = MAX_FILE_BYTES + 4 * 1024 * 1024
SHOWN_FINDINGS = 500


async def _uploaded(request: Request[Any, Any, Any]) -> list[tuple[str, bytes]]:
    """The files of the multipart field ``file`` (one or several)."""
    form = await request.form()
    files = []
    for value in form.getall("file") if "file" in form else []:
        if isinstance(value, UploadFile):
            files.append((value.filename or "upload", await value.read(MAX_FILE_BYTES + 1)))
    return files


def _attachment(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


async def _export(format: str, settings: Settings) -> Response[bytes]:
    if format not in ("xlsx", "zip"):
        raise InvalidInput(_("format must be xlsx (a workbook) or zip (.csv files)"), field="format")
    sheets = await export.program(settings.base_url)
    if format == "xlsx":
        return _attachment(export.workbook_bytes(sheets), XLSX, f"giveback-program-{_stamp()}.xlsx")
    return _attachment(export.zip_bytes(sheets), "application/zip", f"giveback-program-{_stamp()}.zip")


class ImportApi(Controller):
    path = "/api/imports"
    tags = ["imports"]
    guards = [COORDINATORS]

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=UPLOAD_MAX_BODY_BYTES,
        summary="Upload a program's spreadsheets (multipart field 'file', repeatable); the check starts at once",
    )
    async def upload(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> JobOut:
        return await services.upload(signed_in_user(request), await _uploaded(request), base_url=settings.base_url)

    @get("/", summary="The latest uploads and imports")
    async def list(self, request: Request[Any, Any, Any]) -> list[JobOut]:
        return await services.list_jobs(signed_in_user(request))

    @get("/{job_id:int}", summary="An upload: its progress, then the preview (or the outcome) per sheet")
    async def show(self, request: Request[Any, Any, Any], job_id: PathId) -> JobOut:
        return await services.get_job(signed_in_user(request), job_id)

    @post("/{job_id:int}/confirm", status_code=HTTP_202_ACCEPTED, summary="Import a checked upload")
    async def confirm(
        self, request: Request[Any, Any, Any], job_id: PathId, settings: NamedDependency[Settings]
    ) -> JobOut:
        return await services.confirm(signed_in_user(request), job_id, base_url=settings.base_url)

    @post("/{job_id:int}/discard", status_code=200, summary="Drop a checked upload without importing it")
    async def discard(self, request: Request[Any, Any, Any], job_id: PathId) -> JobOut:
        return await services.discard(signed_in_user(request), job_id)

    @get("/export", summary="The program in the import's format", responses=download(XLSX, "The workbook or zip"))
    async def export(self, settings: NamedDependency[Settings], format: FromQuery[str] = "xlsx") -> Response[bytes]:
        return await _export(format, settings)

    @get("/template", summary="The empty workbook to fill in", responses=download(XLSX, "The template workbook"))
    async def template(self) -> Response[bytes]:
        return _attachment(export.template_bytes(), XLSX, "giveback-import-template.xlsx")

    @get("/invitations", summary="Imported accounts: waiting for an invitation, invited, claimed")
    async def invitation_counts(self) -> InvitationsOut:
        return await invitations.counts()

    @post(
        "/invitations",
        status_code=200,
        summary="E-mail every imported account not invited yet an invitation to claim it",
    )
    async def invite(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> InvitationsOut:
        return await invitations.invite_all(signed_in_user(request), settings=settings)


class ImportPages(Controller):
    path = "/coordinator/import"
    include_in_schema = False
    guards = [COORDINATORS]

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        user: SignedIn = signed_in_user(request)
        return page(
            "imports/import.html",
            jobs=await services.list_jobs(user),
            invitations=await invitations.counts(),
            sheets=SHEETS,
            limit_mib=MAX_FILE_BYTES // (1024 * 1024),
            errors={},
        )

    @post("/", request_max_body_size=UPLOAD_MAX_BODY_BYTES)
    async def upload(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template | Redirect:
        user = signed_in_user(request)
        try:
            job = await services.upload(user, await _uploaded(request), base_url=settings.base_url)
        except DomainError as problem:
            return page(
                "imports/import.html",
                status_code=400,
                jobs=await services.list_jobs(user),
                invitations=await invitations.counts(),
                sheets=SHEETS,
                limit_mib=MAX_FILE_BYTES // (1024 * 1024),
                errors={"file": problem.message},
            )
        return redirect(f"/coordinator/import/{job.id}")

    @get("/{job_id:int}")
    async def job(self, request: Request[Any, Any, Any], job_id: PathId) -> Template:
        job = await services.get_job(signed_in_user(request), job_id)
        return page("imports/job.html", job=job, shown=SHOWN_FINDINGS, as_text=text_from)

    @post("/{job_id:int}/confirm")
    async def confirm(
        self, request: Request[Any, Any, Any], job_id: PathId, settings: NamedDependency[Settings]
    ) -> Redirect:
        await services.confirm(signed_in_user(request), job_id, base_url=settings.base_url)
        return redirect(f"/coordinator/import/{job_id}")

    @post("/{job_id:int}/discard")
    async def discard(self, request: Request[Any, Any, Any], job_id: PathId) -> Redirect:
        await services.discard(signed_in_user(request), job_id)
        return redirect("/coordinator/import/")

    @get("/template.xlsx")
    async def template(self) -> Response[bytes]:
        return _attachment(export.template_bytes(), XLSX, "giveback-import-template.xlsx")

    @get("/export.xlsx")
    async def export_workbook(self, settings: NamedDependency[Settings]) -> Response[bytes]:
        return await _export("xlsx", settings)

    @get("/export.zip")
    async def export_csv(self, settings: NamedDependency[Settings]) -> Response[bytes]:
        return await _export("zip", settings)

    @post("/invitations")
    async def invite(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Redirect:
        done = await invitations.invite_all(signed_in_user(request), settings=settings)
        return redirect(f"/coordinator/import/?invited={done.invited}")


ROUTES: list[ControllerRouterHandler] = [ImportApi, ImportPages]
