"""The topic list: data that coordinators edit, referred to by slug from profiles and requests.

A topic is never deleted or re-slugged, so nothing that refers to it breaks: it is renamed or retired. Its own
name is the English one; ``topic_name`` rows give its name in the other languages of the interface, and a
language without one shows the English name.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns import Column

from giveback.accounts.services import audit
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound
from giveback.i18n import DEFAULT_LOCALE, LOCALES, _
from giveback.topics.schemas import TopicCreate, TopicOut, TopicUpdate
from giveback.topics.tables import Topic, TopicName

TRANSLATED_LOCALES = tuple(locale for locale in LOCALES if locale != DEFAULT_LOCALE)
MIN_NAME_LENGTH = 2


async def _names_by_topic(slugs: list[str] | None = None) -> dict[str, dict[str, str]]:
    query = TopicName.select(TopicName.topic, TopicName.locale, TopicName.name)
    if slugs is not None:
        query = query.where(TopicName.topic.is_in(slugs)) if slugs else query.where(TopicName.topic == "")
    names: dict[str, dict[str, str]] = {}
    for row in await query:
        names.setdefault(row["topic"], {})[row["locale"]] = row["name"]
    return names


async def list_topics(*, include_retired: bool = False) -> list[TopicOut]:
    """Topics in their display order, with their names in other languages; retired ones only when asked for."""
    query = (
        Topic.select(Topic.slug, Topic.name, Topic.retired, Topic.position)
        .order_by(Topic.position)
        .order_by(Topic.slug)
    )
    if not include_retired:
        query = query.where(Topic.retired.eq(False))
    rows = await query
    names = await _names_by_topic()
    return [TopicOut(**row, names=names.get(row["slug"], {})) for row in rows]


async def names_in(locale: str) -> dict[str, str]:
    """Every topic's name in one language (slug → name): its own name there, else its English name."""
    names = {row["slug"]: row["name"] for row in await Topic.select(Topic.slug, Topic.name)}
    if locale != DEFAULT_LOCALE:
        rows = await TopicName.select(TopicName.topic, TopicName.name).where(TopicName.locale == locale)
        names.update({row["topic"]: row["name"] for row in rows})
    return names


async def active_topic_slugs() -> set[str]:
    """Slugs that new profiles and requests may choose."""
    return {row["slug"] for row in await Topic.select(Topic.slug).where(Topic.retired.eq(False))}


async def add_topic(actor_id: int, data: TopicCreate) -> TopicOut:
    async with write_transaction(Topic._meta.db):
        if await Topic.exists().where(Topic.slug == data.slug):
            raise Conflict(_("a topic with the slug %(slug)s exists", slug=data.slug), field="slug")
        last = await Topic.select(Topic.position).order_by(Topic.position, ascending=False).first()
        position = (last["position"] + 1) if last else 0
        await Topic.insert(Topic(slug=data.slug, name=data.name.strip(), position=position, retired=False))
        await audit(actor_id, "topic.added", "topic", None, slug=data.slug, name=data.name)
    return TopicOut(slug=data.slug, name=data.name.strip(), retired=False, position=position)


def _checked_names(names: dict[str, str]) -> dict[str, str]:
    """The names by language, trimmed; an unknown language or a one-letter name is refused."""
    checked = {}
    for locale, name in names.items():
        if locale not in TRANSLATED_LOCALES:
            raise InvalidInput(
                _(
                    "names are given for the languages %(locales)s, not %(locale)s",
                    locales=", ".join(TRANSLATED_LOCALES),
                    locale=locale,
                ),
                field=f"names.{locale}",
            )
        trimmed = " ".join(name.split())
        if trimmed and len(trimmed) < MIN_NAME_LENGTH:
            raise InvalidInput(_("a name must have at least 2 characters"), field=f"names.{locale}")
        checked[locale] = trimmed
    return checked


async def update_topic(actor_id: int, slug: str, data: TopicUpdate) -> TopicOut:
    """Rename or retire a topic, or set its names in other languages; profiles and requests keep it."""
    if data.name is None and data.retired is None and data.names is None:
        raise InvalidInput(_("give a new name, names in other languages or a retired flag"), field="name")
    names = _checked_names(data.names) if data.names is not None else None
    async with write_transaction(Topic._meta.db):
        row = await locked(Topic.select().where(Topic.slug == slug)).first()
        if row is None:
            raise NotFound(_("no topic %(slug)s", slug=slug), field="slug")
        changes: dict[Column | str, Any] = {}
        if data.name is not None:
            changes[Topic.name] = data.name.strip()
        if data.retired is not None:
            changes[Topic.retired] = data.retired
        if changes:
            await Topic.update(changes).where(Topic.slug == slug)
        if names is not None:
            await TopicName.delete().where((TopicName.topic == slug) & TopicName.locale.is_in(list(names)))
            given = [TopicName(topic=slug, locale=locale, name=name) for locale, name in names.items() if name]
            if given:
                await TopicName.insert(*given)
        await audit(
            actor_id, "topic.updated", "topic", row["id"], slug=slug, name=data.name, retired=data.retired, names=names
        )
    updated = (
        await Topic.select(Topic.slug, Topic.name, Topic.retired, Topic.position).where(Topic.slug == slug).first()
    )
    assert updated is not None
    return TopicOut(**updated, names=(await _names_by_topic([slug])).get(slug, {}))
