"""The one place where domain errors become HTTP answers.

JSON callers (``/api/…``) get ``{"status_code", "detail", "field"}``; page callers get the error page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_429_TOO_MANY_REQUESTS,
)

from giveback.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)

STATUS_OF_ERROR: dict[type[DomainError], int] = {
    InvalidInput: HTTP_400_BAD_REQUEST,
    NotAuthenticated: HTTP_401_UNAUTHORIZED,
    PermissionDenied: HTTP_403_FORBIDDEN,
    NotFound: HTTP_404_NOT_FOUND,
    Conflict: HTTP_409_CONFLICT,
    TooManyAttempts: HTTP_429_TOO_MANY_REQUESTS,
}


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF_ERROR:
            return STATUS_OF_ERROR[kind]
    return HTTP_400_BAD_REQUEST


def wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")


def domain_error_handler(request: Request[Any, Any, Any], error: DomainError) -> Response[Any]:
    """Answer a refused operation with its status, the rule's message and the field it concerns."""
    status = status_of(error)
    headers = {}
    if isinstance(error, TooManyAttempts):
        headers["Retry-After"] = str(error.retry_after_seconds)
    if wants_json(request):
        body = {"status_code": status, "detail": error.message, "field": error.field}
        return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)
    if isinstance(error, NotAuthenticated):
        return Redirect(path=f"/login?next={quote(request.url.path)}", status_code=303)
    return Template(
        template_name="error.html",
        context={"status_code": status, "message": error.message, "field": error.field},
        status_code=status,
        headers=headers,
    )
