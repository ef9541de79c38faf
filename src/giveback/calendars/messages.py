"""Compose the e-mails the outbox stores: iTIP invites (MIME layout real clients expect) and plain notices."""

from __future__ import annotations

import html
import uuid
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import parseaddr

from giveback.calendars.ics import Method
from giveback.text import one_line

# The outbox stores messages as text: every part must be 7-bit clean. With this policy the e-mail package picks
# quoted-printable or base64 for any non-ASCII part; with the default one it picks 8bit when no line is longer
# than 78 characters (a host contact's invite with an en dash), and the stored text could not be written.
COMPOSING = default.clone(cte_type="7bit")
SEVEN_BIT = SMTP.clone(cte_type="7bit")


def new_message_id(mail_from: str, label: str) -> str:
    """A Message-ID fixed when the message is queued; every resend of the row reuses it."""
    domain = parseaddr(mail_from)[1].rsplit("@", 1)[-1] or "giveback.local"
    return f"<{uuid.uuid4().hex}.{label}@{domain}>"


def _new_message(*, mail_from: str, to: tuple[str, str], subject: str, message_id: str) -> EmailMessage:
    message = EmailMessage(policy=COMPOSING)
    message["From"] = mail_from
    message["To"] = to[1]
    message["Subject"] = one_line(subject)
    message["Message-ID"] = message_id
    return message


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
    message = _new_message(mail_from=mail_from, to=to, subject=subject, message_id=message_id)
    message.set_content(text)
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n"))
    message.add_alternative(f"<!doctype html><html><body>{paragraphs}</body></html>", subtype="html")
    message.add_alternative(
        calendar, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"}, cte="base64"
    )
    message.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
    return message.as_string(policy=SEVEN_BIT)


def notice_message(*, mail_from: str, to: tuple[str, str], subject: str, text: str, message_id: str) -> str:
    """A plain-text message (e.g. telling coordinators that a volunteer declined)."""
    message = _new_message(mail_from=mail_from, to=to, subject=subject, message_id=message_id)
    message.set_content(text)
    return message.as_string(policy=SEVEN_BIT)
