"""Managing webhook endpoints (coordinators and admins): register, switch off and on, remove, send a test
event, read the delivery log, post a failed delivery again. Every change is one transaction and audited."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.db.engine import locked, write_transaction
from giveback.db.keyset import Page, SortKey, keyset_page, page_size
from giveback.errors import Conflict, InvalidInput, NotFound
from giveback.i18n import _
from giveback.jobs.queue import enqueue
from giveback.webhooks.delivery import JOB_KIND, MAX_ATTEMPTS, TEST_EVENT, emit, new_secret
from giveback.webhooks.schemas import DeliveryOut, EndpointCreated, EndpointIn, EndpointOut
from giveback.webhooks.tables import WebhookDelivery, WebhookEndpoint


def check_url(url: str) -> str:
    """The receiver's address, or InvalidInput naming the rule (whether it is public is checked at each post)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(_("give an http:// or https:// address"), field="url")
    if parts.username or parts.password:
        raise InvalidInput(_("the address must not hold a user name or password"), field="url")
    return url


async def _endpoint_row(endpoint_id: int) -> dict[str, Any]:
    row = await (
        WebhookEndpoint.select(*WebhookEndpoint.all_columns())
        .output(load_json=True)
        .where(WebhookEndpoint.id == endpoint_id)
        .first()
    )
    if row is None:
        raise NotFound(_("no webhook endpoint %(endpoint_id)s", endpoint_id=endpoint_id), field="endpoint_id")
    return row


async def _outs(rows: list[dict[str, Any]]) -> list[EndpointOut]:
    counts: dict[tuple[int, str], int] = {}
    if rows:
        for delivery in await WebhookDelivery.select(WebhookDelivery.endpoint, WebhookDelivery.status).where(
            WebhookDelivery.endpoint.is_in([int(row["id"]) for row in rows])
        ):
            key = (int(delivery["endpoint"]), delivery["status"])
            counts[key] = counts.get(key, 0) + 1
    return [
        EndpointOut(
            id=int(row["id"]),
            url=row["url"],
            description=row["description"],
            events=list(row["events"]),
            active=bool(row["active"]),
            created_at=row["created_at"],
            delivered=counts.get((int(row["id"]), "delivered"), 0),
            pending=counts.get((int(row["id"]), "pending"), 0),
            failed=counts.get((int(row["id"]), "failed"), 0),
        )
        for row in rows
    ]


async def list_endpoints() -> list[EndpointOut]:
    rows = await (
        WebhookEndpoint.select(*WebhookEndpoint.all_columns()).output(load_json=True).order_by(WebhookEndpoint.id)
    )
    return await _outs(rows)


async def endpoint_out(endpoint_id: int) -> EndpointOut:
    (out,) = await _outs([await _endpoint_row(endpoint_id)])
    return out


async def create_endpoint(actor: SignedIn, data: EndpointIn) -> EndpointCreated:
    """Register an endpoint; its secret is made here and shown once."""
    url = check_url(data.url)
    secret = new_secret()
    async with write_transaction(WebhookEndpoint._meta.db):
        inserted = await WebhookEndpoint.insert(
            WebhookEndpoint(
                url=url,
                description=data.description.strip(),
                secret=secret,
                events=sorted(set(data.events)),
                created_by=actor.person_id,
            )
        )
        endpoint_id = int(inserted[0]["id"])
        await audit(actor.person_id, "webhook.created", "webhook_endpoint", endpoint_id, host=urlsplit(url).hostname)
    return EndpointCreated(endpoint=await endpoint_out(endpoint_id), signing_key=secret)


async def set_active(actor: SignedIn, endpoint_id: int, active: bool) -> EndpointOut:
    """Switch an endpoint off (it receives nothing new; what is queued for it is dropped) or on again."""
    async with write_transaction(WebhookEndpoint._meta.db):
        await locked(WebhookEndpoint.select(WebhookEndpoint.id).where(WebhookEndpoint.id == endpoint_id)).first()
        await _endpoint_row(endpoint_id)
        await WebhookEndpoint.update({WebhookEndpoint.active: active}).where(WebhookEndpoint.id == endpoint_id)
        await audit(
            actor.person_id, "webhook.enabled" if active else "webhook.disabled", "webhook_endpoint", endpoint_id
        )
    return await endpoint_out(endpoint_id)


