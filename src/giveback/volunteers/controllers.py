"""Volunteer endpoints: the JSON API, the public directory, and the volunteer's own pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pycountry
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromQuery, JSONBody, MultipartBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import ControllerRouterHandler

from giveback import geo
from giveback.accounts.sessions import SignedIn
from giveback.errors import DomainError, InvalidInput, NotFound
from giveback.i18n import _
from giveback.topics.services import list_topics
from giveback.volunteers import services
from giveback.volunteers.schemas import (
    ADVISORY_LABELS,
    CAREER_STAGES,
    PROFICIENCY_LABELS,
    CvFile,
    CvOut,
    DirectoryEntry,
    ProfileIn,
    ProfileOut,
    WindowIn,
    WindowOut,
)
from giveback.web.auth import requires, signed_in, signed_in_user
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.openapi import PathId, download
from giveback.web.pagination import PageCursor, PageLimit, paged
from giveback.web.tables import Column, SortableTable

EXPERTISE_PREFIX = "expertise."
_CODES = re.compile(r"[\s,;]+")
DIRECTORY = SortableTable(Column("name"), Column("country_name"))
WINDOWS = SortableTable(
    Column("start", "date"),
    Column("end", "date"),
    Column("preferred", "number"),
    Column("source"),
)


@dataclass
class CvUpload:
    """A multipart form with the CV in the field ``file``."""

    file: UploadFile


def _none_if_blank(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


async def _read_upload(upload: UploadFile) -> bytes:
    """The upload's bytes, reading at most one byte past the limit (the service refuses a larger file)."""
    content: bytes = await upload.read(services.CV_MAX_BYTES + 1)
    return content


def _cv_response(cv: CvFile) -> Response[bytes]:
    """A CV as a download only: never rendered inline, never sniffed into another type."""
    fallback = cv.filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "cv.pdf"
    return Response(
        cv.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cv.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


class VolunteerApi(Controller):
    path = "/api/volunteers"
    tags = ["volunteers"]
    guards = [signed_in]

    @get("/me", summary="Your volunteer profile (404 before the first save)")
    async def me(self, request: Request[Any, Any, Any]) -> ProfileOut:
        profile = await services.find_profile(signed_in_user(request))
        if profile is None:
            raise NotFound(
                _("you have no volunteer profile yet: %(no_profile)s", no_profile=services.NO_PROFILE), field="profile"
            )
        return profile

    @put("/me", summary="Create or replace your volunteer profile (volunteer role)")
    async def save(self, request: Request[Any, Any, Any], data: JSONBody[ProfileIn]) -> ProfileOut:
        return await services.save_profile(signed_in_user(request), data)

    @get("/", guards=[requires("coordinator")], summary="Volunteer profiles (coordinators)")
    async def list_profiles(
        self,
        request: Request[Any, Any, Any],
        topic: FromQuery[str | None] = None,
        language: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[ProfileOut]]:
        found = await services.list_profiles(
            signed_in_user(request),
            topic=_none_if_blank(topic),
            language=_none_if_blank(language),
            region=_none_if_blank(region),
        )
        return paged(request, found, lambda p: (p.name.lower(), p.person_id), cursor, limit)

    @get("/{person_id:int}", summary="One volunteer's profile (coordinators, or the volunteer)")
    async def show(self, request: Request[Any, Any, Any], person_id: PathId) -> ProfileOut:
        return await services.get_profile(signed_in_user(request), person_id)

    @get(
        "/me/cv",
        summary="Download your CV (always as an attachment)",
        responses=download("application/pdf", "The CV, as a PDF attachment"),
    )
    async def my_cv(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        user = signed_in_user(request)
        return _cv_response(await services.cv_file(user, user.person_id))

    @get(
        "/{person_id:int}/cv",
        summary="Download a volunteer's CV (coordinators, or the volunteer)",
        responses=download("application/pdf", "The CV, as a PDF attachment"),
    )
    async def cv(self, request: Request[Any, Any, Any], person_id: PathId) -> Response[bytes]:
        return _cv_response(await services.cv_file(signed_in_user(request), person_id))

    @post("/me/cv", summary="Upload your CV: a PDF of at most 2 MiB in the multipart field 'file'")
    async def upload_cv(self, request: Request[Any, Any, Any], data: MultipartBody[CvUpload]) -> CvOut:
        return await services.upload_cv(
            signed_in_user(request),
            filename=data.file.filename,
            content_type=data.file.content_type,
            content=await _read_upload(data.file),
        )

    @delete("/me/cv", status_code=HTTP_204_NO_CONTENT, summary="Delete your CV")
    async def delete_cv(self, request: Request[Any, Any, Any]) -> None:
        await services.delete_cv(signed_in_user(request))

    @get("/me/windows", summary="Your availability windows")
    async def windows(
        self, request: Request[Any, Any, Any], cursor: PageCursor = None, limit: PageLimit = None
    ) -> Response[list[WindowOut]]:
        found = await services.list_windows(signed_in_user(request))
        return paged(request, found, lambda w: (w.start.isoformat(), w.id), cursor, limit)

    @post("/me/windows", summary="Add an availability window (no overlaps, within two years)")
    async def add_window(self, request: Request[Any, Any, Any], data: JSONBody[WindowIn]) -> WindowOut:
        return await services.add_window(signed_in_user(request), data)

    @put("/me/windows/{window_id:int}", summary="Change one of your availability windows")
    async def change_window(
        self, request: Request[Any, Any, Any], window_id: PathId, data: JSONBody[WindowIn]
    ) -> WindowOut:
        return await services.change_window(signed_in_user(request), window_id, data)

    @delete("/me/windows/{window_id:int}", status_code=HTTP_204_NO_CONTENT, summary="Delete an availability window")
    async def delete_window(self, request: Request[Any, Any, Any], window_id: PathId) -> None:
        await services.delete_window(signed_in_user(request), window_id)


class DirectoryApi(Controller):
    path = "/api/directory/volunteers"
    tags = ["directory"]

    @get("/", summary="The public volunteer directory (speakers bureau), by topic, language or home region")
    async def search(
        self,
        request: Request[Any, Any, Any],
        topic: FromQuery[str | None] = None,
        language: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[DirectoryEntry]]:
        found = await services.directory(
            topic=_none_if_blank(topic), language=_none_if_blank(language), region=_none_if_blank(region)
        )
        return paged(request, found, lambda e: (e.name.lower(), e.person_id), cursor, limit)

    @get("/{person_id:int}", summary="One volunteer of the public directory")
    async def show(self, person_id: PathId) -> DirectoryEntry:
        return await services.directory_entry(person_id)


# --- pages ----------------------------------------------------------------------------------------------


def _countries() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, geo.country_name(c.alpha_2)) for c in pycountry.countries), key=lambda pair: pair[1])


