"""Account endpoints: the JSON API under /api/auth and /api/people, and the sign-up and log-in pages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from giveback.accounts import services
from giveback.accounts.schemas import (
    EmailConfirmation,
    EmailOnly,
    LogIn,
    Message,
    PasswordChange,
    PasswordReset,
    PersonOut,
    RoleChange,
    SessionOut,
    SignUp,
)
from giveback.accounts.sessions import SignedIn, end_session, load_session
from giveback.errors import DomainError
from giveback.mail.service import Mailer
from giveback.settings import Settings
from giveback.web.auth import expired_session_cookie, requires, session_cookie, signed_in
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.openapi import PathId, no_content
from giveback.web.pagination import PageCursor, PageLimit, paged

RESET_SENT = "if an account has this address, we sent it a link"


async def _session_out(raw_session: str) -> SessionOut:
    user = await load_session(raw_session)
    assert user is not None
    return SessionOut(person=await services.person_out(user.person_id), csrf_token=user.csrf_token)


class AuthApi(Controller):
    path = "/api/auth"
    tags = ["accounts"]

    @post("/signup", summary="Create an account; a confirmation link is e-mailed")
    async def sign_up(
        self, data: JSONBody[SignUp], mailer: NamedDependency[Mailer], settings: NamedDependency[Settings]
    ) -> PersonOut:
        return await services.sign_up(data, mailer=mailer, base_url=settings.base_url)

    @post("/confirm", summary="Confirm an e-mail address with the e-mailed token")
    async def confirm(self, data: JSONBody[EmailConfirmation]) -> PersonOut:
        return await services.confirm_email(data.token)

    @post("/resend-confirmation", status_code=HTTP_202_ACCEPTED, summary="E-mail a new confirmation link")
    async def resend_confirmation(
        self, data: JSONBody[EmailOnly], mailer: NamedDependency[Mailer], settings: NamedDependency[Settings]
    ) -> Message:
        await services.resend_confirmation(data.email, mailer=mailer, base_url=settings.base_url)
        return Message(RESET_SENT)

    @post("/login", summary="Log in; sets the session cookie and returns the CSRF token")
    async def log_in(self, data: JSONBody[LogIn], settings: NamedDependency[Settings]) -> Response[SessionOut]:
        raw_session, _ = await services.log_in(data.email, data.password)
        return Response(await _session_out(raw_session), headers={"set-cookie": session_cookie(settings, raw_session)})

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        guards=[signed_in],
        summary="End this session",
        responses=no_content("The session is ended and its cookie expired"),
    )
    async def log_out(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Response[None]:
        user: SignedIn = request.state.user
        await end_session(user.session_id)
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"set-cookie": expired_session_cookie(settings)})

    @post("/password-reset", status_code=HTTP_202_ACCEPTED, summary="E-mail a password-reset link")
    async def request_reset(
        self, data: JSONBody[EmailOnly], mailer: NamedDependency[Mailer], settings: NamedDependency[Settings]
    ) -> Message:
        await services.request_password_reset(data.email, mailer=mailer, base_url=settings.base_url)
        return Message(RESET_SENT)

    @post("/password-reset/confirm", summary="Set a new password with the e-mailed token")
    async def reset(self, data: JSONBody[PasswordReset]) -> Message:
        await services.reset_password(data.token, data.password)
        return Message("password changed; log in with the new one")

    @post("/password", guards=[signed_in], summary="Change the password; the session gets a fresh id")
    async def change_password(
        self,
        data: JSONBody[PasswordChange],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        user: SignedIn = request.state.user
        raw_session = await services.change_password(user.person_id, data.current_password, data.new_password)
        return Response(await _session_out(raw_session), headers={"set-cookie": session_cookie(settings, raw_session)})


class PeopleApi(Controller):
    path = "/api"
    tags = ["accounts"]

    @get("/me", guards=[signed_in], summary="The signed-in person and their CSRF token")
    async def me(self, request: Request[Any, Any, Any]) -> SessionOut:
        user: SignedIn = request.state.user
        return SessionOut(person=await services.person_out(user.person_id), csrf_token=user.csrf_token)

    @get("/people", guards=[requires("coordinator", "admin")], summary="People, optionally with one role")
    async def people(
        self,
        request: Request[Any, Any, Any],
        role: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[PersonOut]]:
        found = await services.list_people(role=role)
        return paged(request, found, lambda p: (p.name.casefold(), p.id), cursor, limit)

    @put("/people/{person_id:int}/roles", guards=[requires("admin")], summary="Set a person's roles (admin)")
    async def set_roles(
        self, person_id: PathId, data: JSONBody[RoleChange], request: Request[Any, Any, Any]
    ) -> PersonOut:
        user: SignedIn = request.state.user
        return await services.set_roles(user.person_id, person_id, data.roles)


class AccountPages(Controller):
    include_in_schema = False

    @get("/signup")
    async def sign_up_form(self) -> Template:
        return page("accounts/signup.html", values={"roles": ["volunteer"]})

    @post("/signup")
    async def sign_up(
        self,
        request: Request[Any, Any, Any],
        mailer: NamedDependency[Mailer],
        settings: NamedDependency[Settings],
    ) -> Template:
        fields = form_fields(await request.form(), lists=("roles",))
        try:
            await services.sign_up(parse(SignUp, fields), mailer=mailer, base_url=settings.base_url)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/signup.html", problem, values=fields)
        return page("accounts/check_mail.html", email=fields.get("email", ""))

    @get("/confirm")
    async def confirm_form(self, token: FromQuery[str] = "") -> Template:
        return page("accounts/confirm.html", token=token)

    @post("/confirm")
    async def confirm(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form())
        try:
            await services.confirm_email(parse(EmailConfirmation, fields).token)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/confirm.html", problem, token=fields.get("token", ""))
        return redirect("/login?confirmed=1")

    @get("/login")
    async def log_in_form(self, next: FromQuery[str] = "/", confirmed: FromQuery[str] = "") -> Template:
        return page("accounts/login.html", next=_safe_next(next), confirmed=bool(confirmed), values={})

    @post("/login")
    async def log_in(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template | Redirect:
        fields = form_fields(await request.form())
        next_path = _safe_next(str(fields.pop("next", "/") or "/"))
        try:
            data = parse(LogIn, fields)
            raw_session, _ = await services.log_in(data.email, data.password)
        except (FormInvalid, DomainError) as problem:
            values = {"email": fields.get("email", "")}
            return form_error_page("accounts/login.html", problem, values=values, next=next_path, confirmed=False)
        response = redirect(next_path)
        response.headers["set-cookie"] = session_cookie(settings, raw_session)
        return response

    @post("/logout", guards=[signed_in])
    async def log_out(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Redirect:
        user: SignedIn = request.state.user
        await end_session(user.session_id)
        response = redirect("/")
        response.headers["set-cookie"] = expired_session_cookie(settings)
        return response

    @get("/forgot-password")
    async def forgot_form(self, email: FromQuery[str] = "") -> Template:
        return page("accounts/forgot.html", values={"email": email[:320]})

    @post("/forgot-password")
    async def forgot(
        self,
        request: Request[Any, Any, Any],
        mailer: NamedDependency[Mailer],
        settings: NamedDependency[Settings],
    ) -> Template:
        fields = form_fields(await request.form())
        try:
            data = parse(EmailOnly, fields)
        except FormInvalid as problem:
            return form_error_page("accounts/forgot.html", problem, values=fields)
        await services.request_password_reset(data.email, mailer=mailer, base_url=settings.base_url)
        return page("accounts/forgot.html", values={}, sent=True)

    @get("/reset-password")
    async def reset_form(self, token: FromQuery[str] = "") -> Template:
        return page("accounts/reset.html", token=token)

    @post("/reset-password")
    async def reset(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        fields = form_fields(await request.form())
        try:
            data = parse(PasswordReset, fields)
            await services.reset_password(data.token, data.password)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/reset.html", problem, token=fields.get("token", ""))
        return redirect("/login")

    @get("/account", guards=[signed_in])
    async def account(self, request: Request[Any, Any, Any]) -> Template:
        user: SignedIn = request.state.user
        return page("accounts/account.html", person=await services.person_out(user.person_id))

    @post("/account/password", guards=[signed_in])
    async def change_password(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        user: SignedIn = request.state.user
        fields = form_fields(await request.form())
        try:
            data = parse(PasswordChange, fields)
            raw_session = await services.change_password(user.person_id, data.current_password, data.new_password)
        except (FormInvalid, DomainError) as problem:
            person = await services.person_out(user.person_id)
            return form_error_page("accounts/account.html", problem, person=person)
        response = redirect("/account?changed=1")
        response.headers["set-cookie"] = session_cookie(settings, raw_session)
        return response


def _safe_next(path: str) -> str:
    """Only same-site paths: ``//evil.example`` or ``https://…`` would send the person elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"
