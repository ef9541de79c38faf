"""The home page."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from giveback.organizations.services import list_organizations
from giveback.topics.services import list_topics


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
