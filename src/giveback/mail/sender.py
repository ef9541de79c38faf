"""The outbox sender: drains the messages ``giveback.mail.outbox`` queued, over SMTP (or into files), with
retries and back-off.

Each row is claimed by a conditional update (pending → sending, ``claimed_at`` is a lease), so several
senders never send the same row at once. A row is marked sent right after the server accepted it. If the
sender dies between the server's acceptance and that mark, the lease runs out and the row is sent again
with the SAME Message-ID: delivery is at least once, and a duplicate is recognisable by its Message-ID.
A failure puts the row back to pending with exponential back-off; after ``MAX_ATTEMPTS`` it is failed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import structlog

from giveback.mail.service import MailBackend, mailer_for
from giveback.mail.tables import OutboxMessage
from giveback.settings import Settings

log = structlog.get_logger()

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)
BATCH = 50


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, 4 min … at most 6 h."""
    wait: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(wait, LONGEST_RETRY)


def _ready(now: datetime) -> Any:
    return ((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now)) | (
        (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - LEASE)
    )


async def _claim(now: datetime, limit: int) -> list[dict[str, Any]]:
    candidates = (
        await OutboxMessage.select(OutboxMessage.id, OutboxMessage.attempts)
        .where(_ready(now))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    claimed = []
    for candidate in candidates:
        rows = (
            await OutboxMessage.update(
                {
                    OutboxMessage.status: "sending",
                    OutboxMessage.claimed_at: now,
                    OutboxMessage.attempts: candidate["attempts"] + 1,
                }
            )
            .where(
                (OutboxMessage.id == candidate["id"]) & (OutboxMessage.attempts == candidate["attempts"]) & _ready(now)
            )
            .returning(OutboxMessage.id, OutboxMessage.content, OutboxMessage.attempts, OutboxMessage.message_id)
        )
        claimed.extend(rows)
    return claimed


def parse_stored(content: str) -> EmailMessage:
    message = message_from_string(content, policy=SMTP)
    assert isinstance(message, EmailMessage)
    return message


async def drain_outbox(
    settings: Settings, *, now: datetime | None = None, backend: MailBackend | None = None, limit: int = BATCH
) -> int:
    """Send what is due; returns how many messages the server accepted in this call."""
    moment = now or datetime.now(UTC)
    backend = backend or mailer_for(settings).backend
    sent = 0
    for row in await _claim(moment, limit):
        try:
            await backend.deliver(parse_stored(row["content"]))
        except Exception as error:  # the server refused or is down: retry later
            failed = row["attempts"] >= MAX_ATTEMPTS
            await OutboxMessage.update(
                {
                    OutboxMessage.status: "failed" if failed else "pending",
                    OutboxMessage.next_attempt_at: moment + backoff(row["attempts"]),
                    OutboxMessage.last_error: f"{type(error).__name__}: {error}"[:2000],
                    OutboxMessage.claimed_at: None,
                }
            ).where((OutboxMessage.id == row["id"]) & (OutboxMessage.status == "sending"))
            log.warning("outbox.retry", message_id=row["message_id"], attempts=row["attempts"], failed=failed)
            continue
        await OutboxMessage.update(
            {OutboxMessage.status: "sent", OutboxMessage.sent_at: datetime.now(UTC), OutboxMessage.last_error: ""}
        ).where(OutboxMessage.id == row["id"])
        sent += 1
    return sent
