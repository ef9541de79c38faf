"""Webhooks against a real HTTP receiver on loopback: coordinators register endpoints (API and page), trip steps and
reports are posted signed, a receiver that fails gets the same event again through the job queue, and the
delivery log shows every outcome."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import msgspec
import pytest
from trip_factory import days, make_trip, person, signed_in

from giveback.jobs.queue import forget_done_jobs
from giveback.jobs.tables import Job
from giveback.settings import Settings
from giveback.trips import lifecycle
from giveback.webhooks.delivery import deliver_next
from giveback.webhooks.tables import WebhookDelivery


@dataclass
class Receiver:
    port: int
    answers: list[int] = field(default_factory=list)  # the status of each next answer (then 204)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/giveback"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            state.received.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(state.answers.pop(0) if state.answers else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = int(server.server_address[1])
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield state
    server.shutdown()


def verified(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's check (Standard Webhooks, v1)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(headers["webhook-signature"], f"v1,{expected}")


async def deliver_all(settings: Settings) -> int:
    done = 0
    while await deliver_next(settings, "test-worker"):
        done += 1
    return done


async def test_trip_steps_are_posted_signed_and_retried_until_the_receiver_takes_them(
    client: httpx.AsyncClient, receiver: Receiver, settings: Settings
) -> None:
    allowed = msgspec.structs.replace(settings, webhook_allowed_hosts=(f"127.0.0.1:{receiver.port}",))
    await signed_in(client, "carla@example.org", ["coordinator"], name="Carla Núñez")
    refused = [
        ({"url": "ftp://example.org/x", "events": ["trip.confirmed"]}, "url"),
        ({"url": receiver.url, "events": []}, "events"),
        ({"url": receiver.url, "events": ["trip.exploded"]}, "events"),
        ({"url": "https://user:pw@example.org/", "events": ["trip.confirmed"]}, "url"),
    ]
    for body, named in refused:
        answer = await client.post("/api/webhooks", json=body)
        assert answer.status_code == 400 and named in answer.text, (body, answer.text)
    created = await client.post(
        "/api/webhooks",
        json={
            "url": receiver.url,
            "events": ["trip.confirmed", "trip.cancelled", "report.filed"],
            "description": "CRM",
        },
    )
    assert created.status_code == 201, created.text
    secret, endpoint_id = created.json()["signing_key"], created.json()["endpoint"]["id"]
    assert secret.startswith("whsec_") and "secret" not in (await client.get(f"/api/webhooks/{endpoint_id}")).json()

    vera = await person("vera@example.org", name="Véra Ağaoğlu")
    trip_id, _ = await make_trip(status="confirmed", start=days(40), members=[vera], title="Embolisation – 栓塞")
    assert await deliver_all(allowed) == 1  # approved is not asked for; confirmed is
    ((headers, body),) = receiver.received
    assert verified(secret, headers, body) and headers["Content-Type"] == "application/json"
    event = json.loads(body)
    assert event["type"] == "trip.confirmed" and event["id"] == headers["webhook-id"]
    assert event["data"]["trip"]["id"] == trip_id and event["data"]["trip"]["title"] == "Embolisation – 栓塞"
    assert event["data"]["trip"]["volunteers"] == [{"name": "Véra Ağaoğlu", "response": "accepted"}]
    assert "vera@example.org" not in body.decode()  # names, never addresses

    receiver.answers = [500]
    await lifecycle.cancel(trip_id, "the hospital closed", actor_id=None, settings=settings)
    assert await deliver_all(allowed) == 1
    (delivery,) = await WebhookDelivery.select().where(WebhookDelivery.event == "trip.cancelled")
    assert (delivery["status"], delivery["attempts"], delivery["response_status"]) == ("pending", 1, 500)
    assert await deliver_all(allowed) == 0  # backing off: not due yet
    await Job.update({Job.run_after: datetime.now(UTC) - timedelta(seconds=1)}).where(Job.status == "queued")
    assert await deliver_all(allowed) == 1
    first, second = receiver.received[1:]
    assert first[0]["webhook-id"] == second[0]["webhook-id"] and verified(secret, *second)
    assert receiver.bodies()[2]["data"]["reason"] == "the hospital closed"
    log = (await client.get(f"/api/webhooks/{endpoint_id}/deliveries", params={"limit": 1})).json()
    assert [(d["event"], d["status"], d["attempts"]) for d in log] == [("trip.cancelled", "delivered", 2)]

    outside = await deliver_all(settings)  # nothing left; and without the allowance, loopback is never reached
    assert outside == 0
    await client.post(f"/api/webhooks/{endpoint_id}/test")
    assert await deliver_all(settings) == 1
    (tested,) = await WebhookDelivery.select().where(WebhookDelivery.event == "webhook.test")
    assert tested["last_error"] == "unreachable" and tested["status"] == "pending" and len(receiver.received) == 3

    await Job.update({Job.finished_at: datetime.now(UTC) - timedelta(days=31)}).where(Job.status == "done")
    assert await forget_done_jobs() == 2  # the two delivered events' jobs; the log keeps them
    assert await Job.count() == 1 and await WebhookDelivery.count() == 3


async def test_the_webhooks_page_registers_switches_off_and_shows_the_log(
    client: httpx.AsyncClient, receiver: Receiver, settings: Settings
) -> None:
    await signed_in(client, "ada@example.org", ["admin"])
    token = client.headers["X-CSRF-Token"]
    bad = await client.post(
        "/admin/webhooks", data={"csrf_token": token, "url": "mailto:x@example.org", "events": ["trip.approved"]}
    )
    assert bad.status_code == 400 and "http:// or https://" in bad.text
    nothing = await client.post("/admin/webhooks", data={"csrf_token": token, "url": receiver.url})
    assert nothing.status_code == 400 and "events" in nothing.text
    made = await client.post(
        "/admin/webhooks",
        data={
            "csrf_token": token,
            "url": receiver.url,
            "description": "Société — 会员系统",
            "events": ["trip.approved"],
        },
    )
    assert made.status_code == 200 and "whsec_" in made.text and "Société — 会员系统" in made.text
    (endpoint,) = (await client.get("/api/webhooks")).json()
    assert endpoint["events"] == ["trip.approved"]
    assert "whsec_" not in (await client.get("/admin/webhooks")).text  # the secret was shown once

    await make_trip(status="invited", start=days(50))
    await client.post(f"/admin/webhooks/{endpoint['id']}/disable", data={"csrf_token": token})
    allowed = msgspec.structs.replace(settings, webhook_allowed_hosts=(f"127.0.0.1:{receiver.port}",))
    assert await deliver_all(allowed) == 1 and receiver.received == []  # queued before, dropped when switched off
    shown = await client.get(f"/admin/webhooks/{endpoint['id']}")
    assert "the endpoint was switched off" in shown.text and "Post again" in shown.text
    (failed,) = await WebhookDelivery.select().where(WebhookDelivery.status == "failed")
    await client.post(f"/admin/webhooks/{endpoint['id']}/enable", data={"csrf_token": token})
    again = await client.post(f"/admin/webhooks/deliveries/{failed['id']}/redeliver", data={"csrf_token": token})
    assert again.status_code in (200, 303)
    assert await deliver_all(allowed) == 1 and receiver.bodies()[0]["type"] == "trip.approved"

    client.cookies.clear()
    await signed_in(client, "vic@example.org", ["volunteer"])
    assert (await client.get("/admin/webhooks")).status_code == 403
    assert (await client.get("/api/webhooks")).status_code == 403
