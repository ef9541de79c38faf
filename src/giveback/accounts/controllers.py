"""Account endpoints: the JSON API under /api/auth and /api/people, and the sign-up, log-in and account pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from giveback.accounts import api_tokens, services, two_factor
from giveback.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    CodeIn,
    EmailConfirmation,
    EmailOnly,
    LogIn,
    Message,
    PasswordChange,
    PasswordReset,
    PersonOut,
    RecoveryCodesOut,
    RoleChange,
    SecondFactorNeeded,
    SessionOut,
    SignUp,
    TwoFactorEnabled,
)
from giveback.accounts.sessions import SignedIn, end_session, load_session
from giveback.accounts.two_factor import TwoFactorSetup, TwoFactorStatus
from giveback.errors import DomainError
from giveback.mail.sender import send_now
from giveback.settings import Settings
from giveback.web.auth import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_SECONDS,
    LOGIN_COOKIE,
    LOGIN_COOKIE_SECONDS,
    SESSION_COOKIE,
    SESSION_ONLY,
    client_address,
    cookie,
    cookie_name,
    expired_session_cookie,
    requires,
    session_cookie,
    signed_in,
    signed_in_user,
)
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.openapi import PathId, no_content
from giveback.web.pagination import PageCursor, PageLimit, paged

RESET_SENT = "if an account has this address, we sent it a link"
SIGN_UP_SENT = "we sent a message to this address: follow it to go on"


def _sent_after(settings: Settings, queued: list[str]) -> BackgroundTask:
    """Send the account e-mails the answer queued once it is out (the same for every address; the outbox keeps
    any the mail server refused for the worker)."""
    return BackgroundTask(send_now, settings, queued)


async def _session_out(raw_session: str) -> SessionOut:
    user = await load_session(raw_session)
    assert user is not None
    return SessionOut(
        person=await services.person_out(user.person_id),
        csrf_token=user.csrf_token,
        withheld_roles=sorted(user.withheld_roles),
    )


def _log_in_cookies(settings: Settings, outcome: services.LogInOutcome) -> list[Cookie]:
    """The cookies a log-in whose password was right sets: the session (or the pending log-in), a device cookie."""
    cookies = []
    if outcome.session:
        cookies += _session_cookies(settings, outcome.session)
    if outcome.challenge:
        cookies.append(cookie(settings, LOGIN_COOKIE, outcome.challenge, max_age=LOGIN_COOKIE_SECONDS))
    if outcome.device_cookie:
        cookies.append(cookie(settings, DEVICE_COOKIE, outcome.device_cookie, max_age=DEVICE_COOKIE_SECONDS))
    return cookies


def _session_cookies(settings: Settings, raw_session: str) -> list[Cookie]:
    """The new session's cookie, and the end of any pending log-in."""
    return [cookie(settings, SESSION_COOKIE, raw_session), cookie(settings, LOGIN_COOKIE, "", max_age=0)]


async def _log_in(request: Request[Any, Any, Any], settings: Settings, data: LogIn) -> services.LogInOutcome:
    return await services.log_in(
        data.email,
        data.password,
        client=client_address(request),
        device_cookie=request.cookies.get(cookie_name(settings, DEVICE_COOKIE)),
        secret_key=settings.secret_key,
    )


async def _finish_log_in(request: Request[Any, Any, Any], settings: Settings, code: str) -> str:
    raw_challenge = request.cookies.get(cookie_name(settings, LOGIN_COOKIE))
    return await services.finish_log_in(raw_challenge, code, client=client_address(request))


