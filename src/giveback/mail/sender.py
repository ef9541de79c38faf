"""The outbox sender: drains the messages ``giveback.mail.outbox`` queued, over SMTP (or into files), with
retries and back-off.

Each row is claimed by a conditional update (pending → sending, ``claimed_at`` is a lease), so several
senders never send the same row at once. A row is marked sent right after the server accepted it. If the
sender dies between the server's acceptance and that mark, the lease runs out and the row is sent again
with the SAME Message-ID: delivery is at least once, and a duplicate is recognisable by its Message-ID.
A failure puts the row back to pending with exponential back-off; after ``MAX_ATTEMPTS`` it is failed.

``send_now`` sends a few rows just queued (account e-mails) right after the answer that queued them, through
the same claim: if the server is down they stay in the outbox and the worker's ``drain_outbox`` retries them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import structlog

from giveback.mail.service import MailBackend, backend_for
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


async def _claim(now: datetime, limit: int, only: Collection[str] | None = None) -> list[dict[str, Any]]:
    query = OutboxMessage.select(OutboxMessage.id, OutboxMessage.attempts).where(_ready(now))
    if only is not None:
        query = query.where(OutboxMessage.message_id.is_in(list(only)))
    candidates = await query.order_by(OutboxMessage.id).limit(limit)
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
    settings: Settings,
    *,
    now: datetime | None = None,
    backend: MailBackend | None = None,
    limit: int = BATCH,
    only: Collection[str] | None = None,
) -> int:
    """Send what is due (of ``only``: those Message-IDs); returns how many messages the server accepted."""
    moment = now or datetime.now(UTC)
    backend = backend or backend_for(settings)
    sent = 0
    for row in await _claim(moment, limit, only):
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


async def send_now(settings: Settings, message_ids: Collection[str]) -> int:
    """Send these just-queued messages at once (a background task after an answer); never raises: a message the
    server did not take stays in the outbox for the worker's next attempt."""
    if not message_ids:
        return 0
    try:
        return await drain_outbox(settings, only=message_ids, limit=len(message_ids))
    except Exception:
        log.exception("outbox.send_now_failed", messages=len(message_ids))
        return 0
