"""Compose the e-mails the outbox stores: iTIP invites (MIME layout real clients expect) and plain notices."""

from __future__ import annotations

import html
import uuid
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr

from giveback.calendars.ics import Method


def new_message_id(mail_from: str, label: str) -> str:
    """A Message-ID fixed when the message is queued; every resend of the row reuses it."""
    domain = parseaddr(mail_from)[1].rsplit("@", 1)[-1] or "giveback.local"
    return f"<{uuid.uuid4().hex}.{label}@{domain}>"


def one_line(text: str) -> str:
    """User text made safe for a header: line breaks and runs of spaces become one space."""
    return " ".join(text.split())


def _headers(message: EmailMessage, *, mail_from: str, to: tuple[str, str], subject: str, message_id: str) -> None:
    message["From"] = mail_from
    message["To"] = to[1]
    message["Subject"] = one_line(subject)
    message["Message-ID"] = message_id


def invite_message(
    *,
    mail_from: str,
    to: tuple[str, str],
    subject: str,
    text: str,
    calendar: bytes,
    method: Method,
    message_id: str,
) -> str:
    """multipart/mixed → multipart/alternative (text/plain, text/html, text/calendar; method=…) + the .ics.

    The ``method=`` parameter is the calendar's METHOD; the attachment carries the same bytes.
    """
    message = EmailMessage()
    _headers(message, mail_from=mail_from, to=to, subject=subject, message_id=message_id)
    message.set_content(text)
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    message.add_alternative(f"<!doctype html><html><body>{paragraphs}</body></html>", subtype="html")
    message.add_alternative(
        calendar, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"}, cte="base64"
    )
    message.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
    return message.as_bytes(policy=SMTP).decode("ascii")


def notice_message(*, mail_from: str, to: tuple[str, str], subject: str, text: str, message_id: str) -> str:
    """A plain-text message (e.g. telling coordinators that a volunteer declined)."""
    message = EmailMessage()
    _headers(message, mail_from=mail_from, to=to, subject=subject, message_id=message_id)
    message.set_content(text)
    return message.as_bytes(policy=SMTP).decode("ascii")
