"""Queue e-mail in the outbox, inside the caller's transaction: a message exists exactly when the change that
sends it commits, and ``giveback.mail.sender`` delivers it later with retries and its stable Message-ID.

Other domains call ``queue_templated`` for a message made from its template (``giveback.mail.templating``) in
each recipient's language, or ``queue_message`` with a message they rendered themselves (calendars: iTIP invites,
whose texts come from templates too). None of them opens a transaction.

A message queued with ``supersedes`` replaces the unsent ones of its kind to the same recipient about the same
record (a trip's newer invite): they are marked ``superseded`` and never sent, so a retried older invite cannot
arrive after the newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from giveback.i18n import DEFAULT_LOCALE, use_locale
from giveback.jobs.wake import notify
from giveback.mail import preferences
from giveback.mail.messages import alternative_message, new_message_id
from giveback.mail.stored import render_for
from giveback.mail.tables import OutboxMessage
from giveback.mail.templating import Rendered, message
from giveback.settings import Settings

SUBJECT_LENGTH = 300
UNSENT = ("pending", "sending")


async def queue_message(
    *,
    message_id: str,
    recipient: str,
    subject: str,
    content: str,
    kind: str,
    about: str = "",
    method: str = "",
    sequence: int = 0,
    supersedes: bool = False,
) -> None:
    """Store one rendered message (``content``: the whole message as text, its Message-ID header equal to
    ``message_id``) for the sender, and wake the senders when the caller's transaction commits. ``about`` names
    what it is about (``trip:12``); ``kind`` what it is (``invite``, ``notice``, ``reminder``, ``confirmation``…)."""
    if supersedes:
        await OutboxMessage.update({OutboxMessage.status: "superseded", OutboxMessage.claimed_at: None}).where(
            (OutboxMessage.recipient == recipient)
            & (OutboxMessage.about == about)
            & (OutboxMessage.kind == kind)
            & OutboxMessage.status.is_in(list(UNSENT))
        )
    await OutboxMessage.insert(
        OutboxMessage(
            message_id=message_id,
            recipient=recipient,
            subject=subject[:SUBJECT_LENGTH],
            kind=kind,
            about=about,
            method=method,
            sequence=sequence,
            content=content,
        )
    )
    await notify("mail")


@dataclass(frozen=True)
class Recipient:
    """Who a message goes to, and the language they read (their saved one; English when they chose none).
    ``person_id`` lets them turn notices off (None: an address without an account)."""

    name: str
    email: str
    locale: str = DEFAULT_LOCALE
    person_id: int | None = None


Values = Mapping[str, Any] | Callable[[Recipient], Mapping[str, Any]]


def _link(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def unsubscribe_headers(settings: Settings, recipient: Recipient, name: str) -> dict[str, str]:
    """``List-Unsubscribe`` (RFC 2369) and its one-click form (RFC 8058) for a notice to a person."""
    if recipient.person_id is None:
        return {}
    token = preferences.unsubscribe_token(settings.secret_key, recipient.person_id, name)
    return {
        "List-Unsubscribe": f"<{_link(settings, f'/notifications/unsubscribe/{token}')}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


async def render_to(settings: Settings, name: str, recipient: Recipient, values: Values) -> Rendered:
    """A message made from its template for one recipient, in their language (``values`` may be a function of
    the recipient, called in their language, for dates and words written in it)."""
    definition = message(name)
    locale = recipient.locale or DEFAULT_LOCALE
    with use_locale(locale):
        given = dict(values(recipient) if callable(values) else values)
    given = {"reader": recipient.name, "site_link": _link(settings, "/"), **given}
    if definition.optional:
        given.setdefault("preferences_link", _link(settings, preferences.PREFERENCES_PATH))
    return await render_for(definition, locale, given)


async def queue_templated(
    *,
    settings: Settings,
    message_name: str,
    to: Sequence[Recipient],
    values: Values,
    kind: str = "",
    about: str = "",
) -> list[str]:
    """Queue one message per recipient, made from the template ``message_name`` in the recipient's language,
    with a text and an HTML part. A notice skips the people who turned it off and carries the unsubscribe
    headers. Returns the Message-IDs queued (in the order of ``to``)."""
    definition = message(message_name)
    off = set()
    if definition.optional:
        off = await preferences.turned_off((r.person_id for r in to if r.person_id is not None), message_name)
    ids = []
    for recipient in to:
        if recipient.person_id in off:
            continue
        rendered = await render_to(settings, message_name, recipient, values)
        label = kind or definition.category
        message_id = new_message_id(settings.mail_from, label)
        headers = unsubscribe_headers(settings, recipient, message_name) if definition.optional else {}
        content = alternative_message(
            mail_from=settings.mail_from,
            to=(recipient.name, recipient.email),
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            message_id=message_id,
            headers=headers,
        )
        await queue_message(
            message_id=message_id,
            recipient=recipient.email,
            subject=rendered.subject,
            content=content,
            kind=label,
            about=about,
        )
        ids.append(message_id)
    return ids
