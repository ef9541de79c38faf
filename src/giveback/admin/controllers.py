"""Administration: the people and audit-log pages under /admin and their API under /api/admin (admins only)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from giveback.accounts import api_tokens
from giveback.accounts.schemas import ROLES, ApiTokenOut, PersonOut, Role
from giveback.admin import services
from giveback.admin.schemas import (
    PEOPLE_SORTS,
    PERSON_STATES,
    AuditEventOut,
    AuditQuery,
    DisableIn,
    PeopleQuery,
    PersonAdminOut,
)
from giveback.errors import DomainError
from giveback.i18n import _
from giveback.mail.sender import send_now
from giveback.settings import Settings
from giveback.web.auth import requires, signed_in_user
from giveback.web.forms import FormInvalid, explain, form_fields, page, redirect
from giveback.web.openapi import PathId, no_content
from giveback.web.pagination import next_link, with_next_link

ADMIN = [requires("admin")]
PAGE_ROWS = 50
PAGE_NOTICES = {
    "roles": _("Roles saved; the person's sessions ended, so they log in again."),
    "disabled": _("The account is disabled."),
    "enabled": _("The account can log in again."),
    "resent": _("A new confirmation link is on its way."),
}


def _query(struct: type[Any], params: dict[str, Any]) -> Any:
    """Query parameters as the struct, or a 400 naming the parameter and its rule."""
    try:
        return msgspec.convert({k: v for k, v in params.items() if v not in (None, "")}, struct, strict=False)
    except msgspec.ValidationError as problem:
        field, words = explain(str(problem))
        raise FormInvalid({field: _("%(field)s: %(rule)s", field=field, rule=words)}) from None


class AdminApi(Controller):
    path = "/api/admin"
    tags = ["administration"]
    guards = ADMIN

    @get("/people", summary="Find people (admin)")
    async def people(
        self,
        request: Request[Any, Any, Any],
        search: FromQuery[str] = "",
        role: FromQuery[Role | None] = None,
        account_state: Annotated[str | None, QueryParameter(name="state")] = None,
        sort: FromQuery[str] = "name",
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int | None] = None,
    ) -> Response[list[PersonAdminOut]]:
        """People whose name or e-mail address holds ``search``, with a role and in a state (active,
        unconfirmed, disabled), sorted by ``name``, ``email`` (``-`` before either for the reverse), ``newest``
        or ``oldest``. One page of at most ``limit`` (50 by default, 500 at most); the ``Link`` header names the
        next page (``rel="next"``)."""
        query = _checked(
            PeopleQuery, search=search, role=role, state=account_state, sort=sort, cursor=cursor, limit=limit
        )
        found = await services.people(query)
        return with_next_link(request, found.items, found.next_cursor)

    @post("/people/{person_id:int}/roles/{role:str}", status_code=HTTP_200_OK, summary="Grant a role (admin)")
    async def grant(self, request: Request[Any, Any, Any], person_id: PathId, role: FromPath[Role]) -> PersonOut:
        """Give the person the role (holding it already changes nothing). The person's sessions end."""
        return await services.grant_roles(signed_in_user(request).person_id, person_id, [role])

    @delete("/people/{person_id:int}/roles/{role:str}", status_code=HTTP_200_OK, summary="Revoke a role (admin)")
    async def revoke(self, request: Request[Any, Any, Any], person_id: PathId, role: FromPath[Role]) -> PersonOut:
        """Take the role away (409 when the person does not hold it, or it is the last admin's)."""
        return await services.revoke_roles(signed_in_user(request).person_id, person_id, [role])

    @post("/people/{person_id:int}/disable", status_code=HTTP_200_OK, summary="Disable an account (admin)")
    async def disable(
        self, request: Request[Any, Any, Any], person_id: PathId, data: JSONBody[DisableIn]
    ) -> PersonAdminOut:
        """The person can no longer log in; their sessions and calendar feeds end, and they leave the
        directories and the matching. The reason is kept in the audit log."""
        return await services.disable_account(signed_in_user(request).person_id, person_id, data.reason)

    @post("/people/{person_id:int}/enable", status_code=HTTP_200_OK, summary="Enable a disabled account (admin)")
    async def enable(self, request: Request[Any, Any, Any], person_id: PathId) -> PersonAdminOut:
        return await services.enable_account(signed_in_user(request).person_id, person_id)

    @post(
        "/people/{person_id:int}/confirmation",
        status_code=HTTP_204_NO_CONTENT,
        summary="Resend the confirmation e-mail (admin)",
        responses=no_content("A new confirmation link is e-mailed to the person"),
    )
    async def resend(
        self,
        request: Request[Any, Any, Any],
        person_id: PathId,
        settings: NamedDependency[Settings],
    ) -> Response[None]:
        """For an account whose address is not confirmed yet (409 otherwise)."""
        queued = await services.resend_confirmation(signed_in_user(request).person_id, person_id, settings=settings)
        return Response(None, status_code=HTTP_204_NO_CONTENT, background=BackgroundTask(send_now, settings, queued))

    @get(
        "/tokens",
        summary="Every live API token of the program (admin)",
        description="Service tokens first, then personal ones by owner; revoke one with "
        "`DELETE /api/account/tokens/{token_id}`.",
    )
    async def tokens(self) -> list[ApiTokenOut]:
        return await api_tokens.list_all_tokens()

    @get("/audit", summary="Read the audit log (admin)")
    async def audit(
        self,
        request: Request[Any, Any, Any],
        person: FromQuery[int | None] = None,
        record_type: FromQuery[str] = "",
        record_id: FromQuery[int | None] = None,
        action: FromQuery[str] = "",
        since: FromQuery[str | None] = None,
        until: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int | None] = None,
    ) -> Response[list[AuditEventOut]]:
        """Entries newest first, by or about ``person``, about a record (``record_type`` and ``record_id``), of
        an ``action`` (ending in ``.`` for a family, e.g. ``trip.``), between two days (``since``, ``until``:
        YYYY-MM-DD, UTC, both included). The ``Link`` header names the next page."""
        query = _checked(
            AuditQuery,
            person=person,
            record_type=record_type,
            record_id=record_id,
            action=action,
            since=since,
            until=until,
            cursor=cursor,
            limit=limit,
        )
        found = await services.audit_log(query)
        return with_next_link(request, found.items, found.next_cursor)


