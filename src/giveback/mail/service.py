"""The mail service: compose messages (a text part, and an HTML part when given) and hand them to the configured
backend."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

import structlog

from giveback.settings import Settings

log = structlog.get_logger()


class MailBackend(Protocol):
    async def deliver(self, message: EmailMessage) -> None: ...


class FileBackend:
    """Development backend: each message becomes an ``.eml`` file in a folder, announced by a log line."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def deliver(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        log.info("mail.written", to=message["To"], subject=message["Subject"], path=str(path))


class SmtpBackend:
    """Sends through an SMTP server (STARTTLS and log-in when configured), off the event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(message)

    async def deliver(self, message: EmailMessage) -> None:
        await asyncio.to_thread(self._send, message)
        log.info("mail.sent", to=message["To"], subject=message["Subject"])


class Mailer:
    """Composes messages from the program's address and delivers them."""

    def __init__(self, settings: Settings, backend: MailBackend) -> None:
        self.sender = settings.mail_from
        self.backend = backend

    async def send(self, *, to: str, subject: str, body: str, html: str = "") -> EmailMessage:
        """A message with the text ``body`` and, when given, the HTML part ``html`` (multipart/alternative)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1].rstrip(">"))
        message.set_content(body)
        if html:
            message.add_alternative(html, subtype="html")
        await self.backend.deliver(message)
        return message


def mailer_for(settings: Settings) -> Mailer:
    backend: MailBackend = (
        SmtpBackend(settings) if settings.mail_backend == "smtp" else FileBackend(Path(settings.mail_dir))
    )
    return Mailer(settings, backend)
