"""Compose the invites the outbox stores: iTIP e-mails in the MIME layout real clients expect."""

from __future__ import annotations

from giveback.calendars.ics import Method
from giveback.mail.messages import as_text, new_message
from giveback.mail.templating import Rendered


def invite_message(
    *,
    mail_from: str,
    to: tuple[str, str],
    rendered: Rendered,
    calendar: bytes,
    method: Method,
    message_id: str,
    reply_to: str = "",
) -> str:
    """multipart/mixed → multipart/alternative (text/plain, text/html, text/calendar; method=…) + the .ics; the
    text and HTML parts are the message ``rendered`` from its template.

    The ``method=`` parameter is the calendar's METHOD; the attachment carries the same bytes. Every part is
    7-bit clean (``giveback.mail.messages``), so the outbox can store it as text. ``reply_to`` is the
    recipient's reply address (the calendar's ORGANIZER), where an answer by e-mail goes too.
    """
    message = new_message(mail_from=mail_from, to=to, subject=rendered.subject, message_id=message_id)
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    message.add_alternative(
        calendar, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"}, cte="base64"
    )
    message.add_attachment(calendar, maintype="application", subtype="ics", filename="invite.ics")
    return as_text(message)
