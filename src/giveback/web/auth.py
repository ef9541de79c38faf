"""Who is calling: the session cookie or an API token, CSRF and scope checks, and the role guards every controller
uses."""

from __future__ import annotations

import hmac
import secrets
from typing import Any, cast

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from giveback.accounts.api_tokens import load_token
from giveback.accounts.audit import acting_token
from giveback.accounts.sessions import SignedIn, load_session
from giveback.errors import NotAuthenticated, PermissionDenied
from giveback.i18n import _
from giveback.settings import Settings

SESSION_COOKIE = "giveback_session"
ANONYMOUS_CSRF_COOKIE = "giveback_csrf"
DEVICE_COOKIE = "giveback_device"
"""A browser that logged in to an account before: its failed log-ins are counted apart (accounts.throttle)."""
LOGIN_COOKIE = "giveback_login"
"""A log-in waiting for its second factor."""
DEVICE_COOKIE_SECONDS = 400 * 24 * 3600  # browsers keep a cookie at most 400 days
LOGIN_COOKIE_SECONDS = 5 * 60
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A route handler ``opt`` key: the session middleware leaves the handler's requests alone.
WITHOUT_SESSION = "without_session"
# A route handler (or controller) ``opt`` key: the operation needs a browser session; an API token is refused
# (log-in, passwords, two-factor log-in, API tokens themselves, deleting the account).
SESSION_ONLY = "session_only"
API_PREFIX = "/api/"
BEARER = "bearer "


