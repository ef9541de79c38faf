"""The one place where domain errors become HTTP answers.

JSON callers (``/api/…``) get ``{"status_code", "detail", "field"}``; page callers get the error page.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import InternalServerException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.exceptions.responses import create_debug_response, create_exception_response
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_410_GONE,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from giveback.errors import (
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    Unavailable,
)

STATUS_OF_ERROR: dict[type[DomainError], int] = {
    InvalidInput: HTTP_400_BAD_REQUEST,
    NotAuthenticated: HTTP_401_UNAUTHORIZED,
    PermissionDenied: HTTP_403_FORBIDDEN,
    NotFound: HTTP_404_NOT_FOUND,
    Conflict: HTTP_409_CONFLICT,
    Gone: HTTP_410_GONE,
    TooManyAttempts: HTTP_429_TOO_MANY_REQUESTS,
    Unavailable: HTTP_503_SERVICE_UNAVAILABLE,
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


# msgspec's message for the whole request's arguments: "<rule> - at `$.data.<field>`" when the body broke it.
_BODY_ERROR = re.compile(r"(?P<message>.*) - at `\$\.data(?:\.(?P<key>[^`]*))?`", re.DOTALL)


def internal_error_handler(request: Request[Any, Any, Any], error: InternalServerException) -> Response[Any]:
    """Answer 400, not 500, for a body field that Litestar mistakes for a dependency.

    Litestar 2.25 reports an invalid body field as a server error when the field has the name of a dependency
    (a round's ``settings`` and the app's ``settings``). Every other server error keeps Litestar's answer.
    """
    cause = error.__cause__
    match = _BODY_ERROR.fullmatch(str(cause)) if isinstance(cause, msgspec.ValidationError) else None
    if match is None:
        if request.app.debug:
            return create_debug_response(request, error)
        return create_exception_response(request, error)
    problem = {"message": match["message"], "key": match["key"] or "", "source": "body"}
    body = {
        "status_code": HTTP_400_BAD_REQUEST,
        "detail": f"Validation failed for {request.method} {request.url.path}",
        "extra": [problem],
    }
    return Response(body, status_code=HTTP_400_BAD_REQUEST, media_type=MediaType.JSON)


def too_large_handler(request: Request[Any, Any, Any], _: RequestEntityTooLarge) -> Response[Any]:
    """Refuse a request body over the app's limit (nothing of it is read further, nothing is stored)."""
    limit = request.route_handler.resolve_request_max_body_size()
    message = (
        f"the request body is larger than the limit of {limit} bytes" if limit else "the request body is too large"
    )
    if wants_json(request):
        body = {"status_code": HTTP_413_REQUEST_ENTITY_TOO_LARGE, "detail": message, "field": "body"}
        return Response(body, status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE, media_type=MediaType.JSON)
    return Template(
        template_name="error.html",
        context={"status_code": HTTP_413_REQUEST_ENTITY_TOO_LARGE, "message": message, "field": "body"},
        status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )
