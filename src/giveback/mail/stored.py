"""Coordinators' versions of the messages' templates: which version a message is made from, saving a checked
one and going back to the default. Opens no transaction (the caller's holds the change and its audit entry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog

from giveback.i18n import use_locale
from giveback.mail.tables import MailTemplate
from giveback.mail.templating import (
    EVERY_LANGUAGE,
    Message,
    Rendered,
    Source,
    TemplateRefused,
    check,
    default_source,
    render,
)

log = structlog.get_logger()


@dataclass(frozen=True)
class Version:
    """The templates a message in one language is made from: the language's own version, the version for every
    language, or the repository's default (``origin``: ``language``, ``every-language`` or ``default``)."""

    source: Source
    origin: str


def _key(message: str, locale: str) -> str:
    return f"{message}:{locale}"


def _source(row: dict[str, Any]) -> Source:
    return Source(subject=row["subject"], text=row["text"], html=row["html"])


async def version_for(definition: Message, locale: str) -> Version:
    """The version a message to a reader of ``locale`` is made from now."""
    rows = await MailTemplate.select().where(
        MailTemplate.key.is_in([_key(definition.name, locale), _key(definition.name, EVERY_LANGUAGE)])
    )
    by_locale = {row["locale"]: row for row in rows}
    if locale in by_locale and locale != EVERY_LANGUAGE:
        return Version(_source(by_locale[locale]), "language")
    if EVERY_LANGUAGE in by_locale:
        return Version(_source(by_locale[EVERY_LANGUAGE]), "every-language")
    return Version(default_source(definition.name), "default")


async def stored(definition: Message, locale: str) -> Source | None:
    """The version stored for exactly this language (or for every language, with ``EVERY_LANGUAGE``)."""
    row = await MailTemplate.select().where(MailTemplate.key == _key(definition.name, locale)).first()
    return _source(row) if row else None


async def render_for(definition: Message, locale: str, values: dict[str, Any]) -> Rendered:
    """The message for a reader of ``locale``, made from the version in use. A stored version that no longer
    renders (a placeholder the code stopped giving) falls back to the default, with a log line."""
    version = await version_for(definition, locale)
    with use_locale(locale):
        try:
            return render(definition, version.source, values)
        except TemplateRefused as problem:
            if version.origin == "default":
                raise
            log.error("mail.template_failed", message=definition.name, locale=locale, problem=str(problem))
            return render(definition, default_source(definition.name), values)


async def save(definition: Message, locale: str, source: Source, *, actor_id: int | None) -> None:
    """Store a version after checking it renders (TemplateRefused with the part, line and reason otherwise;
    the version in use stays)."""
    check(definition, source)
    row = MailTemplate(
        key=_key(definition.name, locale),
        message=definition.name,
        locale=locale,
        subject=source.subject,
        text=source.text,
        html=source.html,
        changed_by=actor_id,
        changed_at=datetime.now(UTC),
    )
    kept = [
        MailTemplate.subject,
        MailTemplate.text,
        MailTemplate.html,
        MailTemplate.changed_by,
        MailTemplate.changed_at,
    ]
    await MailTemplate.insert(row).on_conflict(target=MailTemplate.key, action="DO UPDATE", values=kept)


async def reset(definition: Message, locale: str) -> bool:
    """Drop the stored version of one language (or of every language); True if there was one."""
    removed = (
        await MailTemplate.delete().where(MailTemplate.key == _key(definition.name, locale)).returning(MailTemplate.id)
    )
    return bool(removed)


async def stored_locales() -> dict[str, list[str]]:
    """For each message with stored versions, the languages they are for (``""``: every language)."""
    found: dict[str, list[str]] = {}
    for row in await MailTemplate.select(MailTemplate.message, MailTemplate.locale).order_by(MailTemplate.key):
        found.setdefault(row["message"], []).append(row["locale"])
    return found
