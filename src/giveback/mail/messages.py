"""Compose what the outbox stores: the headers every message carries and plain-text messages."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr


def new_message_id(mail_from: str, label: str) -> str:
    """A Message-ID fixed when the message is queued; every resend of the row reuses it."""
    domain = parseaddr(mail_from)[1].rsplit("@", 1)[-1] or "giveback.local"
    return f"<{uuid.uuid4().hex}.{label}@{domain}>"


def one_line(text: str) -> str:
    """User text made safe for a header: line breaks and runs of spaces become one space."""
    return " ".join(text.split())


def set_headers(message: EmailMessage, *, mail_from: str, to: tuple[str, str], subject: str, message_id: str) -> None:
    """From, To (the address of ``(name, address)``), Subject (on one line) and the fixed Message-ID."""
    message["From"] = mail_from
    message["To"] = to[1]
    message["Subject"] = one_line(subject)
    message["Message-ID"] = message_id


def plain_message(*, mail_from: str, to: tuple[str, str], subject: str, text: str, message_id: str) -> str:
    """A plain-text message (a notice to coordinators, a reminder), as the text the outbox stores."""
    message = EmailMessage()
    set_headers(message, mail_from=mail_from, to=to, subject=subject, message_id=message_id)
    message.set_content(text)
    return message.as_bytes(policy=SMTP).decode("ascii")
