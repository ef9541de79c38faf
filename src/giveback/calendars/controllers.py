"""Calendar endpoints: feed management (API and the /calendar page), the secret feeds, imported calendars.

The links in invites are answered by the trips domain (``giveback.trips.controllers``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any, cast

from litestar import Controller, Request, Response, asgi, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import MethodNotAllowedException
from litestar.params import JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from litestar.types import (
    ControllerRouterHandler,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    HTTPScope,
    Receive,
    Scope,
    Send,
)

from giveback.accounts.sessions import SignedIn
from giveback.calendars import feeds, imports
from giveback.calendars.feeds import FeedBody, FeedTrips
from giveback.calendars.schemas import FeedCreate, FeedCreated, FeedOut, ImportIn, ImportOut
from giveback.errors import DomainError, NotFound
from giveback.hosts.services import contact_organization_ids
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.web.auth import WITHOUT_SESSION, signed_in, signed_in_user
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.openapi import PathId
from giveback.web.pagination import PageCursor, PageLimit, with_next_link

FEED_CONTENT_TYPE = b"text/calendar; charset=utf-8"
FEED_METHODS = ("GET", "HEAD")


class CalendarApi(Controller):
    path = "/api/calendar"
    tags = ["calendars"]
    guards = [signed_in]

    @get("/feeds", summary="Your calendar feeds (their secret addresses are shown only when made)")
    async def feeds(
        self, request: Request[Any, Any, Any], cursor: PageCursor = None, limit: PageLimit = None
    ) -> Response[list[FeedOut]]:
        found = await feeds.feed_page(signed_in_user(request), cursor=cursor, limit=limit)
        return with_next_link(request, found.items, found.next_cursor)

    @post("/feeds", summary="Make a feed: personal, organization (contacts) or program (coordinators)")
    async def create_feed(
        self, request: Request[Any, Any, Any], data: JSONBody[FeedCreate], settings: NamedDependency[Settings]
    ) -> FeedCreated:
        return await feeds.create_feed(signed_in_user(request), data, settings)

    @post("/feeds/{feed_id:int}/rotate", status_code=200, summary="New secret address; the old one stops at once")
    async def rotate_feed(
        self, request: Request[Any, Any, Any], feed_id: PathId, settings: NamedDependency[Settings]
    ) -> FeedCreated:
        return await feeds.rotate_feed(signed_in_user(request), feed_id, settings)

    @delete("/feeds/{feed_id:int}", status_code=HTTP_204_NO_CONTENT, summary="Revoke a feed")
    async def revoke_feed(self, request: Request[Any, Any, Any], feed_id: PathId) -> None:
        await feeds.revoke_feed(signed_in_user(request), feed_id)

    @get("/import", summary="Your imported calendar: address host, last fetch, error, busy days (volunteers)")
    async def import_status(self, request: Request[Any, Any, Any]) -> ImportOut:
        return await imports.import_status(signed_in_user(request))

    @put("/import", summary="Link your calendar's secret iCal address (volunteers)")
    async def link(self, request: Request[Any, Any, Any], data: JSONBody[ImportIn]) -> ImportOut:
        return await imports.link_calendar(signed_in_user(request), data)

    @delete("/import", status_code=HTTP_204_NO_CONTENT, summary="Unlink your calendar and forget its busy days")
    async def unlink(self, request: Request[Any, Any, Any]) -> None:
        await imports.unlink_calendar(signed_in_user(request))

    @post(
        "/import/refresh",
        status_code=HTTP_202_ACCEPTED,
        summary="Fetch your linked calendar soon: the worker fetches it within seconds (never in the request)",
    )
    async def refresh(self, request: Request[Any, Any, Any]) -> ImportOut:
        return await imports.queue_import_fetch(signed_in_user(request))


def _not_modified(if_none_match: str | None, if_modified_since: str | None, feed: FeedBody) -> bool:
    """304 only when the client's copy is current: If-None-Match wins; else If-Modified-Since."""
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return feed.etag in tags or "*" in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and feed.last_modified <= since
    return False


@lru_cache(maxsize=4096)
def _feed_headers(etag: str, last_modified: datetime) -> list[tuple[bytes, bytes]]:
    """The headers every feed answer carries (GET and HEAD, 200 and 304 alike), encoded once per version."""
    headers = {
        "etag": etag,
        "last-modified": format_datetime(last_modified, usegmt=True),
        "cache-control": "private, no-cache",
        "content-disposition": 'inline; filename="giveback.ics"',
        "x-robots-tag": "noindex",
        "referrer-policy": "no-referrer",
    }
    return [(name.encode(), value.encode("latin-1")) for name, value in headers.items()]


def _header(scope: Scope, name: bytes) -> str | None:
    return next((value.decode("latin-1") for key, value in scope["headers"] if key == name), None)


@asgi("/feeds", is_mount=True, copy_scope=True, opt={WITHOUT_SESSION: True})
async def feed(scope: Scope, receive: Receive, send: Send) -> None:
    """A secret iCal feed (``/feeds/<token>.ics``), for GET and HEAD; an unknown or rotated token answers 404.

    Every subscriber's calendar app polls its feed all day long, so this is a plain ASGI handler: no session,
    no guards, no parameter parsing, no response pipeline; the settings and the source of the feeds' trips
    (``feed_trips``, the trips domain's) come from the app's state. It still
    runs behind the allowed-hosts check, and its refusals go through the app's error handlers.
    """
    method = cast("HTTPScope", scope)["method"]
    if method not in FEED_METHODS:
        raise MethodNotAllowedException(headers={"Allow": ", ".join(FEED_METHODS)})
    name = scope["path"].strip("/")  # the path under the mount point: "/<token>.ics/" (Litestar adds the "/")
    if not name.endswith(".ics") or "/" in name:
        raise NotFound("no such feed", field="token")
    state = scope["litestar_app"].state
    settings: Settings = state.settings
    trips: FeedTrips = state.feed_trips
    result = await feeds.feed_body(name.removesuffix(".ics"), settings, trips)
    # RFC 9110 8.8.2.1: Last-Modified is never later than the answer's Date (the high-water mark can be a second
    # ahead when the feed changed twice within one second); both are read from one clock here.
    now = datetime.now(UTC).replace(microsecond=0)
    date = (b"date", format_datetime(now, usegmt=True).encode())
    headers = [*_feed_headers(result.etag, min(result.last_modified, now)), date]
    if _not_modified(_header(scope, b"if-none-match"), _header(scope, b"if-modified-since"), result):
        await send(HTTPResponseStartEvent(type="http.response.start", status=304, headers=headers))
        await send(HTTPResponseBodyEvent(type="http.response.body", body=b"", more_body=False))
        return
    headers = [*headers, (b"content-type", FEED_CONTENT_TYPE), (b"content-length", str(len(result.body)).encode())]
    await send(HTTPResponseStartEvent(type="http.response.start", status=200, headers=headers))
    body = b"" if method == "HEAD" else result.body
    await send(HTTPResponseBodyEvent(type="http.response.body", body=body, more_body=False))


# --- pages ----------------------------------------------------------------------------------------------


async def _organizations(user: SignedIn) -> list[dict[str, Any]]:
    ids = await contact_organization_ids(user.person_id)
    if not ids:
        return []
    rows = await Organization.select(Organization.id, Organization.name).where(Organization.id.is_in(ids))
    return sorted(rows, key=lambda r: r["name"])


class CalendarPages(Controller):
    path = "/calendar"
    include_in_schema = False
    guards = [signed_in]

    async def _context(self, user: SignedIn) -> dict[str, Any]:
        own = await feeds.list_feeds(user)
        context: dict[str, Any] = {
            "feeds": own,
            "organizations": await _organizations(user),
            "is_coordinator": user.has("coordinator"),
            "is_volunteer": user.has("volunteer"),
            "imported": await imports.import_status(user) if user.has("volunteer") else None,
            "new_feed": None,
            "errors": {},
            "values": {},
        }
        context["has_personal"] = any(f.kind == "personal" for f in own)
        context["has_program"] = any(f.kind == "program" for f in own)
        have = {f.organization_id for f in own if f.kind == "organization"}
        context["organizations_without_feed"] = [o for o in context["organizations"] if o["id"] not in have]
        return context

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        return page("calendars/calendar.html", **await self._context(signed_in_user(request)))

    @post("/feeds")
    async def create_feed(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        if not fields.get("organization_id"):
            fields.pop("organization_id", None)
        try:
            created = await feeds.create_feed(user, parse(FeedCreate, fields), settings)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("calendars/calendar.html", problem, **{**await self._context(user), "errors": {}})
        return page("calendars/calendar.html", 201, **{**await self._context(user), "new_feed": created})

    @post("/feeds/{feed_id:int}/rotate")
    async def rotate_feed(
        self, request: Request[Any, Any, Any], feed_id: PathId, settings: NamedDependency[Settings]
    ) -> Template:
        user = signed_in_user(request)
        created = await feeds.rotate_feed(user, feed_id, settings)
        return page("calendars/calendar.html", **{**await self._context(user), "new_feed": created})

    @post("/feeds/{feed_id:int}/revoke")
    async def revoke_feed(self, request: Request[Any, Any, Any], feed_id: PathId) -> Redirect:
        await feeds.revoke_feed(signed_in_user(request), feed_id)
        return redirect("/calendar?revoked=1")

    @post("/import")
    async def link(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            await imports.link_calendar(user, parse(ImportIn, fields))
        except (FormInvalid, DomainError) as problem:
            context = {**await self._context(user), "values": fields}
            context.pop("errors")
            return form_error_page("calendars/calendar.html", problem, **context)
        return redirect("/calendar?linked=1#import")

    @post("/import/refresh")
    async def refresh(self, request: Request[Any, Any, Any]) -> Redirect:
        await imports.queue_import_fetch(signed_in_user(request))
        return redirect("/calendar?refreshed=1#import")

    @post("/import/unlink")
    async def unlink(self, request: Request[Any, Any, Any]) -> Redirect:
        await imports.unlink_calendar(signed_in_user(request))
        return redirect("/calendar?unlinked=1#import")


ROUTES: list[ControllerRouterHandler] = [CalendarApi, CalendarPages]
FEED_ROUTES: list[ControllerRouterHandler] = [feed]