async def delete_endpoint(actor: SignedIn, endpoint_id: int) -> None:
    """Remove an endpoint and its delivery log."""
    async with write_transaction(WebhookEndpoint._meta.db):
        row = await _endpoint_row(endpoint_id)
        await WebhookDelivery.delete().where(WebhookDelivery.endpoint == endpoint_id)
        await WebhookEndpoint.delete().where(WebhookEndpoint.id == endpoint_id)
        await audit(actor.person_id, "webhook.deleted", "webhook_endpoint", endpoint_id, url=row["url"])


async def send_test(actor: SignedIn, endpoint_id: int) -> DeliveryOut:
    """Queue a ``webhook.test`` event to one endpoint (to check the receiver and its signature check)."""
    async with write_transaction(WebhookEndpoint._meta.db):
        row = await _endpoint_row(endpoint_id)
        if not row["active"]:
            raise Conflict(_("the endpoint is switched off; switch it on first"), field="endpoint_id")
        await emit(TEST_EVENT, {"message": "a test event from Giveback"}, endpoint_ids=[endpoint_id])
        await audit(actor.person_id, "webhook.tested", "webhook_endpoint", endpoint_id)
    latest = await (
        WebhookDelivery.select(WebhookDelivery.id)
        .where(WebhookDelivery.endpoint == endpoint_id)
        .order_by(WebhookDelivery.id, ascending=False)
        .first()
    )
    assert latest is not None
    return await delivery_out(int(latest["id"]))


def _delivery_out(row: dict[str, Any]) -> DeliveryOut:
    return DeliveryOut(
        id=int(row["id"]),
        endpoint_id=int(row["endpoint"]),
        event=row["event"],
        event_id=row["event_id"],
        status=row["status"],
        attempts=int(row["attempts"]),
        response_status=row["response_status"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        payload=row["payload"],
    )


async def delivery_out(delivery_id: int) -> DeliveryOut:
    row = await (
        WebhookDelivery.select(*WebhookDelivery.all_columns())
        .output(load_json=True)
        .where(WebhookDelivery.id == delivery_id)
        .first()
    )
    if row is None:
        raise NotFound(_("no webhook delivery %(delivery_id)s", delivery_id=delivery_id), field="delivery_id")
    return _delivery_out(row)


async def deliveries(endpoint_id: int, *, cursor: str | None = None, limit: int | None = None) -> Page[DeliveryOut]:
    """The endpoint's delivery log, the newest first, one page."""
    await _endpoint_row(endpoint_id)
    rows, next_cursor = await keyset_page(
        WebhookDelivery.select(*WebhookDelivery.all_columns())
        .output(load_json=True)
        .where(WebhookDelivery.endpoint == endpoint_id),
        key=SortKey.column(WebhookDelivery.id, int),
        id_column=WebhookDelivery.id,
        descending=True,
        cursor=cursor,
        limit=page_size(limit),
    )
    return Page(items=[_delivery_out(row) for row in rows], next_cursor=next_cursor)


async def redeliver(actor: SignedIn, delivery_id: int) -> DeliveryOut:
    """Post a failed delivery again (same event id), with a fresh set of attempts."""
    async with write_transaction(WebhookDelivery._meta.db):
        row = await locked(
            WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.endpoint).where(
                WebhookDelivery.id == delivery_id
            )
        ).first()
        if row is None:
            raise NotFound(_("no webhook delivery %(delivery_id)s", delivery_id=delivery_id), field="delivery_id")
        if row["status"] != "failed":
            raise Conflict(_("only a failed delivery is posted again"), field="delivery_id")
        await WebhookDelivery.update({WebhookDelivery.status: "pending", WebhookDelivery.last_error: ""}).where(
            WebhookDelivery.id == delivery_id
        )
        await enqueue(JOB_KIND, {"delivery": delivery_id}, max_attempts=MAX_ATTEMPTS)
        await audit(
            actor.person_id, "webhook.redelivered", "webhook_endpoint", int(row["endpoint"]), delivery=delivery_id
        )
    return await delivery_out(delivery_id)
