"""The mail outbox moves to the mail domain; trips keep their round's gap and whether their dates are open;
rounds keep what their last freeze took and dropped; a run can fill the free place of a trip.

* ``calendar_outbox`` becomes ``mail_outbox``: same rows and ids, the trip link becomes the generic ``about``
  key (``trip:<id>``), so the mail domain references no other domain's table. Written with the migration's own
  table description (never the live classes) and plain SQL that SQLite and PostgreSQL both run.
* ``trip.gap_days`` (free days between two trips of one volunteer; filled in from the trip's round by the next
  migration) and ``trip.undated`` (postponed without new dates).
* ``match_round.freeze_notes``; ``solver_run.kind`` (``round`` or ``replacement``) and ``solver_run.trip`` (the
  trip whose free place a replacement run fills).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.column_types import Boolean
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Serial
from piccolo.columns.column_types import Text
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.column_types import Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

ID = "2026-12-02T00:11:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "Mail outbox in the mail domain; trip gap and undated; freeze notes; replacement runs"


class MailOutbox(Table, tablename="mail_outbox"):
    """The outbox as this migration creates it."""

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
    sent_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


KEPT = (
    "message_id", "recipient", "subject", "kind", "method", "sequence", "content", "status", "attempts",
    "next_attempt_at", "claimed_at", "sent_at", "last_error", "created_at",
)


async def move_outbox():
    """Create ``mail_outbox``, copy every row of ``calendar_outbox`` into it (ids kept), drop the old table."""
    engine = MailOutbox._meta.db
    await MailOutbox.create_table().run()
    columns = ", ".join(f'"{name}"' for name in KEPT)
    await engine.run_ddl(
        f'INSERT INTO mail_outbox ("id", {columns}, "about") '
        f'SELECT "id", {columns}, '
        "CASE WHEN \"trip\" IS NULL THEN '' ELSE 'trip:' || CAST(\"trip\" AS VARCHAR(20)) END "
        "FROM calendar_outbox"
    )
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl(
            "SELECT setval(pg_get_serial_sequence('mail_outbox', 'id'), "
            "COALESCE((SELECT MAX(id) FROM mail_outbox), 0) + 1, false)"
        )
    await engine.run_ddl("DROP TABLE calendar_outbox")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giveback", description=DESCRIPTION)
    manager.add_raw(move_outbox)

    manager.add_column(
        table_class_name="Trip",
        tablename="trip",
        column_name="gap_days",
        db_column_name="gap_days",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 14,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Trip",
        tablename="trip",
        column_name="undated",
        db_column_name="undated",
        column_class_name="Boolean",
        column_class=Boolean,
        params={
            "default": False,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="MatchRound",
        tablename="match_round",
        column_name="freeze_notes",
        db_column_name="freeze_notes",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "{}",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SolverRun",
        tablename="solver_run",
        column_name="kind",
        db_column_name="kind",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
            "default": "round",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="SolverRun",
        tablename="solver_run",
        column_name="trip",
        db_column_name="trip",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
