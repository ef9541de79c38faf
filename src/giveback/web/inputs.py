"""Refuse text no database column can hold: PostgreSQL's text columns refuse the NUL character (U+0000).

Without this app-wide guard, a NUL in any field, query value or path segment reached PostgreSQL and failed there
(a 500, found by tests/fuzz); SQLite stored it. Uploaded files (multipart) are binary and are not checked here.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from giveback.errors import InvalidInput
from giveback.i18n import _

# A JSON escape \u0000 that is not itself escaped (preceded by an even number of backslashes).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_URL_NUL = b"%00"
MESSAGE = _("text must not contain the NUL character (U+0000)")


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
        if _JSON_NUL.search(await connection.body()):
            raise InvalidInput(MESSAGE, field="body")
    elif content_type.startswith("application/x-www-form-urlencoded") and _URL_NUL in await connection.body():
        raise InvalidInput(MESSAGE, field="body")
