"""The outbox sender: retries with back-off, leases after a crash, the same Message-ID on a resend, no double send."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta
from email.message import EmailMessage

import msgspec
import pytest
from calkit import make_world, now

from giveback.calendars.invites import about_trip
from giveback.jobs import queue
from giveback.mail import sender
from giveback.mail.sender import drain_outbox
from giveback.mail.service import SmtpBackend
from giveback.mail.tables import OutboxMessage
from giveback.worker import work_pass


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def rows(trip_id: int) -> list[dict]:
    return list(
        await OutboxMessage.select().where(OutboxMessage.about == about_trip(trip_id)).order_by(OutboxMessage.id)
    )


async def test_a_down_server_delays_messages_and_nothing_is_lost_or_sent_twice(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings)
    queued = await rows(world.trip_id)
    assert len(queued) == 3 and all(r["status"] == "pending" for r in queued)
    down = msgspec.structs.replace(settings, smtp_port=closed_port())
    moment = now()
    assert await drain_outbox(down, now=moment) == 0
    after = await rows(world.trip_id)
    assert all(r["status"] == "pending" and r["attempts"] == 1 and r["last_error"] for r in after)
    assert all(r["next_attempt_at"] >= moment + timedelta(seconds=29) for r in after)
    assert await drain_outbox(settings, now=moment) == 0  # backing off: not yet
    assert await drain_outbox(down, now=moment + timedelta(seconds=31)) == 0
    after = await rows(world.trip_id)
    assert all(r["attempts"] == 2 and r["next_attempt_at"] >= moment + timedelta(seconds=90) for r in after)
    assert inbox.messages == []
    # the server is back
    assert await drain_outbox(settings, now=moment + timedelta(minutes=5)) == 3
    assert await drain_outbox(settings, now=moment + timedelta(hours=1)) == 0
    assert sorted(m["Message-ID"] for m in inbox.messages) == sorted(r["message_id"] for r in queued)
    sent = await rows(world.trip_id)
    assert all(r["status"] == "sent" and r["sent_at"] and r["last_error"] == "" for r in sent)


async def test_after_too_many_attempts_a_message_is_failed(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False)
    down = msgspec.structs.replace(settings, smtp_port=closed_port())
    moment = now()
    for _ in range(sender.MAX_ATTEMPTS):
        await drain_outbox(down, now=moment)
        moment += queue.LONGEST_RETRY
    (row,) = await rows(world.trip_id)
    assert row["status"] == "failed" and row["attempts"] == sender.MAX_ATTEMPTS
    assert await drain_outbox(settings, now=moment + timedelta(days=1)) == 0
    assert queue.backoff(1) == timedelta(seconds=30) and queue.backoff(2) == timedelta(minutes=1)
    assert queue.backoff(30) == queue.LONGEST_RETRY


class KilledAfterAccept:
    """Delivers through SMTP, then the process dies before the row is marked sent."""

    def __init__(self, settings) -> None:
        self.smtp = SmtpBackend(settings)

    async def deliver(self, message: EmailMessage) -> None:
        await self.smtp.deliver(message)
        raise asyncio.CancelledError


async def test_a_sender_killed_mid_batch_resends_after_the_lease_with_the_same_message_id(
    new_client, inbox, settings
) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False)
    (queued,) = await rows(world.trip_id)
    moment = now()
    with pytest.raises(asyncio.CancelledError):
        await drain_outbox(settings, now=moment, backend=KilledAfterAccept(settings))
    (row,) = await rows(world.trip_id)
    assert row["status"] == "sending" and row["claimed_at"] is not None
    assert len(inbox.messages) == 1
    assert await drain_outbox(settings, now=moment + timedelta(minutes=1)) == 0  # the lease still holds
    assert await drain_outbox(settings, now=moment + sender.lease_of(settings) + timedelta(seconds=1)) == 1
    assert [m["Message-ID"] for m in inbox.messages] == [queued["message_id"]] * 2  # at least once, recognisable
    (row,) = await rows(world.trip_id)
    assert row["status"] == "sent" and row["attempts"] == 2


async def test_two_senders_at_once_send_each_message_once(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings)
    results = await asyncio.gather(*(drain_outbox(settings) for _ in range(3)))
    assert sum(results) == 3
    assert sorted(m["Message-ID"] for m in inbox.messages) == sorted(r["message_id"] for r in await rows(world.trip_id))


async def test_the_file_backend_writes_eml_files(new_client, inbox, settings, temp_dir) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False)
    files = msgspec.structs.replace(settings, mail_backend="file", mail_dir=str(temp_dir))
    assert await drain_outbox(files) == 1
    (written,) = list(temp_dir.glob("*.eml"))
    (row,) = await rows(world.trip_id)
    assert row["message_id"].encode() in written.read_bytes()
    assert b"text/calendar" in written.read_bytes()


async def test_the_worker_pass_sends_the_outbox(new_client, inbox, settings) -> None:
    await make_world(new_client, inbox, settings, volunteers=1, contact=False, coordinator=False)
    assert await work_pass("mail", settings)
    assert not await work_pass("mail", settings)
    assert len(inbox.messages) == 1
