"""Pages served again from memory while nothing has been committed to the database since they were built.

A page is a function of the database, the request (path and query), who asks (their account and roles), the
page's language and today's date. This process keeps the pages it built last, each with the database's
committed state read before building it (``giveback.db.changes``); a later request with the same key is
answered from memory while that state reads the same, so the page costs no query and no template. Any commit,
in any process, makes the next request build the page again.

Only successful HTML and JSON answers to GET are kept, without their cookies. The one part of a page that
differs per request, the CSRF token of its forms, is taken out when the page is kept and put back for each
request. Requests that arrive while a page is being built wait for that build instead of building it again
(a round's page with 200 proposals takes a while). A client that accepts gzip gets the page compressed, once
per page and CSRF token (a round's page shrinks from 480 kB to about 30 kB). At most ``MAX_BYTES`` of pages are
kept per process, the least recently served going first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import struct
import zlib
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from giveback.db.changes import committed_state
from giveback.web.auth import WITHOUT_SESSION

MAX_BYTES = 64 * 1024 * 1024
TOKEN_MARK = b"\x00csrf\x00"
COMPRESS_FROM_BYTES = 2048
COMPRESSION_LEVEL = 5
COMPRESSED_COPIES = 8  # per page: one for each of the last sessions that asked for it
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown system
_KEPT_HEADERS = frozenset({b"content-type", b"cache-control", b"etag", b"last-modified"})
_KEPT_TYPES = (b"text/html", b"application/json")


class _Page:
    __slots__ = ("body", "compressed", "headers", "parts", "state")

    def __init__(self, state: object, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.state = state
        self.headers = headers
        self.body = body
        self.compressed: dict[bytes, bytes] = {}
        self.parts: list[tuple[bytes, bytes]] | None = None

    def spliced(self, token: bytes) -> bytes:
        """The page compressed with any token, without compressing it again: the text around the tokens is
        compressed once, as DEFLATE blocks that end on a byte boundary and refer to nothing before them, and
        each request's token goes between them as a stored block (how parallel gzip joins its pieces)."""
        if self.parts is None:
            chunks = self.body.split(TOKEN_MARK)
            self.parts = []
            for index, chunk in enumerate(chunks):
                packer = zlib.compressobj(COMPRESSION_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
                last = index == len(chunks) - 1
                self.parts.append(
                    (chunk, packer.compress(chunk) + packer.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH))
                )
        stored = b"\x00" + struct.pack("<HH", len(token), len(token) ^ 0xFFFF) + token
        out = [_GZIP_HEADER]
        crc, size = 0, 0
        for index, (chunk, packed) in enumerate(self.parts):
            if index:
                out.append(stored)
                crc, size = zlib.crc32(token, crc), size + len(token)
            out.append(packed)
            crc, size = zlib.crc32(chunk, crc), size + len(chunk)
        out.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
        return b"".join(out)

    def sent(self, token: bytes) -> bytes:
        """The page as sent with this token."""
        return self.body.replace(TOKEN_MARK, token) if token else self.body

    def gzipped(self, token: bytes) -> bytes:
        """The page as sent with this token, compressed (kept for the next request with the same token)."""
        packed = self.compressed.pop(token, None)
        if packed is None:
            packed = gzip.compress(self.sent(token), COMPRESSION_LEVEL, mtime=0)
            while len(self.compressed) >= COMPRESSED_COPIES:
                del self.compressed[next(iter(self.compressed))]
        self.compressed[token] = packed
        return packed


class PageCache:
    """The pages this process served last (an LRU bounded by their total size)."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.pages: dict[tuple[Any, ...], _Page] = {}

    def get(self, key: tuple[Any, ...], state: object) -> _Page | None:
        page = self.pages.pop(key, None)
        if page is None:
            return None
        if page.state != state:
            self.size -= len(page.body)
            return None
        self.pages[key] = page
        return page

    def put(self, key: tuple[Any, ...], page: _Page) -> None:
        old = self.pages.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        if len(page.body) > self.max_bytes // 8:
            return
        self.pages[key] = page
        self.size += len(page.body)
        while self.size > self.max_bytes:
            dropped = self.pages.pop(next(iter(self.pages)))
            self.size -= len(dropped.body)


class CachedPages(ASGIMiddleware):
    """Answer a GET for an HTML page from the page cache when the database has not changed (innermost
    middleware: the session and the language are known, and the outer ones still add their headers and
    cookies to every answer)."""

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = WITHOUT_SESSION

    def __init__(self, cache: PageCache | None = None) -> None:
        self.cache = cache or PageCache()
        self.building: dict[tuple[Any, ...], asyncio.Future[None]] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method") != "GET":
            await next_app(scope, receive, send)
            return
        state_of_request = scope.get("state", {})
        user = state_of_request.get("user")
        key = (
            scope["path"],
            scope.get("query_string", b""),
            state_of_request.get("locale"),
            # A token's call is kept apart from the session's: a page only a session may see must not be
            # answered from memory to a token (the guards that refuse it run only when the page is built).
            (user.person_id, user.roles, user.token_id is None) if user is not None else None,
            dt.datetime.now(dt.UTC).date(),
        )
        state = await committed_state(scope["app"].state.engine)
        token = str(state_of_request.get("csrf_token") or "").encode()
        if state is not None:
            building = self.building.get(key)
            if building is not None:
                await asyncio.shield(building)
            page = self.cache.get(key, state)
            if page is not None:
                await self._send_kept(scope, send, page, token)
                return
        built = None
        if state is not None:
            built = self.building.setdefault(key, asyncio.get_running_loop().create_future())
        try:
            await self._build(scope, receive, send, next_app, key, state, token)
        finally:
            if built is not None and self.building.get(key) is built:
                del self.building[key]
                built.set_result(None)

    async def _send_kept(self, scope: Scope, send: Send, page: _Page, token: bytes) -> None:
        headers = [*page.headers, (b"vary", b"Accept-Encoding")]
        if len(page.body) >= COMPRESS_FROM_BYTES and _accepts_gzip(scope):
            # A session's token repeats, so its compressed copy is kept; a new visitor's token does not.
            signed_in = scope.get("state", {}).get("user") is not None
            body = page.gzipped(token) if signed_in or not token else page.spliced(token)
            headers.append((b"content-encoding", b"gzip"))
        else:
            body = page.sent(token)
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _build(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        next_app: ASGIApp,
        key: tuple[Any, ...],
        state: object,
        token: bytes,
    ) -> None:
        kept: dict[str, Any] = {"headers": None, "chunks": []}

        async def send_and_keep(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                kind = any(n.lower() == b"content-type" and v.startswith(_KEPT_TYPES) for n, v in headers)
                sets_cookie = any(n.lower() == b"set-cookie" for n, v in headers)
                if message["status"] == 200 and kind and not sets_cookie and state is not None:
                    kept["headers"] = [(n, v) for n, v in headers if n.lower() in _KEPT_HEADERS]
            elif message["type"] == "http.response.body" and kept["headers"] is not None:
                kept["chunks"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    body = b"".join(kept["chunks"])
                    if token:
                        body = body.replace(token, TOKEN_MARK)
                    self.cache.put(key, _Page(state, kept["headers"], body))
            await send(message)

        await next_app(scope, receive, send_and_keep)


def _accepts_gzip(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"accept-encoding":
            return b"gzip" in value
    return False
