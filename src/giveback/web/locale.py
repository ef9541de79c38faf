"""The language of a page: the signed-in person's saved choice, else the chooser's cookie, else
``Accept-Language``, else English. Pages answer with ``Content-Language``; the JSON API stays in English."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from giveback.accounts.sessions import SignedIn
from giveback.i18n import DEFAULT_LOCALE, language_of, use_locale
from giveback.i18n.locales import known, negotiate
from giveback.settings import Settings
from giveback.topics.services import names_in
from giveback.web.auth import WITHOUT_SESSION, cookie_flags
from giveback.web.templates import use_topic_names

LOCALE_COOKIE = "giveback_locale"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600
_ENGLISH_ONLY = ("/api/", "/schema")


def choose_locale(connection: ASGIConnection[Any, Any, Any, Any], *, pseudo: bool = False) -> str:
    """The page's language for this request (see the module's docstring for the order)."""
    user: SignedIn | None = connection.scope.get("state", {}).get("user")
    saved = known(user.locale, pseudo=pseudo) if user else None
    if saved:
        return saved
    chosen = known(connection.cookies.get(LOCALE_COOKIE), pseudo=pseudo)
    if chosen:
        return chosen
    return negotiate(connection.headers.get("accept-language", ""), pseudo=pseudo) or DEFAULT_LOCALE


def locale_cookie(settings: Settings, locale: str) -> str:
    return f"{LOCALE_COOKIE}={locale}; Max-Age={LOCALE_COOKIE_MAX_AGE}; {cookie_flags(settings)}"


class LocaleMiddleware(ASGIMiddleware):
    """Render the request's pages in its language (``request.state.locale``), with the topic names of that
    language; runs inside the session middleware, which tells who is signed in."""

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = WITHOUT_SESSION

    def __init__(self, settings: Settings) -> None:
        self.pseudo = settings.pseudo_locale

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["path"].startswith(_ENGLISH_ONLY):
            await next_app(scope, receive, send)
            return
        locale = choose_locale(ASGIConnection(scope), pseudo=self.pseudo)
        scope.setdefault("state", {})["locale"] = locale
        tag = language_of(locale).tag.encode()
        names = await names_in(locale)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if (headers.get("content-type") or "").startswith("text/html"):
                    headers["Content-Language"] = tag.decode()
                    headers.add("Vary", "Accept-Language, Cookie")
            await send(message)

        with use_locale(locale), use_topic_names(names):
            await next_app(scope, receive, send_with_language)