_COMMON_LANGUAGES = ("en", "es", "pt", "fr", "ar", "zh", "ru", "de", "it", "ja", "hi", "tr")


def _language_choices() -> list[tuple[str, str]]:
    return [(code, geo.language_name(code)) for code in _COMMON_LANGUAGES]


class DirectoryPages(Controller):
    path = "/volunteers"
    include_in_schema = False

    @get("/")
    async def directory(
        self,
        request: Request[Any, Any, Any],
        topic: FromQuery[str | None] = None,
        language: FromQuery[str | None] = None,
        region: FromQuery[str | None] = None,
    ) -> Template:
        filters = {
            "topic": _none_if_blank(topic),
            "language": _none_if_blank(language),
            "region": _none_if_blank(region),
        }
        volunteers = await services.directory(**filters)
        return page(
            "volunteers/directory.html",
            volunteers=DIRECTORY.from_query(volunteers, request.query_params),
            topics=await list_topics(),
            languages=_language_choices(),
            regions=geo.REGIONS,
            filters={key: value or "" for key, value in filters.items()},
        )

    @get("/{person_id:int}")
    async def show(self, person_id: PathId) -> Template:
        return page("volunteers/public_profile.html", volunteer=await services.directory_entry(person_id))


def _values_of(profile: ProfileOut | None, user: SignedIn) -> dict[str, Any]:
    if profile is None:
        return {"name": user.name, "career_stage": "mid-career", "max_advisory_level": 2, "trips_per_year": 1}
    return {
        "name": profile.name,
        "institution": profile.institution,
        "country": profile.country or "",
        "career_stage": profile.career_stage,
        "expertise": {e.topic: e.proficiency for e in profile.expertise},
        "languages": ", ".join(profile.languages),
        "excluded_countries": ", ".join(profile.excluded_countries),
        "preferred_regions": profile.preferred_regions,
        "max_advisory_level": profile.max_advisory_level,
        "trips_per_year": profile.trips_per_year,
        "bio": profile.bio,
        "directory_opt_in": profile.directory_opt_in,
    }