def _https(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


def cookie_name(settings: Settings, name: str) -> str:
    """Over https a cookie's name carries the ``__Host-`` prefix: browsers then accept it only when it is Secure,
    for the whole site (Path=/) and for this host alone (no Domain), so no sibling subdomain can plant or shadow it."""
    return f"__Host-{name}" if _https(settings) else name


def cookie_flags(settings: Settings) -> str:
    secure = "; Secure" if _https(settings) else ""
    return f"Path=/; HttpOnly; SameSite=Lax{secure}"


def session_cookie(settings: Settings, raw_session: str) -> str:
    return f"{cookie_name(settings, SESSION_COOKIE)}={raw_session}; {cookie_flags(settings)}"


def expired_session_cookie(settings: Settings) -> str:
    return expired_cookie(settings, SESSION_COOKIE)


def expired_cookie(settings: Settings, name: str) -> str:
    return f"{cookie_name(settings, name)}=; Max-Age=0; {cookie_flags(settings)}"


def cookie(settings: Settings, name: str, value: str, *, max_age: int | None = None) -> Cookie:
    """A cookie of the app (HttpOnly, SameSite=Lax, for the whole site; Secure and ``__Host-`` over https), for
    answers that set several."""
    return Cookie(
        key=cookie_name(settings, name),
        value=value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_https(settings),
    )


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The caller's address as the server sees it (behind a proxy: the address the proxy forwards, when trusted)."""
    return connection.client.host if connection.client else "unknown"


class SessionMiddleware(ASGIMiddleware):
    """Attach the signed-in person (or None) to ``request.state.user`` and the form token to ``csrf_token``.

    A session id is only ever issued by log-in: an id the server does not know is ignored, never adopted.
    A JSON API call (``/api/…``) may instead send an API token as ``Authorization: Bearer gb_…``: it then acts
    for the token's owner, and ``request.state.token_refused`` says whether a token was sent but not accepted.
    Anonymous visitors get a random ``giveback_csrf`` cookie whose value their forms must echo.
    Handlers whose ``opt`` holds ``WITHOUT_SESSION`` (static files, the secret calendar feeds: read by
    browsers and calendar clients, never with a session) are left out.
    """

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = WITHOUT_SESSION

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.session_cookie = cookie_name(settings, SESSION_COOKIE)
        self.csrf_cookie = cookie_name(settings, ANONYMOUS_CSRF_COOKIE)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
        state = scope.setdefault("state", {})
        bearer = _bearer_token(connection) if scope["path"].startswith(API_PREFIX) else None
        if bearer is not None:
            await self._with_token(bearer, scope, receive, send, next_app)
            return
        raw = connection.cookies.get(self.session_cookie)
        user = await load_session(raw) if raw else None
        state["user"] = user
        anonymous_token = connection.cookies.get(self.csrf_cookie)
        state["anonymous_csrf_cookie"] = anonymous_token
        new_token = None if anonymous_token else secrets.token_urlsafe(24)
        state["csrf_token"] = user.csrf_token if user else (anonymous_token or new_token)

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if new_token:
                    headers.add("set-cookie", f"{self.csrf_cookie}={new_token}; {cookie_flags(self.settings)}")
                if raw and user is None and not _sets_cookie(message, self.session_cookie):
                    headers.add("set-cookie", expired_session_cookie(self.settings))
            await send(message)

        await next_app(scope, receive, send_with_cookies)

    async def _with_token(self, raw: str, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """A call with an API token: no cookie is read or set, no CSRF token is needed (a browser never sends the
        header by itself), and the audit log records the token beside its owner."""
        user = await load_token(raw)
        state = scope["state"]
        state.update(user=user, token_refused=user is None, anonymous_csrf_cookie=None, csrf_token="")
        marker = acting_token.set(user.token_id if user else None)
        try:
            await next_app(scope, receive, send)
        finally:
            acting_token.reset(marker)


def _bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if header is None or header[: len(BEARER)].lower() != BEARER:
        return None
    return header[len(BEARER) :].strip()


def _sets_cookie(message: Message, name: str) -> bool:
    prefix = f"{name}=".encode()
    headers = cast("list[tuple[bytes, bytes]]", message.get("headers", []))
    return any(name.lower() == b"set-cookie" and value.startswith(prefix) for name, value in headers)


def signed_in_user(request: Request[Any, Any, Any]) -> SignedIn:
    """The person behind the request, in a handler whose guards already require a session."""
    user: SignedIn = request.state.user
    return user


async def check_csrf(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Refuse a state-changing call whose CSRF token does not match (app-wide guard).

    Signed-in callers echo their session's token (header ``X-CSRF-Token`` or form field ``csrf_token``).
    Anonymous form posts echo their ``giveback_csrf`` cookie; anonymous JSON calls need no token, since a
    browser cannot send JSON to another site without its consent (CORS).
    """
    user: SignedIn | None = connection.state.get("user")
    if user is not None and user.token_id is not None:
        _check_token(connection, _handler, user)
        return
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    expected = user.csrf_token if user else connection.state.get("anonymous_csrf_cookie")
    content_type = connection.headers.get("content-type", "")
    if user is None and content_type.startswith("application/json"):
        return
    presented = connection.headers.get(CSRF_HEADER) or None
    if presented is None and isinstance(connection, Request) and not content_type.startswith("application/json"):
        form = await connection.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not expected or not presented or not hmac.compare_digest(expected, presented):
        raise PermissionDenied(
            _("the CSRF token is missing or wrong: reload the page, or send the X-CSRF-Token header"),
            field=CSRF_FIELD,
        )


def _check_token(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler, user: SignedIn) -> None:
    """An API token may not do what needs a session, and a read token may only read."""
    if handler.opt.get(SESSION_ONLY):
        raise PermissionDenied(
            _("an API token cannot do this: sign in with your password in a browser"), field="authorization"
        )
    if user.scope != "write" and connection.scope.get("method", "GET") not in SAFE_METHODS:
        raise PermissionDenied(_("this API token may only read: make a token with write scope"), field="scope")


def _not_signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> NotAuthenticated:
    if connection.state.get("token_refused"):
        return NotAuthenticated(_("the API token is unknown, revoked or expired"), field="authorization")
    return NotAuthenticated(_("log in first"), field="session")


def signed_in(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: the caller must be signed in."""
    if connection.state.get("user") is None:
        raise _not_signed_in(connection)


def requires(*roles: str):  # type: ignore[no-untyped-def]
    """Guard: the caller must hold one of the roles."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user: SignedIn | None = connection.state.get("user")
        if user is None:
            raise _not_signed_in(connection)
        if not user.has(*roles):
            raise PermissionDenied(_("this needs the role %(roles)s", roles=" or ".join(roles)), field="role")

    guard.roles = roles  # type: ignore[attr-defined]  # read by the OpenAPI document (web.openapi)
    return guard


def required_roles(handler: BaseRouteHandler) -> tuple[str, ...] | None:
    """The roles a handler's guards ask for: None for a public handler, () for any signed-in person."""
    found: tuple[str, ...] | None = None
    for guard in (guard for layer in handler.ownership_layers for guard in layer.guards or []):
        if guard is signed_in:
            found = found or ()
        roles = getattr(guard, "roles", None)
        if roles is not None:
            found = tuple(roles)
    return found
