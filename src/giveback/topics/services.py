"""Reading the topic list."""

from __future__ import annotations

from giveback.topics.schemas import TopicOut
from giveback.topics.tables import Topic


async def list_topics(*, include_retired: bool = False) -> list[TopicOut]:
    """Topics in their display order; retired ones only when asked for."""
    query = Topic.select(Topic.slug, Topic.name, Topic.retired).order_by(Topic.position).order_by(Topic.slug)
    if not include_retired:
        query = query.where(Topic.retired.eq(False))
    return [TopicOut(**row) for row in await query]