def _profile_fields(form: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The posted profile form as ProfileIn's fields, and the values to show again on a refused post."""
    fields = form_fields(form, lists=("preferred_regions",))
    expertise: dict[str, str] = {}
    for key in list(fields):
        if key.startswith(EXPERTISE_PREFIX):
            level = str(fields.pop(key) or "").strip()
            if level and level != "0":
                expertise[key.removeprefix(EXPERTISE_PREFIX)] = level
    values = {**fields, "expertise": expertise, "directory_opt_in": bool(fields.get("directory_opt_in"))}
    fields["expertise"] = expertise
    for name in ("languages", "excluded_countries"):
        fields[name] = [code for code in _CODES.split(str(fields.get(name) or "")) if code]
    fields["directory_opt_in"] = bool(fields.get("directory_opt_in"))
    if isinstance(fields.get("bio"), str):
        fields["bio"] = fields["bio"].replace("\r\n", "\n")  # browsers send CRLF; maxlength counts one
    for name in ("country", "institution", "bio"):
        if name in fields and fields[name] is None:
            fields.pop(name)
    return fields, values


class VolunteerPages(Controller):
    path = "/volunteer"
    include_in_schema = False
    guards = [signed_in]

    async def _profile_context(self, user: SignedIn, profile: ProfileOut | None) -> dict[str, Any]:
        topics = await list_topics(include_retired=True)
        own = {e.topic for e in profile.expertise} if profile else set()
        return {
            "profile": profile,
            "topics": [t for t in topics if not t.retired or t.slug in own],
            "countries": _countries(),
            "regions": geo.REGIONS,
            "career_stages": CAREER_STAGES,
            "proficiency_labels": PROFICIENCY_LABELS,
            "advisory_labels": ADVISORY_LABELS,
            "cv_max_bytes": services.CV_MAX_BYTES,
        }

    @get("/profile")
    async def profile_form(self, request: Request[Any, Any, Any]) -> Template:
        user = signed_in_user(request)
        profile = await services.find_profile(user)
        context = await self._profile_context(user, profile)
        return page("volunteers/profile.html", values=_values_of(profile, user), errors={}, **context)

    @post("/profile")
    async def save_profile(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        fields, values = _profile_fields(await request.form())
        try:
            await services.save_profile(user, parse(ProfileIn, fields))
        except (FormInvalid, DomainError) as problem:
            context = await self._profile_context(user, await services.find_profile(user))
            return form_error_page("volunteers/profile.html", problem, values=values, **context)
        return redirect("/volunteer/profile?saved=1")

    @post("/cv")
    async def upload_cv(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        form = await request.form()
        upload = form.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput(_("choose a PDF file to upload"), field="file")
            await services.upload_cv(
                user, filename=upload.filename, content_type=upload.content_type, content=await _read_upload(upload)
            )
        except DomainError as problem:
            profile = await services.find_profile(user)
            context = await self._profile_context(user, profile)
            return form_error_page("volunteers/profile.html", problem, values=_values_of(profile, user), **context)
        return redirect("/volunteer/profile?cv=uploaded")

    @post("/cv/delete")
    async def delete_cv(self, request: Request[Any, Any, Any]) -> Redirect:
        await services.delete_cv(signed_in_user(request))
        return redirect("/volunteer/profile?cv=deleted")

    async def _availability_page(
        self,
        request: Request[Any, Any, Any],
        problem: Exception | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        user = signed_in_user(request)
        context: dict[str, Any] = {
            "windows": WINDOWS.from_query(await services.list_windows(user), request.query_params),
            "has_profile": await services.find_profile(user) is not None,
            "today": services.today(),
            "values": values or {},
        }
        if problem is not None:
            return form_error_page("volunteers/availability.html", problem, **context)
        return page("volunteers/availability.html", errors={}, **context)

    @get("/availability")
    async def availability(self, request: Request[Any, Any, Any]) -> Template:
        return await self._availability_page(request)

    @post("/availability")
    async def add_window(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        fields = _window_fields(await request.form())
        try:
            await services.add_window(user, parse(WindowIn, fields))
        except (FormInvalid, DomainError) as problem:
            return await self._availability_page(request, problem=problem, values=fields)
        return redirect("/volunteer/availability?added=1")

    @get("/availability/{window_id:int}/edit")
    async def edit_window_form(self, request: Request[Any, Any, Any], window_id: PathId) -> Template:
        window = await services.get_window(signed_in_user(request), window_id)
        values = {"start": window.start.isoformat(), "end": window.end.isoformat(), "preferred": window.preferred}
        return page("volunteers/window_edit.html", window=window, values=values, errors={})

    @post("/availability/{window_id:int}")
    async def change_window(self, request: Request[Any, Any, Any], window_id: PathId) -> Template | Redirect:
        user = signed_in_user(request)
        window = await services.get_window(user, window_id)
        fields = _window_fields(await request.form())
        try:
            await services.change_window(user, window_id, parse(WindowIn, fields))
        except (FormInvalid, DomainError) as problem:
            return form_error_page("volunteers/window_edit.html", problem, window=window, values=fields)
        return redirect("/volunteer/availability?changed=1")

    @post("/availability/{window_id:int}/delete")
    async def delete_window(self, request: Request[Any, Any, Any], window_id: PathId) -> Redirect:
        await services.delete_window(signed_in_user(request), window_id)
        return redirect("/volunteer/availability?deleted=1")


def _window_fields(form: Any) -> dict[str, Any]:
    fields = form_fields(form)
    fields["preferred"] = bool(fields.get("preferred"))
    return fields


class CoordinatorVolunteerPages(Controller):
    """A volunteer's whole profile as the coordinators read it (the names in proposals link here)."""

    path = "/coordinator/volunteers"
    include_in_schema = False
    guards = [requires("coordinator")]

    @get("/{person_id:int}")
    async def show(self, request: Request[Any, Any, Any], person_id: PathId) -> Template:
        profile = await services.get_profile(signed_in_user(request), person_id)
        return page("volunteers/coordinator_profile.html", volunteer=profile)


ROUTES: list[ControllerRouterHandler] = [
    VolunteerApi,
    DirectoryApi,
    DirectoryPages,
    VolunteerPages,
    CoordinatorVolunteerPages,
]
