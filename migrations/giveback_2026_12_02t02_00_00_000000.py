"""The job queue and webhooks; outbox messages name the worker that holds them.

* ``background_job``: background work of any kind, taken by one worker at a time under a lease.
* ``webhook_endpoint`` (an address the program's events are posted to, signed with its secret) and
  ``webhook_delivery`` (each event posted to an endpoint, with its attempts and the last answer).
* ``mail_outbox.claimed_by``: the worker sending a message.

Written with the migration's own table descriptions, so later changes to the live classes change nothing here.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, Boolean, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.column_types import Varchar as VarcharType
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Job queue, webhooks, the outbox's claiming worker"


class Person(Table, tablename="person"):
    id = Serial(primary_key=True)


class BackgroundJob(Table, tablename="background_job"):
    id = Serial(primary_key=True)
    kind = Varchar(length=30, index=True)
    payload = JSON(default={})
    status = Varchar(length=20, default="queued", index=True)
    attempts = Integer(default=0)
    max_attempts = Integer(default=8)
    run_after = Timestamptz(default=TimestamptzNow())
    lease_until = Timestamptz(null=True, default=None)
    worker = Varchar(length=100, default="")
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)


class WebhookEndpoint(Table, tablename="webhook_endpoint"):
    id = Serial(primary_key=True)
    url = Varchar(length=2000)
    description = Varchar(length=200, default="")
    secret = Varchar(length=100)
    events = JSON(default=[])
    active = Boolean(default=True)
    created_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class WebhookDelivery(Table, tablename="webhook_delivery"):
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


async def create_tables():
    for table in (BackgroundJob, WebhookEndpoint, WebhookDelivery):
        await table.create_table(if_not_exists=True).run()


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giveback", description=DESCRIPTION)
    manager.add_raw(create_tables)
    manager.add_column(
        table_class_name="OutboxMessage",
        tablename="mail_outbox",
        column_name="claimed_by",
        db_column_name="claimed_by",
        column_class_name="Varchar",
        column_class=VarcharType,
        params={
            "length": 100,
            "default": "",
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
    return manager
