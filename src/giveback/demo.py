"""Demo data: what ``giveback demo`` loads so that a newcomer sees a living program.

Loading is idempotent: running it twice leaves one copy of everything.
"""

from __future__ import annotations

import msgspec

from giveback.db.engine import close_pool, engine_for, open_pool
from giveback.organizations.tables import Organization
from giveback.piccolo_app import APP_CONFIG
from giveback.settings import Settings
from giveback.topics.tables import Topic


class DemoSummary(msgspec.Struct, kw_only=True):
    organizations: int
    countries: int
    topics: int


async def load_demo(settings: Settings) -> DemoSummary:
    """Load the demo records (the seed societies and topics come with the migrations) and count them."""
    engine = engine_for(settings.database_url)
    for table in APP_CONFIG.table_classes:
        table._meta.db = engine
    await open_pool(engine)
    try:
        countries = await Organization.select(Organization.country).distinct().where(Organization.country.is_not_null())
        return DemoSummary(
            organizations=await Organization.count(),
            countries=len(countries),
            topics=await Topic.count().where(Topic.retired.eq(False)),
        )
    finally:
        await close_pool(engine)


def describe_demo(summary: DemoSummary, *, base_url: str) -> str:
    """The lines printed after loading: where to go and what is there."""
    return "\n".join(
        [
            f"Giveback demo: {summary.organizations} host societies in {summary.countries} countries,"
            f" {summary.topics} topics.",
            f"Open {base_url}/ (host societies at {base_url}/organizations/, API at {base_url}/schema).",
        ]
    )
