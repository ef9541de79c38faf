"""Refuse input no handler can take, before any handler reads it (one app-wide guard).

- The NUL character (U+0000): PostgreSQL's text columns refuse it. Without this guard, a NUL in any field, query
  value or path segment reached PostgreSQL and failed there (a 500, found by tests/fuzz); SQLite stored it.
  Uploaded files (multipart) are binary and are not checked here.
- JSON nested too deeply to decode: msgspec gives up with a RecursionError, which answered 500 (with a stack trace
  in the log) on every JSON endpoint, to anyone.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from giveback.errors import InvalidInput
from giveback.i18n import _

# A JSON escape \u0000 that is not itself escaped (preceded by an even number of backslashes).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_URL_NUL = b"%00"
MESSAGE = _("text must not contain the NUL character (U+0000)")
TOO_DEEP = _("the JSON body is nested too deeply")


async def refuse_nul_characters(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: no NUL in the path, the query string, a JSON body or a URL-encoded form."""
    if "\x00" in connection.scope.get("path", ""):
        raise InvalidInput(MESSAGE, field="path")
    if _URL_NUL in connection.scope.get("query_string", b""):
        raise InvalidInput(MESSAGE, field="query")
    if not isinstance(connection, Request) or connection.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = connection.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await connection.body()
        if _JSON_NUL.search(body):
            raise InvalidInput(MESSAGE, field="body")
        _refuse_deep_json(body)
    elif content_type.startswith("application/x-www-form-urlencoded") and _URL_NUL in await connection.body():
        raise InvalidInput(MESSAGE, field="body")


def _refuse_deep_json(body: bytes) -> None:
    """Refuse a JSON body nested deeper than the decoder goes (a malformed one is left to the handler's decoding)."""
    if body.count(b"[") + body.count(b"{") < _SHALLOW_ENOUGH:
        return
    try:
        msgspec.json.decode(body)
    except RecursionError:
        raise InvalidInput(TOO_DEEP, field="body") from None
    except msgspec.DecodeError:
        return


# Fewer brackets than this cannot nest deeper than the decoder's limit: most bodies are not decoded twice.
_SHALLOW_ENOUGH = 500
