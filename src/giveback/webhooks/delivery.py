"""Posting events to webhook endpoints: queued with the change that makes them, signed, retried through the job
queue, every attempt's outcome in the delivery log.

``emit`` runs inside the caller's transaction: an event exists exactly when its change commits. Each endpoint
that wants the event gets a ``WebhookDelivery`` and a job of kind ``webhook``; a worker posts it (``deliver_next``)
as JSON with the Standard Webhooks headers: ``webhook-id`` (the same on every attempt, so a receiver can drop a
repeat), ``webhook-timestamp`` (Unix seconds) and ``webhook-signature``: ``v1,`` and the Base64 HMAC-SHA256 of
``{id}.{timestamp}.{body}`` under the endpoint's secret (``whsec_`` and its Base64 key). A 2xx answer delivers it;
anything else (another status, no answer in ``TIMEOUT_SECONDS``, an address that is not public) is retried with
the job queue's back-off (30 s, 1 min, 2 min … at most 6 h) and the delivery failed after ``MAX_ATTEMPTS``.
Why an attempt failed is kept as a word (``ERRORS``), which the pages put in the reader's language.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog

from giveback.calendars.fetch import FetchError, check_url, pinned
from giveback.db.engine import write_transaction
from giveback.jobs.queue import claim_job, fail_job, finish_job, holding, next_job_due, renew_job
from giveback.jobs.queue import enqueue as enqueue_job
from giveback.settings import Settings
from giveback.webhooks.tables import WebhookDelivery, WebhookEndpoint

log = structlog.get_logger()

JOB_KIND = "webhooks"  # the job kind, and the kind of work of giveback.worker that does it
EVENTS = ("trip.approved", "trip.confirmed", "trip.declined", "trip.cancelled", "trip.completed", "report.filed")
TEST_EVENT = "webhook.test"
MAX_ATTEMPTS = 8
# Why the last attempt failed: "status" (an answer other than 2xx, see response_status), "unreachable" (the
# host is unknown or not public), "no_answer" (no connection or no answer in time), "switched_off" (the
# endpoint was switched off before the event was posted).
ERRORS = ("status", "unreachable", "no_answer", "switched_off")
TIMEOUT_SECONDS = 10.0
USER_AGENT = "Giveback webhooks"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix of every secret, not one)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header of a body (Standard Webhooks, version 1)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


async def wanted(event: str) -> bool:
    """Whether an active endpoint wants ``event`` (so that its data is built only then)."""
    rows = (
        await WebhookEndpoint.select(WebhookEndpoint.events)
        .where(WebhookEndpoint.active.eq(True))
        .output(load_json=True)
    )
    return any(event in row["events"] for row in rows)


async def emit(event: str, data: dict[str, Any], *, endpoint_ids: Collection[int] | None = None) -> int:
    """Queue ``event`` for every active endpoint that wants it (or the endpoints named), in the caller's
    transaction; returns how many deliveries were queued."""
    query = WebhookEndpoint.select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active.eq(True))
    if endpoint_ids is not None:
        query = query.where(WebhookEndpoint.id.is_in(list(endpoint_ids) or [-1]))
    endpoints = [
        row for row in await query.output(load_json=True) if endpoint_ids is not None or event in row["events"]
    ]
    moment = datetime.now(UTC)
    for endpoint in endpoints:
        event_id = f"evt_{uuid.uuid4().hex}"
        payload = {"id": event_id, "type": event, "created_at": moment.isoformat(), "data": data}
        inserted = await WebhookDelivery.insert(
            WebhookDelivery(endpoint=endpoint["id"], event=event, event_id=event_id, payload=payload)
        )
        await enqueue_job(JOB_KIND, {"delivery": int(inserted[0]["id"])}, max_attempts=MAX_ATTEMPTS)
    return len(endpoints)


async def next_delivery_due() -> datetime | None:
    return await next_job_due([JOB_KIND])


async def deliver_next(settings: Settings, worker: str) -> bool:
    """Post the next queued delivery (one attempt); False when none is due. Only public addresses are reached
    (the calendar import's SSRF guard), and the receivers named in ``GIVEBACK_WEBHOOK_ALLOWED_HOSTS``."""
    lease = timedelta(seconds=settings.worker_lease_seconds)
    job = await claim_job([JOB_KIND], worker, lease)
    if job is None:
        return False
    delivery_id = int(job["payload"].get("delivery", 0))
    row = await (
        WebhookDelivery.select(
            WebhookDelivery.id,
            WebhookDelivery.event_id,
            WebhookDelivery.payload,
            WebhookDelivery.endpoint.url.as_alias("url"),
            WebhookDelivery.endpoint.secret.as_alias("secret"),
            WebhookDelivery.endpoint.active.as_alias("active"),
        )
        .output(load_json=True)
        .where(WebhookDelivery.id == delivery_id)
        .first()
    )
    if row is None or not row["active"]:  # the endpoint was removed or switched off meanwhile: nothing to post
        async with write_transaction(WebhookDelivery._meta.db):
            await WebhookDelivery.update(
                {WebhookDelivery.status: "failed", WebhookDelivery.last_error: "switched_off"}
            ).where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.status == "pending"))
            await finish_job(job)
        return True
    body = json.dumps(row["payload"], ensure_ascii=False, separators=(",", ":")).encode()
    status, error = None, ""
    try:
        async with holding(lambda: renew_job(job, lease), lease):
            status = await _post(row["url"], row["secret"], row["event_id"], body, settings.webhook_allowed_hosts)
        if not 200 <= status < 300:
            error = "status"
    except FetchError:
        error = "unreachable"
    except (httpx.HTTPError, TimeoutError):
        error = "no_answer"
    async with write_transaction(WebhookDelivery._meta.db):
        changes: dict[Any, Any] = {
            WebhookDelivery.attempts: job["attempts"],
            WebhookDelivery.response_status: status,
            WebhookDelivery.last_error: error,
        }
        if not error:
            changes[WebhookDelivery.status] = "delivered"
            changes[WebhookDelivery.delivered_at] = datetime.now(UTC)
            await finish_job(job)
        elif await fail_job(job, error):
            changes[WebhookDelivery.status] = "failed"
        await WebhookDelivery.update(changes).where(WebhookDelivery.id == delivery_id)
    log.info("webhook.attempt", delivery=delivery_id, attempt=job["attempts"], status=status, error=error)
    return True


async def _post(url: str, secret: str, event_id: str, body: bytes, allow_hosts: Collection[str]) -> int:
    """POST the body to the checked address of ``url`` (no redirects followed); returns the answer's status."""
    address = await check_url(url, allow_hosts=allow_hosts)
    target, host, extensions = pinned(url, address)
    timestamp = int(time.time())
    headers = {
        **host,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, event_id, timestamp, body),
    }
    async with httpx.AsyncClient(follow_redirects=False, timeout=TIMEOUT_SECONDS, trust_env=False) as client:
        response = await client.post(target, content=body, headers=headers, extensions=extensions)
    return response.status_code
