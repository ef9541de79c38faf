"""Compose what the outbox stores: the headers every message carries, and messages with a text and an HTML part.

The outbox stores messages as text, so every part must be 7-bit clean: composed with ``COMPOSING`` the e-mail
package picks quoted-printable or base64 for any non-ASCII part (with its default policy it picks 8bit when no
line is longer than 78 characters, e.g. a host contact's invite with an en dash, and the stored text could not
be written), and ``as_text`` writes it out with ``SEVEN_BIT``.

Every message carries a ``Date`` (RFC 5322 requires one): the moment it was queued, like its Message-ID kept by
every resend. A non-ASCII subject is written as encoded words by ``email.header`` (the header registry's folder
drops the space between two encoded words, "– São" arriving as "–São").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime, parseaddr

from giveback.text import one_line

COMPOSING = default.clone(cte_type="7bit")
SEVEN_BIT = SMTP.clone(cte_type="7bit")


def new_message_id(mail_from: str, label: str) -> str:
    """A Message-ID fixed when the message is queued; every resend of the row reuses it."""
    domain = parseaddr(mail_from)[1].rsplit("@", 1)[-1] or "giveback.local"
    return f"<{uuid.uuid4().hex}.{label}@{domain}>"


def new_message(*, mail_from: str, to: tuple[str, str], subject: str, message_id: str) -> EmailMessage:
    """A 7-bit message with From, To (the address of ``(name, address)``), Subject (on one line, control and
    bidi characters gone), the fixed Message-ID and the Date it is composed."""
    message = EmailMessage(policy=COMPOSING)
    message["From"] = mail_from
    message["To"] = to[1]
    message.set_raw("Subject", subject_header(one_line(subject)))
    message["Date"] = format_datetime(datetime.now(UTC).replace(microsecond=0))
    message["Message-ID"] = message_id
    return message


def subject_header(subject: str) -> str:
    """The Subject's value as it is written: folded at spaces, a non-ASCII one as UTF-8 encoded words that keep
    every space when a mail client joins them again."""
    charset = "us-ascii" if subject.isascii() else "utf-8"
    return Header(subject, charset, header_name="Subject").encode(linesep="\r\n")


def as_text(message: EmailMessage) -> str:
    """The whole message as the 7-bit text the outbox stores (CRLF line ends, as SMTP sends it)."""
    return message.as_string(policy=SEVEN_BIT)


def alternative_message(
    *,
    mail_from: str,
    to: tuple[str, str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: Mapping[str, str] | None = None,
) -> str:
    """A multipart/alternative message (the text part, then the HTML part) with extra ``headers``, as the text
    the outbox stores."""
    message = new_message(mail_from=mail_from, to=to, subject=subject, message_id=message_id)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return as_text(message)
