"""The topic list: data that coordinators edit, referred to by slug from profiles and requests.

A topic is never deleted or re-slugged, so nothing that refers to it breaks: it is renamed or retired.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column

from giveback.accounts.services import audit
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound
from giveback.topics.schemas import TopicCreate, TopicOut, TopicUpdate
from giveback.topics.tables import Topic


async def list_topics(*, include_retired: bool = False) -> list[TopicOut]:
    """Topics in their display order; retired ones only when asked for."""
    query = (
        Topic.select(Topic.slug, Topic.name, Topic.retired, Topic.position)
        .order_by(Topic.position)
        .order_by(Topic.slug)
    )
    if not include_retired:
        query = query.where(Topic.retired.eq(False))
    return [TopicOut(**row) for row in await query]


async def active_topic_slugs() -> set[str]:
    """Slugs that new profiles and requests may choose."""
    return {row["slug"] for row in await Topic.select(Topic.slug).where(Topic.retired.eq(False))}


async def add_topic(actor_id: int, data: TopicCreate) -> TopicOut:
    async with write_transaction(Topic._meta.db):
        if await Topic.exists().where(Topic.slug == data.slug):
            raise Conflict(f"a topic with the slug {data.slug} exists", field="slug")
        last = await Topic.select(Topic.position).order_by(Topic.position, ascending=False).first()
        position = (last["position"] + 1) if last else 0
        await Topic.insert(Topic(slug=data.slug, name=data.name.strip(), position=position, retired=False))
        await audit(actor_id, "topic.added", "topic", None, slug=data.slug, name=data.name)
    return TopicOut(slug=data.slug, name=data.name.strip(), retired=False, position=position)


async def update_topic(actor_id: int, slug: str, data: TopicUpdate) -> TopicOut:
    """Rename or retire a topic; profiles and requests that use it keep it."""
    if data.name is None and data.retired is None:
        raise InvalidInput("give a new name or a retired flag", field="name")
    async with write_transaction(Topic._meta.db):
        row = await locked(Topic.select().where(Topic.slug == slug)).first()
        if row is None:
            raise NotFound(f"no topic {slug}", field="slug")
        changes: dict[Column | str, Any] = {}
        if data.name is not None:
            changes[Topic.name] = data.name.strip()
        if data.retired is not None:
            changes[Topic.retired] = data.retired
        await Topic.update(changes).where(Topic.slug == slug)
        await audit(actor_id, "topic.updated", "topic", row["id"], slug=slug, name=data.name, retired=data.retired)
    updated = (
        await Topic.select(Topic.slug, Topic.name, Topic.retired, Topic.position).where(Topic.slug == slug).first()
    )
    assert updated is not None
    return TopicOut(**updated)
