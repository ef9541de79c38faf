"""The home pages (the public one, and each role's: the coordinator's work list, the volunteer's invites and
first steps), where a log-in lands, and the language chooser every page carries."""

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
from giveback.pages import services
from giveback.settings import Settings
from giveback.topics.services import list_topics
from giveback.web.auth import requires, signed_in, signed_in_user
from giveback.web.forms import page, redirect, same_site_path
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


def role_home(user: SignedIn) -> str:
    """Where a person's work starts: coordinators their work list, hosts their organizations, volunteers their trips."""
    if user.has("coordinator"):
        return "/coordinator/"
    if user.has("host"):
        return "/host"
    if user.has("volunteer"):
        return "/volunteer/"
    return "/account"


@get("/home", include_in_schema=False, guards=[signed_in])
async def my_home(request: Request[Any, Any, Any]) -> Redirect:
    """The signed-in person's own home (after log-in, and behind the brand's menu entry)."""
    return redirect(role_home(signed_in_user(request)))


@get("/coordinator/", include_in_schema=False, guards=[requires("coordinator")])
async def coordinator_home(request: Request[Any, Any, Any]) -> Template:
    return page("pages/coordinator.html", items=await services.work_list(signed_in_user(request)))


@get("/volunteer/", include_in_schema=False, guards=[requires("volunteer")])
async def volunteer_home(request: Request[Any, Any, Any]) -> Template:
    user = signed_in_user(request)
    return page(
        "pages/volunteer.html",
        steps=await services.volunteer_steps(user),
        invites=await services.waiting_invites(user),
        upcoming=await services.upcoming_trips(user),
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
