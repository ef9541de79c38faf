"""Calendars: answers given in calendar apps (iTIP REPLY and COUNTER read from the program mailbox), each with what
became of it, for the coordinators' page of calendar answers; and how many events of an imported calendar could not
be read (left out)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-02T03:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Answers given in calendar apps, unreadable events of imported calendars"


class Trip(Table, tablename="trip", schema=None):
    id = Serial(primary_key=True)


class TripMember(Table, tablename="trip_member", schema=None):
    id = Serial(primary_key=True)


def _params(**changes):
    params = {
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }
    return {**params, **changes}


def _reference(table):
    return _params(
        references=table,
        on_delete=OnDelete.set_null,
        on_update=OnUpdate.cascade,
        target_column=None,
        null=True,
        index=True,
    )


COLUMNS = [
    ("id", Serial, _params(primary_key=True)),
    ("message_key", Varchar, _params(length=255, default="", unique=True)),
    ("received_at", Timestamptz, _params(default=TimestamptzNow())),
    ("sender", Varchar, _params(length=320, default="")),
    ("method", Varchar, _params(length=10, default="")),
    ("uid", Varchar, _params(length=255, default="", index=True)),
    ("sequence", Integer, _params(default=0)),
    ("stamp", Timestamptz, _params(default=None, null=True)),
    ("attendee", Varchar, _params(length=320, default="")),
    ("partstat", Varchar, _params(length=20, default="")),
    ("delegated_to", Varchar, _params(length=320, default="")),
    ("trip", ForeignKey, _reference(Trip)),
    ("member", ForeignKey, _reference(TripMember)),
    ("outcome", Varchar, _params(length=20, default="", index=True)),
    ("detail", Text, _params(default="")),
    ("comment", Text, _params(default="")),
    ("proposed_start", Date, _params(default=None, null=True)),
    ("proposed_end", Date, _params(default=None, null=True)),
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giveback", description=DESCRIPTION)
    manager.add_table(class_name="CalendarReply", tablename="calendar_reply", schema=None, columns=None)
    for name, column_class, params in COLUMNS:
        manager.add_column(
            table_class_name="CalendarReply",
            tablename="calendar_reply",
            column_name=name,
            db_column_name=name,
            column_class_name=column_class.__name__,
            column_class=column_class,
            params=params,
            schema=None,
        )
    manager.add_column(
        table_class_name="CalendarImport",
        tablename="calendar_import",
        column_name="skipped",
        db_column_name="skipped",
        column_class_name="Integer",
        column_class=Integer,
        params=_params(default=0),
        schema=None,
    )
    return manager
