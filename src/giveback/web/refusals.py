"""The error page for refusals Litestar makes before any handler runs: no such address, a method the address does
not take. Browsers get the page with the site's navigation, in their language; the API keeps JSON."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.exceptions.responses import create_debug_response, create_exception_response
from litestar.status_codes import HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND, HTTP_405_METHOD_NOT_ALLOWED

from giveback.i18n import _, language_of, use_locale
from giveback.web.errors import wants_json
from giveback.web.locale import choose_locale

# What a browser reads for the HTTP refusals that come before any page's own rules (no such address, a method the
# address does not take, a form sent without its token).
_PLAIN_REFUSALS = {
    HTTP_403_FORBIDDEN: _("You may not open this page."),
    HTTP_404_NOT_FOUND: _("There is no page at this address. It may have moved, or the link may be mistyped."),
    HTTP_405_METHOD_NOT_ALLOWED: _("This page cannot be used that way. Go back and try again from the page itself."),
}


def http_error_handler(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    """Unknown addresses and other refusals Litestar makes itself: JSON for the API, the error page with the site's
    navigation for a browser (in the reader's language)."""
    if wants_json(request) or error.status_code not in _PLAIN_REFUSALS:
        if request.app.debug:
            return create_debug_response(request, error)
        return create_exception_response(request, error)
    message = error.detail if isinstance(error, PermissionDeniedException) and error.detail != "Forbidden" else ""
    # Rendered here, in the reader's language: no route matched, so the language middleware did not run.
    locale = request.scope.get("state", {}).get("locale") or choose_locale(request)
    template = request.app.template_engine.get_template("error.html")  # type: ignore[union-attr]
    with use_locale(locale):
        html = template.render(
            request=request, status_code=error.status_code, message=message or _PLAIN_REFUSALS[error.status_code]
        )
    headers = {"Content-Language": language_of(locale).tag, "Vary": "Accept-Language, Cookie"}
    return Response(html, status_code=error.status_code, media_type=MediaType.HTML, headers=headers)