def _checked(struct: type[Any], **params: Any) -> Any:
    try:
        return _query(struct, params)
    except FormInvalid as problem:
        [(field, message)] = problem.errors.items()
        from giveback.errors import InvalidInput

        raise InvalidInput(message, field=field) from None


class AdminPages(Controller):
    path = "/admin"
    include_in_schema = False
    guards = ADMIN

    @get("/people")
    async def people(self, request: Request[Any, Any, Any]) -> Template:
        params = dict(request.query_params)
        errors: dict[str, str] = {}
        try:
            asked = {k: params.get(k) for k in ("search", "role", "state", "sort", "cursor")}
            query = _query(PeopleQuery, {**asked, "limit": PAGE_ROWS})
            found = await services.people(query)
        except (FormInvalid, DomainError) as problem:
            errors = problem.errors if isinstance(problem, FormInvalid) else {problem.field or "form": problem.message}
            query = PeopleQuery(search=str(params.get("search", ""))[:200], limit=PAGE_ROWS)
            found = await services.people(query)
        return page(
            "admin/people.html",
            people=found.items,
            next_page=next_link(request, found.next_cursor),
            query=query,
            roles=ROLES,
            states=PERSON_STATES,
            sorts=PEOPLE_SORTS,
            errors=errors,
        )

    @get("/people/{person_id:int}")
    async def person(self, request: Request[Any, Any, Any], person_id: PathId) -> Template:
        return await self._person_page(request, person_id)

    async def _person_page(
        self, request: Request[Any, Any, Any], person_id: int, *, errors: dict[str, str] | None = None
    ) -> Template:
        person = await services.person_admin_out(person_id)
        recent = await services.audit_log(AuditQuery(person=person_id, limit=20))
        done = request.query_params.get("done", "")
        return page(
            "admin/person.html",
            status_code=400 if errors else 200,
            person=person,
            roles=ROLES,
            recent=recent.items,
            more_history=recent.next_cursor is not None,
            notice=PAGE_NOTICES.get(done, ""),
            errors=errors or {},
            is_me=person_id == signed_in_user(request).person_id,
        )

    @post("/people/{person_id:int}/roles")
    async def set_roles(self, request: Request[Any, Any, Any], person_id: PathId) -> Template | Redirect:
        fields = form_fields(await request.form(), lists=("roles",))
        wanted = [role for role in fields["roles"] if role in ROLES]
        try:
            await services.set_roles(signed_in_user(request).person_id, person_id, wanted)
        except DomainError as problem:
            return await self._person_page(request, person_id, errors={problem.field or "roles": problem.message})
        return redirect(f"/admin/people/{person_id}?done=roles")

    @post("/people/{person_id:int}/disable")
    async def disable(self, request: Request[Any, Any, Any], person_id: PathId) -> Template | Redirect:
        fields = form_fields(await request.form())
        try:
            await services.disable_account(
                signed_in_user(request).person_id, person_id, str(fields.get("reason") or "")
            )
        except DomainError as problem:
            return await self._person_page(request, person_id, errors={problem.field or "reason": problem.message})
        return redirect(f"/admin/people/{person_id}?done=disabled")

    @post("/people/{person_id:int}/enable")
    async def enable(self, request: Request[Any, Any, Any], person_id: PathId) -> Template | Redirect:
        try:
            await services.enable_account(signed_in_user(request).person_id, person_id)
        except DomainError as problem:
            return await self._person_page(request, person_id, errors={"form": problem.message})
        return redirect(f"/admin/people/{person_id}?done=enabled")

    @post("/people/{person_id:int}/confirmation")
    async def resend(
        self,
        request: Request[Any, Any, Any],
        person_id: PathId,
        settings: NamedDependency[Settings],
    ) -> Template | Redirect:
        try:
            queued = await services.resend_confirmation(signed_in_user(request).person_id, person_id, settings=settings)
        except DomainError as problem:
            return await self._person_page(request, person_id, errors={"form": problem.message})
        done = redirect(f"/admin/people/{person_id}?done=resent")
        done.background = BackgroundTask(send_now, settings, queued)
        return done

    @get("/tokens")
    async def tokens(self) -> Template:
        return page("admin/tokens.html", tokens=await api_tokens.list_all_tokens())

    @post("/tokens/{token_id:int}/revoke")
    async def revoke_token(self, request: Request[Any, Any, Any], token_id: PathId) -> Redirect:
        await api_tokens.revoke_token(signed_in_user(request), token_id)
        return redirect("/admin/tokens?revoked=1")

    @get("/audit")
    async def audit(self, request: Request[Any, Any, Any]) -> Template:
        params = {k: request.query_params.get(k) for k in ("record_type", "record_id", "action", "since", "until")}
        params["cursor"] = request.query_params.get("cursor")
        params["limit"] = PAGE_ROWS
        person_text = (request.query_params.get("person") or "").strip()
        errors: dict[str, str] = {}
        person_name = ""
        try:
            if person_text:
                person_id = await services.find_person(person_text)
                params["person"] = person_id
                person_name = (await services.person_admin_out(person_id)).name
            query = _query(AuditQuery, params)
            found = await services.audit_log(query)
        except (FormInvalid, DomainError) as problem:
            if isinstance(problem, FormInvalid):
                errors = problem.errors
            else:
                errors = {"person" if problem.field == "person_id" else (problem.field or "form"): problem.message}
            query = AuditQuery(limit=PAGE_ROWS)
            found = await services.audit_log(query)
        actions = await services.audit_actions()
        families = sorted({action.split(".")[0] + "." for action in actions})
        return page(
            "admin/audit.html",
            events=found.items,
            next_page=next_link(request, found.next_cursor),
            query=query,
            person_text=person_text,
            person_name=person_name,
            actions=actions,
            families=families,
            record_types=sorted(services.RECORD_WORDS.items()),
            errors=errors,
        )
