"""The mail domain's tables: the outbox of every message sent, coordinators' templates, notices turned off."""

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class OutboxMessage(Table, tablename="mail_outbox"):
    """One e-mail to send; the sender drains pending rows over SMTP (or into files).

    ``status``: pending → sending (claimed by the worker ``claimed_by``; ``claimed_at`` starts its lease,
    renewed while sending) → sent, or failed after too many attempts, or superseded (never sent: a newer message
    of its kind to the same recipient about the same record was queued). ``message_id`` is fixed at queue time, so
    a resend after a crash is recognisable. ``about`` names the record the message is about as ``<kind>:<id>``
    (``trip:12``), or is empty; the mail domain only compares it, so it knows no other domain's tables.
    ``method`` and ``sequence`` are an invite's iTIP method and the event's SEQUENCE (empty and 0 for plain
    messages).
    """

    id = Serial(primary_key=True)
    message_id = Varchar(length=255, unique=True)
    recipient = Varchar(length=320)
    subject = Varchar(length=300)
    kind = Varchar(length=20, default="notice")
    about = Varchar(length=60, default="", index=True)
    method = Varchar(length=10, default="")
    sequence = Integer(default=0)
    content = Text()
    status = Varchar(length=20, default="pending", index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    claimed_at = Timestamptz(null=True, default=None)
    claimed_by = Varchar(length=100, default="")
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class MailTemplate(Table, tablename="mail_template"):
    """A coordinator's version of one message's templates, for one language (``locale``) or, with ``locale``
    empty, for every language that has no version of its own. Without a row the repository's default (in the
    reader's language through the catalogs) is used. ``key`` is ``<message>:<locale>``, one row per pair.
    ``changed_by`` is the person's id (the mail domain knows no accounts table)."""

    id = Serial(primary_key=True)
    key = Varchar(length=100, unique=True)
    message = Varchar(length=60, index=True)
    locale = Varchar(length=16, default="")
    subject = Text()
    text = Text()
    html = Text()
    changed_by = Integer(null=True, default=None)
    changed_at = Timestamptz(default=TimestamptzNow())


class NoticeOptOut(Table, tablename="mail_notice_opt_out"):
    """A person who does not want one kind of notice by e-mail (``message`` names it). Invites and account
    mails have no such choice. ``key`` is ``<person>:<message>``, one row per pair."""

    id = Serial(primary_key=True)
    key = Varchar(length=100, unique=True)
    person = Integer(index=True)
    message = Varchar(length=60)
    created_at = Timestamptz(default=TimestamptzNow())