class AuthApi(Controller):
    path = "/api/auth"
    tags = ["accounts"]
    opt = {SESSION_ONLY: True}

    @post("/signup", status_code=HTTP_202_ACCEPTED, summary="Sign up; a message is e-mailed to the address")
    async def sign_up(
        self,
        data: JSONBody[SignUp],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Response[Message]:
        queued = await services.sign_up(data, settings=settings, client=client_address(request))
        return Response(Message(SIGN_UP_SENT), status_code=HTTP_202_ACCEPTED, background=_sent_after(settings, queued))

    @post("/confirm", status_code=200, summary="Confirm an e-mail address with the e-mailed token")
    async def confirm(self, data: JSONBody[EmailConfirmation]) -> PersonOut:
        return await services.confirm_email(data.token)

    @post("/resend-confirmation", status_code=HTTP_202_ACCEPTED, summary="E-mail a new confirmation link")
    async def resend_confirmation(
        self,
        data: JSONBody[EmailOnly],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Response[Message]:
        queued = await services.resend_confirmation(data.email, settings=settings, client=client_address(request))
        return Response(Message(RESET_SENT), status_code=HTTP_202_ACCEPTED, background=_sent_after(settings, queued))

    @post(
        "/login",
        summary="Log in; sets the session cookie and returns the CSRF token (202: a second factor is needed)",
        responses={
            HTTP_202_ACCEPTED: ResponseSpec(
                data_container=SecondFactorNeeded, description="The password is right; send the second factor"
            )
        },
    )
    async def log_in(
        self, data: JSONBody[LogIn], request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[SessionOut | SecondFactorNeeded]:
        outcome = await _log_in(request, settings, data)
        cookies = _log_in_cookies(settings, outcome)
        if outcome.session is None:
            return Response(SecondFactorNeeded(), status_code=HTTP_202_ACCEPTED, cookies=cookies)
        return Response(await _session_out(outcome.session), status_code=HTTP_201_CREATED, cookies=cookies)

    @post("/login/second-factor", summary="Finish a log-in with a code from the authenticator app or a recovery code")
    async def second_factor(
        self, data: JSONBody[CodeIn], request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[SessionOut]:
        raw_session = await _finish_log_in(request, settings, data.code)
        return Response(await _session_out(raw_session), cookies=_session_cookies(settings, raw_session))

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        guards=[signed_in],
        summary="End this session",
        responses=no_content("The session is ended and its cookie expired"),
    )
    async def log_out(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Response[None]:
        user = signed_in_user(request)
        await end_session(user.session_id)
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"set-cookie": expired_session_cookie(settings)})

    @post("/password-reset", status_code=HTTP_202_ACCEPTED, summary="E-mail a password-reset link")
    async def request_reset(
        self,
        data: JSONBody[EmailOnly],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Response[Message]:
        queued = await services.request_password_reset(data.email, settings=settings, client=client_address(request))
        return Response(Message(RESET_SENT), status_code=HTTP_202_ACCEPTED, background=_sent_after(settings, queued))

    @post("/password-reset/confirm", status_code=200, summary="Set a new password with the e-mailed token")
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
        user = signed_in_user(request)
        raw_session = await services.change_password(
            user.person_id, data.current_password, data.new_password, setup_only=bool(user.withheld_roles)
        )
        return Response(await _session_out(raw_session), headers={"set-cookie": session_cookie(settings, raw_session)})

    @get("/two-factor", guards=[signed_in], summary="Your two-factor log-in: on or off, needed or not, codes left")
    async def two_factor_status(self, request: Request[Any, Any, Any]) -> TwoFactorStatus:
        return await two_factor.status(signed_in_user(request).person_id)

    @post(
        "/two-factor/setup",
        guards=[signed_in],
        summary="Start setting up an authenticator app: its secret, otpauth address and QR code",
    )
    async def two_factor_setup(self, request: Request[Any, Any, Any]) -> TwoFactorSetup:
        user = signed_in_user(request)
        return await two_factor.start_setup(user.person_id, user.email)

    @post(
        "/two-factor/enable",
        guards=[signed_in],
        summary="Confirm the authenticator app with a first code; returns recovery codes and a fresh session",
    )
    async def two_factor_enable(
        self, data: JSONBody[CodeIn], request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[TwoFactorEnabled]:
        codes, raw_session = await services.enable_two_factor(signed_in_user(request).person_id, data.code)
        body = TwoFactorEnabled(recovery_codes=codes, session=await _session_out(raw_session))
        return Response(
            body, status_code=HTTP_201_CREATED, headers={"set-cookie": session_cookie(settings, raw_session)}
        )

    @post(
        "/two-factor/recovery-codes",
        guards=[signed_in],
        summary="New recovery codes after a code from the app (the old ones stop working)",
    )
    async def recovery_codes(self, data: JSONBody[CodeIn], request: Request[Any, Any, Any]) -> RecoveryCodesOut:
        codes = await two_factor.renew_recovery_codes(signed_in_user(request).person_id, data.code)
        return RecoveryCodesOut(recovery_codes=codes)

    @post(
        "/two-factor/disable",
        guards=[signed_in],
        status_code=200,
        summary="Turn two-factor log-in off (volunteers and hosts; coordinators and admins need it)",
    )
    async def two_factor_disable(self, data: JSONBody[CodeIn], request: Request[Any, Any, Any]) -> TwoFactorStatus:
        person_id = signed_in_user(request).person_id
        await two_factor.disable(person_id, data.code)
        return await two_factor.status(person_id)


class ApiTokenApi(Controller):
    """Your API tokens. Managing tokens needs a browser session: a token cannot make, list or revoke tokens."""

    path = "/api/account/tokens"
    tags = ["accounts"]
    guards = [signed_in]
    opt = {SESSION_ONLY: True}

    @get(
        "/",
        summary="Your API tokens",
        description="Newest first, revoked and expired ones included; never their secrets, only their first "
        "characters.",
    )
    async def tokens(self, request: Request[Any, Any, Any]) -> list[ApiTokenOut]:
        return await api_tokens.list_tokens(signed_in_user(request))

    @post(
        "/",
        summary="Make an API token; its bearer_token is in this answer only",
        description=(
            "Send `bearer_token` as `Authorization: Bearer <bearer_token>` to call the JSON API as yourself. A "
            "`read` token may only GET; a `write` token may also change what you may change. `service` tokens "
            "(admins) are for an integration and every admin sees them."
        ),
    )
    async def create(self, request: Request[Any, Any, Any], data: JSONBody[ApiTokenCreate]) -> ApiTokenCreated:
        return await api_tokens.create_token(signed_in_user(request), data)

    @delete(
        "/{token_id:int}",
        status_code=200,
        summary="Revoke an API token (yours; admins: any); it is refused from the next request on",
    )
    async def revoke(self, request: Request[Any, Any, Any], token_id: PathId) -> ApiTokenOut:
        return await api_tokens.revoke_token(signed_in_user(request), token_id)


class PeopleApi(Controller):
    path = "/api"
    tags = ["accounts"]

    @get("/me", guards=[signed_in], summary="The signed-in person and their CSRF token")
    async def me(self, request: Request[Any, Any, Any]) -> SessionOut:
        user = signed_in_user(request)
        return SessionOut(
            person=await services.person_out(user.person_id),
            csrf_token=user.csrf_token,
            withheld_roles=sorted(user.withheld_roles),
        )

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
        return await services.set_roles(signed_in_user(request).person_id, person_id, data.roles)

    @post(
        "/people/{person_id:int}/two-factor/reset",
        guards=[requires("admin")],
        status_code=200,
        summary="Remove a person's second factor (a lost phone and lost codes); their sessions end (admin)",
    )
    async def reset_two_factor(self, person_id: PathId, request: Request[Any, Any, Any]) -> PersonOut:
        return await services.reset_two_factor(signed_in_user(request).person_id, person_id)


class AccountPages(Controller):
    include_in_schema = False

    @get("/signup")
    async def sign_up_form(self) -> Template:
        return page("accounts/signup.html", values={"roles": ["volunteer"]})

    @post("/signup")
    async def sign_up(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
    ) -> Template:
        fields = form_fields(await request.form(), lists=("roles",))
        try:
            data = parse(SignUp, fields)
            queued = await services.sign_up(data, settings=settings, client=client_address(request))
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/signup.html", problem, values=fields)
        answer = page("accounts/check_mail.html", email=fields.get("email", ""))
        answer.background = _sent_after(settings, queued)
        return answer

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
        next_path = _landing(str(fields.pop("next", "/") or "/"))
        try:
            outcome = await _log_in(request, settings, parse(LogIn, fields))
        except (FormInvalid, DomainError) as problem:
            values = {"email": fields.get("email", "")}
            return form_error_page("accounts/login.html", problem, values=values, next=next_path, confirmed=False)
        response = redirect(next_path if outcome.session else f"/login/code?next={quote(next_path, safe='/')}")
        response.cookies.extend(_log_in_cookies(settings, outcome))
        return response

    @get("/login/code")
    async def second_factor_form(self, next: FromQuery[str] = "/") -> Template:
        return page("accounts/second_factor.html", next=_safe_next(next))

    @post("/login/code")
    async def second_factor(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        fields = form_fields(await request.form())
        next_path = _safe_next(str(fields.pop("next", "/") or "/"))
        try:
            raw_session = await _finish_log_in(request, settings, parse(CodeIn, fields).code)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/second_factor.html", problem, next=next_path)
        response = redirect(next_path)
        response.cookies.extend(_session_cookies(settings, raw_session))
        return response

    @post("/logout", guards=[signed_in])
    async def log_out(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Redirect:
        await end_session(signed_in_user(request).session_id)
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
        settings: NamedDependency[Settings],
    ) -> Template:
        fields = form_fields(await request.form())
        try:
            data = parse(EmailOnly, fields)
            queued = await services.request_password_reset(
                data.email, settings=settings, client=client_address(request)
            )
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/forgot.html", problem, values=fields)
        answer = page("accounts/forgot.html", values={}, sent=True)
        answer.background = _sent_after(settings, queued)
        return answer

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
        return page("accounts/account.html", **await _account_context(signed_in_user(request)))

    @post("/account/password", guards=[signed_in])
    async def change_password(
        self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            data = parse(PasswordChange, fields)
            raw_session = await services.change_password(
                user.person_id, data.current_password, data.new_password, setup_only=bool(user.withheld_roles)
            )
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/account.html", problem, **await _account_context(user))
        response = redirect("/account?changed=1")
        response.headers["set-cookie"] = session_cookie(settings, raw_session)
        return response

    @get("/account/two-factor", guards=[signed_in])
    async def two_factor_page(self, request: Request[Any, Any, Any]) -> Template:
        return page("accounts/two_factor.html", **await _two_factor_context(signed_in_user(request)))

    @post("/account/two-factor/setup", guards=[signed_in])
    async def two_factor_setup(self, request: Request[Any, Any, Any]) -> Redirect:
        user = signed_in_user(request)
        await two_factor.start_setup(user.person_id, user.email)
        return redirect("/account/two-factor#setup")

    @post("/account/two-factor/enable", guards=[signed_in])
    async def two_factor_enable(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            codes, raw_session = await services.enable_two_factor(user.person_id, parse(CodeIn, fields).code)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/two_factor.html", problem, **await _two_factor_context(user))
        shown = page("accounts/recovery_codes.html", codes=codes, first=True, status_code=HTTP_201_CREATED)
        shown.headers["set-cookie"] = session_cookie(settings, raw_session)
        return shown

    @post("/account/two-factor/recovery-codes", guards=[signed_in])
    async def recovery_codes(self, request: Request[Any, Any, Any]) -> Template:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            codes = await two_factor.renew_recovery_codes(user.person_id, parse(CodeIn, fields).code)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/two_factor.html", problem, **await _two_factor_context(user))
        return page("accounts/recovery_codes.html", codes=codes, first=False, status_code=HTTP_201_CREATED)

    @post("/account/two-factor/disable", guards=[signed_in])
    async def two_factor_disable(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        try:
            await two_factor.disable(user.person_id, parse(CodeIn, fields).code)
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/two_factor.html", problem, **await _two_factor_context(user))
        return redirect("/account/two-factor?disabled=1")


class ApiTokenPages(Controller):
    path = "/account/tokens"
    include_in_schema = False
    guards = [signed_in]

    @get("/")
    async def tokens(self, request: Request[Any, Any, Any]) -> Template:
        return page("accounts/tokens.html", **await _tokens_context(signed_in_user(request)))

    @post("/")
    async def create(self, request: Request[Any, Any, Any]) -> Template:
        user = signed_in_user(request)
        fields = form_fields(await request.form())
        if fields.get("expires_in_days") == "never":
            fields["expires_in_days"] = None
        try:
            created = await api_tokens.create_token(user, parse(ApiTokenCreate, fields))
        except (FormInvalid, DomainError) as problem:
            return form_error_page("accounts/tokens.html", problem, **{**await _tokens_context(user), "values": fields})
        context = await _tokens_context(user)
        return page("accounts/tokens.html", HTTP_201_CREATED, **{**context, "created": created})

    @post("/{token_id:int}/revoke")
    async def revoke(self, request: Request[Any, Any, Any], token_id: PathId) -> Redirect:
        await api_tokens.revoke_token(signed_in_user(request), token_id)
        return redirect("/account/tokens?revoked=1")


async def _tokens_context(user: SignedIn) -> dict[str, Any]:
    return {
        "tokens": await api_tokens.list_tokens(user),
        "is_admin": user.has("admin"),
        "values": {},
        "created": None,
        "errors": {},
    }


async def _account_context(user: SignedIn) -> dict[str, Any]:
    return {"person": await services.person_out(user.person_id), "two_factor": await two_factor.status(user.person_id)}


async def _two_factor_context(user: SignedIn) -> dict[str, Any]:
    return {
        "status": await two_factor.status(user.person_id),
        "setup": await two_factor.pending_setup(user.person_id, user.email),
        "withheld": sorted(user.withheld_roles),
    }


def _landing(path: str) -> str:
    """Where a log-in leads: the page asked for, else (the public home asked for) the person's own home."""
    safe = _safe_next(path)
    return "/home" if safe == "/" else safe


def _safe_next(path: str) -> str:
    """Only same-site paths: ``//evil.example`` or ``https://…`` would send the person elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"
