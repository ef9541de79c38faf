"""Three ``giveback worker`` processes share the outbox and the webhook jobs on the suite's database: every message
and every webhook is delivered exactly once, and the work of a worker killed mid-delivery is taken up by another
once its lease runs out (10 s here), while the messages after it go on at once.

The SMTP server and the webhook receiver are real (aiosmtpd; an HTTP server on loopback, reached through
``GIVEBACK_WEBHOOK_ALLOWED_HOSTS``); each hangs on purpose on one delivery until the worker holding it is killed.
On PostgreSQL the workers are idle and listening before the work is queued, so it is their ``NOTIFY`` wake-up
that starts them (their longest idle sleep is a minute).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller as SMTPController
from aiosmtpd.smtp import Envelope

from giveback.db.engine import write_transaction
from giveback.jobs.tables import Job
from giveback.mail.outbox import Recipient, queue_templated
from giveback.mail.tables import OutboxMessage
from giveback.settings import Settings
from giveback.webhooks.delivery import emit, new_secret
from giveback.webhooks.tables import WebhookDelivery, WebhookEndpoint

MESSAGES = 30
EVENTS = 12
STALL_AT = 4  # the delivery each server hangs on
LEASE_SECONDS = 10  # long enough that a worker slowed by a loaded machine still renews in time
DEADLINE_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stall:
    """Hangs the ``at``-th delivery until released; remembers what was delivered (not the hung one)."""

    def __init__(self, at: int) -> None:
        self.at, self.seen = at, 0
        self.lock = threading.Lock()
        self.reached, self.release = threading.Event(), threading.Event()
        self.delivered: list[tuple[str, bytes, dict[str, str]]] = []
        self.hung = ""  # the identity (Message-ID, webhook-id) of the delivery hung

    def hangs(self, identity: str) -> bool:
        with self.lock:
            self.seen += 1
            hang = self.seen == self.at
        if hang:
            self.hung = identity
            self.reached.set()
            self.release.wait(DEADLINE_SECONDS)
        return hang


class SmtpReceiver(Stall):
    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        message_id = str(message_from_bytes(envelope.content, policy=default_policy)["Message-ID"])
        if await asyncio.get_running_loop().run_in_executor(None, self.hangs, message_id):
            return "451 4.3.0 try again later"
        self.delivered.append((message_id, envelope.content, {}))
        return "250 OK"


@contextmanager
def webhook_receiver(stall: Stall) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if stall.hangs(self.headers["webhook-id"]):
                return  # the worker that sent it is dead by now
            stall.delivered.append((self.headers["webhook-id"], body, dict(self.headers)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield int(server.server_address[1])
    finally:
        stall.release.set()
        server.shutdown()


async def wait_for(condition: Any, what: str) -> None:
    for _ in range(DEADLINE_SECONDS * 10):
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


async def listening_workers() -> int:
    rows = await Job.raw(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%' AND datname = current_database()"
    )
    return int(rows[0]["n"])


def pid_of(worker: str) -> int:
    return int(worker.rsplit(":", 1)[1])


async def test_three_workers_deliver_everything_once_and_take_over_a_killed_ones_work(settings: Settings) -> None:
    smtp = SmtpReceiver(STALL_AT)
    hooks = Stall(STALL_AT)
    smtp_port = free_port()
    controller = SMTPController(smtp, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    workers: list[subprocess.Popen[bytes]] = []
    try:
        with webhook_receiver(hooks) as hook_port:
            environment = {
                **os.environ,
                "GIVEBACK_MAIL_BACKEND": "smtp",
                "GIVEBACK_SMTP_HOST": "127.0.0.1",
                "GIVEBACK_SMTP_PORT": str(smtp_port),
                "GIVEBACK_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
                "GIVEBACK_WEBHOOK_ALLOWED_HOSTS": f"127.0.0.1:{hook_port}",
            }
            workers = [
                subprocess.Popen(  # noqa: ASYNC220 (real separate processes are the point)
                    [sys.executable, "-m", "giveback", "worker", "--only", "mail,webhooks"], env=environment
                )
                for _ in range(3)
            ]
            if not settings.is_sqlite:
                await wait_for(lambda: _at_least(listening_workers, 3), "three listening workers")

            # Each hung delivery's worker is killed as soon as it hangs, while it has nothing else in flight:
            # the mail first (no webhook is queued yet), then the webhooks (all mail is sent by then). A worker
            # killed in the middle of another delivery would rightly post that one again (at least once).
            def kill(pid: int) -> None:
                for worker in workers:
                    if worker.pid == pid and worker.poll() is None:
                        worker.send_signal(signal.SIGKILL)
                        worker.wait(timeout=20)

            await queue_templated(
                settings=settings,
                message_name="account-confirm",
                to=[Recipient(f"Person {n} – 旅行", f"person{n}@example.org") for n in range(MESSAGES)],
                values={"link": "http://testserver.local/confirm?token=t"},
            )
            await wait_for(lambda: _is_set(smtp.reached), "the hung SMTP delivery")
            held_mail = await OutboxMessage.select().where(OutboxMessage.message_id == smtp.hung).first()
            kill(pid_of(held_mail["claimed_by"]))
            smtp.release.set()
            await wait_for(_all_sent, "every message sent")

            secret = new_secret()
            async with write_transaction(OutboxMessage._meta.db):
                endpoint = await WebhookEndpoint.insert(
                    WebhookEndpoint(url=f"http://127.0.0.1:{hook_port}/hooks", secret=secret, events=["trip.approved"])
                )
                for number in range(EVENTS):
                    await emit("trip.approved", {"trip": {"id": number}})
            await wait_for(lambda: _is_set(hooks.reached), "the hung webhook post")
            hung = await WebhookDelivery.select().where(WebhookDelivery.event_id == hooks.hung).first()
            held_job = next(
                job for job in await Job.select().output(load_json=True) if job["payload"]["delivery"] == hung["id"]
            )
            kill(pid_of(held_job["worker"]))
            hooks.release.set()

            await wait_for(
                lambda: _none_left(),
                "every message sent and every webhook delivered",
            )
            after_mail = await OutboxMessage.select().where(OutboxMessage.id == held_mail["id"]).first()
            after_job = await Job.select().where(Job.id == held_job["id"]).first()
            assert held_mail["status"] == "sending" and held_job["status"] == "running"
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=20)
        controller.stop()

    stored = await OutboxMessage.select(OutboxMessage.message_id, OutboxMessage.claimed_by)
    received = Counter(message_id for message_id, _, _ in smtp.delivered)
    assert received == Counter({row["message_id"]: 1 for row in stored})  # each message exactly once
    assert len({row["claimed_by"] for row in stored}) >= 2  # shared out between the workers
    assert after_mail["attempts"] == 2 and after_mail["claimed_by"] != held_mail["claimed_by"]  # another took it

    deliveries = await WebhookDelivery.select().where(WebhookDelivery.endpoint == endpoint[0]["id"])
    hooks_received = Counter(event_id for event_id, _, _ in hooks.delivered)
    assert hooks_received == Counter({row["event_id"]: 1 for row in deliveries}) and len(deliveries) == EVENTS
    assert after_job["status"] == "done" and after_job["attempts"] == 2 and after_job["worker"] != held_job["worker"]
    key = base64.b64decode(secret.removeprefix("whsec_"))
    for event_id, body, headers in hooks.delivered:
        signed = f"{event_id}.{headers['webhook-timestamp']}.".encode() + body
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        assert headers["webhook-signature"] == expected
        assert json.loads(body)["type"] == "trip.approved"


async def _at_least(count: Any, wanted: int) -> bool:
    return bool(await count() >= wanted)


async def _is_set(event: threading.Event) -> bool:
    return event.is_set()


async def _all_sent() -> bool:
    return await OutboxMessage.count().where(OutboxMessage.status != "sent") == 0


async def _none_left() -> bool:
    unsent = await OutboxMessage.count().where(OutboxMessage.status != "sent")
    undelivered = await WebhookDelivery.count().where(WebhookDelivery.status != "delivered")
    return unsent == 0 and undelivered == 0


def test_only_names_kinds_of_work_and_refuses_others() -> None:
    from giveback.cli import WORK_KINDS
    from giveback.worker import KINDS

    assert tuple(KINDS) == WORK_KINDS
    refused = subprocess.run(
        [sys.executable, "-m", "giveback", "worker", "--only", "mail,solving"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 2
    assert "--only" in refused.stderr and "solving is not a kind of work" in refused.stderr
