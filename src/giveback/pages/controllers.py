"""The home page, and the language chooser every page carries."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from giveback.accounts.services import set_locale
from giveback.accounts.sessions import SignedIn
from giveback.errors import InvalidInput
from giveback.i18n import _
from giveback.i18n.locales import known
from giveback.organizations.services import list_organizations
from giveback.settings import Settings
from giveback.topics.services import list_topics
from giveback.web.forms import redirect, same_site_path
from giveback.web.locale import locale_cookie


@get("/", include_in_schema=False)
async def home() -> Template:
    organizations = await list_organizations()
    topics = await list_topics()
    return Template(
        "home.html",
        context={
            "organization_count": len(organizations),
            "country_count": len({o.country for o in organizations if o.country}),
            "topics": topics,
        },
    )


@post("/language", include_in_schema=False, status_code=303)
async def choose_language(request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Redirect:
    """Show the pages in the chosen language: kept in a cookie, and saved for a signed-in person (so their
    e-mails and feeds follow it too)."""
    form = await request.form()
    locale = known(str(form.get("locale") or ""), pseudo=settings.pseudo_locale)
    if locale is None:
        raise InvalidInput(_("choose one of the languages offered"), field="locale")
    user: SignedIn | None = request.state.get("user")
    if user is not None:
        await set_locale(user.person_id, locale)
    response = redirect(same_site_path(str(form.get("next") or "/")))
    response.headers["set-cookie"] = locale_cookie(settings, locale)
    return response
