"""Browser security headers on every answer, and no shared caching of what is not public.

- ``Content-Security-Policy``: scripts, styles, fonts and connections only from the app's own origin (no inline
  script anywhere, no plug-ins, no ``<base>``), forms post only here, and no other site may frame a page.
- ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``; ``X-Content-Type-Options: nosniff``;
  ``Referrer-Policy: no-referrer`` (invite and reset addresses carry secrets); ``Cross-Origin-Opener-Policy``;
  a ``Permissions-Policy`` that turns off the camera, microphone and location.
- ``Strict-Transport-Security`` when the base URL is https.
- ``Cache-Control: no-store`` on every answer that sets no cache rule of its own (pages, API answers, errors):
  personal pages never sit in a shared cache. The secret feeds (``private, no-cache`` with validators) and the
  downloads keep their own rules; the packaged static files are public and keep none.
- ``Date`` on every answer that has none (``giveback serve`` turns the server's own off: its clock is a second
  behind, which made a feed's ``Last-Modified`` later than its ``Date``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from typing import cast

from litestar.types import Message, Scope

from giveback.settings import Settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
STATIC_PREFIX = b"/static/"


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    """The headers every answer carries (unless the handler set one of them itself)."""
    https = settings.base_url.startswith("https://")
    policy = CONTENT_SECURITY_POLICY + ("; upgrade-insecure-requests" if https else "")
    headers = {
        "content-security-policy": policy,
        "x-frame-options": "DENY",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if https:
        headers["strict-transport-security"] = HSTS
    return [(name.encode(), value.encode()) for name, value in headers.items()]


def add_security_headers(settings: Settings):  # type: ignore[no-untyped-def]
    """A ``before_send`` hook adding the headers to the start of every HTTP answer."""
    always = security_headers(settings)
    no_store = (b"cache-control", b"no-store")

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = cast("list[tuple[bytes, bytes]]", list(message.get("headers", [])))
        present = {name.lower() for name, _ in headers}
        headers.extend(header for header in always if header[0] not in present)
        if b"date" not in present:
            headers.append((b"date", format_datetime(datetime.now(UTC), usegmt=True).encode()))
        # raw_path: a mounted app (static files, feeds) sees ``path`` without its prefix by the time it answers.
        if b"cache-control" not in present and not scope.get("raw_path", b"").startswith(STATIC_PREFIX):
            headers.append(no_store)
        message["headers"] = headers

    return before_send
