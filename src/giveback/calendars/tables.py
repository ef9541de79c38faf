"""Calendar records: the mail outbox, feed tokens (only their hashes), and imported-calendar state."""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person
from giveback.organizations.tables import Organization
from giveback.trips.tables import Trip


class OutboxMessage(Table, tablename="calendar_outbox"):
    """One e-mail to send, rendered completely when queued; the sender drains pending rows over SMTP.

    ``status``: pending → sending (claimed, ``claimed_at`` is the lease) → sent, or failed after too many
    attempts. ``message_id`` is fixed at queue time, so a resend after a crash is recognisable.
    """

    id = Serial(primary_key=True)
    message_id = Varchar(length=255, unique=True)
    recipient = Varchar(length=320)
    subject = Varchar(length=300)
    kind = Varchar(length=20, default="invite")
    method = Varchar(length=10, default="")
    trip = ForeignKey(references=Trip, null=True, index=True)
    sequence = Integer(default=0)
    content = Text()
    status = Varchar(length=20, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    claimed_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class FeedToken(Table, tablename="calendar_feed_token"):
    """A secret feed URL: personal (a participant's trips), organization (its visits) or program (all trips).

    Only the SHA-256 of the token is stored. ``last_modified`` is the feed's high-water mark and
    ``etag`` the hash of the body served last: when the body changes, ``last_modified`` moves forward.
    """

    id = Serial(primary_key=True)
    kind = Varchar(length=20)
    person = ForeignKey(references=Person, index=True)
    organization = ForeignKey(references=Organization, null=True, index=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    etag = Varchar(length=80, default="")
    last_modified = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())


class CalendarImport(Table, tablename="calendar_import"):
    """The state of a volunteer's imported calendar: last fetch, its error, and the busy days found."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, unique=True, index=True)
    fetched_at = Timestamptz(null=True, default=None)
    error = Text(default="")
    busy = JSON(default=[])
    next_fetch_at = Timestamptz(default=TimestamptzNow())
