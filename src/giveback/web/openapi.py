"""What the OpenAPI schema says about every JSON operation: the bounded record ids and the error answers.

Each refusal (``giveback.web.errors``) answers ``{"status_code", "detail", "field"}``; Litestar's own validation
answers ``{"status_code", "detail", "extra"}``. Every ``/api/`` operation documents these answers.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Litestar, Request
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import PathParameter, QueryParameter
from litestar.routes import HTTPRoute

from giveback.web.auth import SAFE_METHODS, SESSION_ONLY, required_roles

# Ids are Piccolo Serial columns: 32-bit on PostgreSQL (64-bit on SQLite). A larger id names no record, and
# overflowed the query (a 500).
MAX_RECORD_ID = 2**31 - 1
PathId = Annotated[int, PathParameter(ge=1, le=MAX_RECORD_ID, description="A record's id")]
"""A record's id in the path (``FromPath[int]`` with the bounds of an id)."""
OptionalQueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_RECORD_ID, description="A record's id")]
"""A record's id in the query, if any (``FromQuery[int | None]`` with the bounds of an id)."""


class ErrorAnswer(msgspec.Struct):
    """Why a call was refused: the rule's message, and the field it concerns."""

    status_code: int
    detail: str
    field: str | None = None
    extra: Any = None


def _answer(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorAnswer, description=description, generate_examples=False)


ERROR_ANSWERS: dict[int, ResponseSpec] = {
    400: _answer("The input breaks a rule (a field's format, or a rule across fields); `field` or `extra` names it"),
    401: _answer("Log in first"),
    403: _answer("The caller's roles do not allow this, or the CSRF token is missing or wrong"),
    404: _answer("No such record, or one the caller may not see"),
    409: _answer("The record's state does not allow this, or a duplicate exists"),
    413: _answer("The request body is larger than the limit"),
    429: _answer("Too many attempts; try again after Retry-After seconds"),
}


LINK_GONE: dict[int, ResponseSpec] = {410: _answer("The link was replaced by a newer one, or has expired")}


def no_content(description: str) -> dict[int, ResponseSpec]:
    """A 204 answer documented without a body (a handler returning ``Response[None]`` would claim JSON null)."""
    return {204: ResponseSpec(data_container=None, description=description)}


def download(media_type: str, description: str) -> dict[int, ResponseSpec]:
    """A 200 answer that is a file in this media type (a handler returning ``Response[bytes]`` would claim a JSON
    string)."""
    data: Any = dict[str, Any] if media_type == "application/json" else bytes
    return {
        200: ResponseSpec(data_container=data, media_type=media_type, description=description, generate_examples=False)
    }


BEARER_TOKEN = "bearerToken"  # noqa: S105 (the name of a security scheme)
SESSION_COOKIE_SCHEME = "sessionCookie"
CSRF_HEADER_SCHEME = "csrfHeader"


def security_components(session_cookie: str) -> Components:
    """The ways to call the JSON API: an API token, or the browser's session cookie with its CSRF header."""
    return Components(
        security_schemes={
            BEARER_TOKEN: SecurityScheme(
                type="http",
                scheme="bearer",
                bearer_format="gb_…",
                description="An API token made on /account/tokens (`read`: GET only; `write`: also changes).",
            ),
            SESSION_COOKIE_SCHEME: SecurityScheme(
                type="apiKey",
                name=session_cookie,
                security_scheme_in="cookie",
                description="The session cookie that log-in sets (`POST /api/auth/login`).",
            ),
            CSRF_HEADER_SCHEME: SecurityScheme(
                type="apiKey",
                name="X-CSRF-Token",
                security_scheme_in="header",
                description="With the session cookie, every call but GET sends the session's `csrf_token` here.",
            ),
        }
    )


def _security(handler: Any, method: str) -> list[dict[str, list[str]]]:
    session: dict[str, list[str]] = {SESSION_COOKIE_SCHEME: []}
    if method not in SAFE_METHODS:
        session[CSRF_HEADER_SCHEME] = []
    if handler.opt.get(SESSION_ONLY):
        return [session]
    return [{BEARER_TOKEN: []}, session]


def _who_may_call(handler: Any, method: str, roles: tuple[str, ...]) -> str:
    who = f"the roles {' or '.join(roles)}" if roles else "any signed-in person"
    if handler.opt.get(SESSION_ONLY):
        how = (
            "a browser session (cookie"
            + ("" if method in SAFE_METHODS else " and the X-CSRF-Token header")
            + "); an API token is refused"
        )
    elif method in SAFE_METHODS:
        how = "a session cookie, or an API token of either scope"
    else:
        how = "a session cookie with the X-CSRF-Token header, or an API token of `write` scope"
    return f"**Who may call:** {who}, with {how}."


def document_error_answers(app: Litestar) -> None:
    """List the standard error answers on every JSON operation (an operation's own entries take precedence), and
    say who may call it: its security requirements and a line of its description."""
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/"):
            for handler in route.route_handlers:
                handler.responses = {**ERROR_ANSWERS, **(handler.responses or {})}
                roles = required_roles(handler)
                method = next(iter(handler.http_methods))
                if roles is None:
                    handler.security = [{}] if not handler.security else handler.security
                    note = "**Who may call:** anyone; no log-in needed."
                else:
                    handler.security = _security(handler, method)
                    note = _who_may_call(handler, method, roles)
                own = handler.description or (handler.fn.__doc__ or "").strip()
                handler.description = f"{own}\n\n{note}" if own else note


STATIC_DIR = Path(__file__).parent.parent / "static"
SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_ASSETS = ("vendor/swagger-ui/swagger-ui.css", "vendor/swagger-ui/swagger-ui-bundle.js", "openapi.js")


@functools.cache
def integrity(asset: str) -> str:
    """The Subresource Integrity value of a packaged static file (``sha384-…``)."""
    digest = hashlib.sha384((STATIC_DIR / asset).read_bytes()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


class PackagedSwaggerUI(OpenAPIRenderPlugin):
    """Swagger UI from the package's own static files (pinned, each with its integrity hash), started by a script
    file rather than inline code, so the page keeps the site's Content-Security-Policy. Litestar's own plugin loads
    unpinned code from a CDN on the app's origin."""

    def __init__(self) -> None:
        super().__init__(path="/swagger", favicon='<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">')

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        css, bundle, start = (f'"/static/{asset}" integrity="{integrity(asset)}"' for asset in SWAGGER_UI_ASSETS)
        title = html.escape(str(openapi_schema["info"]["title"]))
        schema_url = html.escape(self.get_openapi_json_route(request))
        csrf_token = html.escape(str(request.state.get("csrf_token") or ""))
        return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} API</title>
  {self.favicon}
  <link rel="stylesheet" href={css}>
</head>
<body>
  <div id="swagger-ui" data-schema-url="{schema_url}" data-csrf-token="{csrf_token}"></div>
  <script src={bundle}></script>
  <script src={start}></script>
</body>
</html>
""".encode()
