"""The program mailbox, read over IMAP (imap-tools) off the event loop: the messages not read yet, and marking
them read.

"Read" is the IMAP keyword ``$GivebackRead``, not the ``\\Seen`` flag: people who open the mailbox in their own
mail program see what is new to them, and the platform never reads a message twice. A message is marked only
after the caller has recorded it, so a crash in between reads it again (the caller's records make that harmless).
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from giveback.settings import Settings

READ_KEYWORD = "$GivebackRead"
BATCH = 100
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Received:
    """One message of the mailbox: its IMAP UID and its bytes."""

    uid: str
    content: bytes


def _open(settings: Settings) -> BaseMailBox:
    host, port = settings.imap_host, settings.imap_port
    box: BaseMailBox
    if settings.imap_security == "tls":
        box = MailBox(host, port, timeout=TIMEOUT_SECONDS, ssl_context=ssl.create_default_context())
    elif settings.imap_security == "starttls":
        box = MailBoxStartTls(host, port, timeout=TIMEOUT_SECONDS, ssl_context=ssl.create_default_context())
    else:
        box = MailBoxUnencrypted(host, port, timeout=TIMEOUT_SECONDS)
    return box.login(settings.imap_username, settings.imap_password, initial_folder=settings.imap_folder)


def _unread(settings: Settings, limit: int) -> list[Received]:
    with _open(settings) as box:
        return [
            Received(uid=message.uid or "", content=message.obj.as_bytes())
            for message in box.fetch(AND(no_keyword=READ_KEYWORD), limit=limit, mark_seen=False, bulk=True)
            if message.uid
        ]


def _mark(settings: Settings, uids: list[str]) -> None:
    with _open(settings) as box:
        box.flag(uids, READ_KEYWORD, True)


async def unread_messages(settings: Settings, limit: int = BATCH) -> list[Received]:
    """The oldest messages of GIVEBACK_IMAP_FOLDER the platform has not read (at most ``limit``)."""
    return await asyncio.to_thread(_unread, settings, limit)


async def mark_read(settings: Settings, uids: list[str]) -> None:
    """Mark these messages read by the platform (the keyword; their ``\\Seen`` flag stays as it was)."""
    if uids:
        await asyncio.to_thread(_mark, settings, uids)
