"""The outbox sender: drains the messages ``giveback.mail.outbox`` queued, over SMTP (or into files), with
retries and back-off.

A sender takes one message at a time (pending → sending, ``giveback.jobs.queue.claim_one``: several senders on
any number of machines take different messages and never wait for each other), holds it under a lease of
``GIVEBACK_WORKER_LEASE_SECONDS`` that it renews while the server takes its time, and marks it sent right after
the server accepted it. A sender killed mid-message delays that one message by one lease; the others are
taken by the other senders at once. If it died between the server's acceptance and the mark, the message is
sent again with the SAME Message-ID: delivery is at least once, and a duplicate is recognisable by its
Message-ID. A failure puts the message back to pending with exponential back-off; after ``MAX_ATTEMPTS`` it
is failed.

``send_now`` sends a few messages just queued (account e-mails) right after the answer that queued them,
through the same claim: if the server is down they stay in the outbox and the workers retry them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from email import message_from_string
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import structlog

from giveback.jobs.queue import backoff, claim_one, holding
from giveback.mail.service import MailBackend, backend_for
from giveback.mail.tables import OutboxMessage
from giveback.settings import Settings

log = structlog.get_logger()

MAX_ATTEMPTS = 8
BATCH = 50


def lease_of(settings: Settings) -> timedelta:
    """How long a sender holds a message it took without renewing."""
    return timedelta(seconds=settings.worker_lease_seconds)


def _ready(now: datetime, lease: timedelta) -> Any:
    return ((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now)) | (
        (OutboxMessage.status == "sending") & (OutboxMessage.claimed_at < now - lease)
    )


async def _claim(
    now: datetime | None, lease: timedelta, sender: str, only: Collection[str] | None = None
) -> dict[str, Any] | None:
    """Take the next due message; its lease starts at the claim itself (``now`` fixes the clock, for tests), so
    waiting for SQLite's write lock does not shorten it."""
    ready = OutboxMessage.select(OutboxMessage.id, OutboxMessage.attempts).where(
        _ready(now or datetime.now(UTC), lease)
    )
    if only is not None:
        ready = ready.where(OutboxMessage.message_id.is_in(list(only) or [""]))
    return await claim_one(
        ready.order_by(OutboxMessage.id),
        lambda row: {
            OutboxMessage.status: "sending",
            OutboxMessage.claimed_at: now or datetime.now(UTC),
            OutboxMessage.claimed_by: sender,
            OutboxMessage.attempts: row["attempts"] + 1,
        },
        (OutboxMessage.id, OutboxMessage.content, OutboxMessage.attempts, OutboxMessage.message_id),
    )


def _ours(row: dict[str, Any]) -> Any:
    """The message as this sender took it: still sending, under this attempt (no other sender took it since)."""
    return (
        (OutboxMessage.id == row["id"])
        & (OutboxMessage.status == "sending")
        & (OutboxMessage.attempts == row["attempts"])
    )


async def next_message_due(settings: Settings) -> datetime | None:
    """When the next message becomes due: a pending one's next attempt, or a held one's lease end."""
    pending = await (
        OutboxMessage.select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == "pending")
        .order_by(OutboxMessage.next_attempt_at)
        .first()
    )
    held = await (
        OutboxMessage.select(OutboxMessage.claimed_at)
        .where(OutboxMessage.status == "sending")
        .order_by(OutboxMessage.claimed_at)
        .first()
    )
    due = [pending["next_attempt_at"]] if pending else []
    if held and held["claimed_at"]:
        due.append(held["claimed_at"] + lease_of(settings))
    return min(due) if due else None


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
    sender: str = "",
    only: Collection[str] | None = None,
) -> int:
    """Send what is due (of ``only``: those Message-IDs), one message at a time, at most ``limit``; returns how
    many the server accepted in this call. ``sender`` names the worker in the message's ``claimed_by``."""
    lease = lease_of(settings)
    backend = backend or backend_for(settings)
    sent = 0
    for _ in range(limit):
        row = await _claim(now, lease, sender, only)
        if row is None:
            break
        sent += await _send(row, backend, now or datetime.now(UTC), lease)
    return sent


async def _send(row: dict[str, Any], backend: MailBackend, moment: datetime, lease: timedelta) -> int:
    """Deliver one message this sender holds, renewing the hold meanwhile; 1 when the server accepted it."""

    async def renew() -> bool:
        renewed = (
            await OutboxMessage.update({OutboxMessage.claimed_at: datetime.now(UTC)})
            .where(_ours(row))
            .returning(OutboxMessage.id)
        )
        return bool(renewed)

    try:
        async with holding(renew, lease):
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
        ).where(_ours(row))
        log.warning("outbox.retry", message_id=row["message_id"], attempts=row["attempts"], failed=failed)
        return 0
    await OutboxMessage.update(
        {OutboxMessage.status: "sent", OutboxMessage.sent_at: datetime.now(UTC), OutboxMessage.last_error: ""}
    ).where(_ours(row))
    return 1


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
