"""Queue e-mail in the outbox, inside the caller's transaction: a message exists exactly when the change that
sends it commits, and ``giveback.mail.sender`` delivers it later with retries and its stable Message-ID.

Other domains call ``queue_message`` with a message they rendered themselves (calendars: iTIP invites) or
``queue_plain`` for a plain-text message, or ``queue_notice`` for a notice each recipient reads in their own
language. None of them opens a transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from giveback.i18n import DEFAULT_LOCALE, use_locale
from giveback.mail.messages import new_message_id, plain_message
from giveback.mail.tables import OutboxMessage
from giveback.settings import Settings

SUBJECT_LENGTH = 300


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
) -> None:
    """Store one rendered message (``content``: the whole message as text, its Message-ID header equal to
    ``message_id``) for the sender. ``about`` names what it is about (``trip:12``); ``kind`` what it is
    (``invite``, ``notice``, ``reminder``, ``confirmation``…)."""
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


async def queue_plain(
    *,
    settings: Settings,
    to: list[tuple[str, str]],
    subject: str,
    text: str,
    kind: str = "notice",
    about: str = "",
) -> list[str]:
    """Queue one plain-text message from ``GIVEBACK_MAIL_FROM`` per ``(name, address)``; returns their
    Message-IDs (in the order of ``to``)."""
    ids = []
    for name, address in to:
        message_id = new_message_id(settings.mail_from, kind)
        content = plain_message(
            mail_from=settings.mail_from, to=(name, address), subject=subject, text=text, message_id=message_id
        )
        await queue_message(
            message_id=message_id, recipient=address, subject=subject, content=content, kind=kind, about=about
        )
        ids.append(message_id)
    return ids


@dataclass(frozen=True)
class Recipient:
    """Who a notice goes to, and the language they read (their saved one; English when they chose none)."""

    name: str
    email: str
    locale: str = DEFAULT_LOCALE


async def queue_notice(
    *,
    settings: Settings,
    to: Sequence[Recipient],
    compose: Callable[[Recipient], tuple[str, str]],
    kind: str = "notice",
    about: str = "",
) -> int:
    """Queue one plain-text notice per recipient, composed (``compose`` returns its subject and text) in the
    recipient's language; returns how many were queued. Opens no transaction."""
    for recipient in to:
        with use_locale(recipient.locale or DEFAULT_LOCALE):
            subject, text = compose(recipient)
        await queue_plain(
            settings=settings,
            to=[(recipient.name, recipient.email)],
            subject=subject,
            text=text,
            kind=kind,
            about=about,
        )
    return len(to)
