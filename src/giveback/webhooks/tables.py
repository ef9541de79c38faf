"""Webhook endpoints and the log of what was posted to them."""

from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person


class WebhookEndpoint(Table):
    """An address the program's events are posted to: those in ``events``, signed with ``secret`` (HMAC-SHA256,
    kept to sign; shown to the coordinator once, when made). An inactive endpoint receives nothing new."""

    id = Serial(primary_key=True)
    url = Varchar(length=2000)
    description = Varchar(length=200, default="")
    secret = Varchar(length=100, secret=True)
    events = JSON(default=[])
    active = Boolean(default=True)
    created_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table):
    """One event posted to one endpoint: ``pending`` (queued or being retried) → ``delivered`` (a 2xx answer), or
    ``failed`` after the last attempt. ``event_id`` is sent as the ``Webhook-Id`` header of every attempt, so a
    receiver can recognise a repeat."""

    id = Serial(primary_key=True)
    endpoint = ForeignKey(references=WebhookEndpoint, index=True)
    event = Varchar(length=40)
    event_id = Varchar(length=64, unique=True)
    payload = JSON(default={})
    status = Varchar(length=20, default="pending", index=True)
    attempts = Integer(default=0)
    response_status = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
