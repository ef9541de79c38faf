"""The mail backends: deliver one composed message into files (development) or over SMTP."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
import time
import uuid
from email.message import EmailMessage
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


def backend_for(settings: Settings) -> MailBackend:
    """The backend ``GIVEBACK_MAIL_BACKEND`` names."""
    if settings.mail_backend == "smtp":
        return SmtpBackend(settings)
    return FileBackend(Path(settings.mail_dir))
