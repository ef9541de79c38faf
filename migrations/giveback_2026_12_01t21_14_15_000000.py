"""Translations: the interface language a person chose, and the expertise topics' names in other languages.

person.locale holds a catalog's name (``pt_BR``) or NULL (the browser's language is used).
topic_name holds a topic's name per language other than English (the topic's own name is the English one and
the fallback); the first names of the product's topics are loaded here. A data migration: it describes the
tables it writes to itself, so later changes to the live table classes cannot change what it does.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Serial, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table

ID = "2026-12-01T21:14:15:000000"
VERSION = "1.38.0"
DESCRIPTION = "Person's language; topic names per language"

def _varchar(length, *, null=False, index=False):
    return {
        "length": length,
        "default": None if null else "",
        "null": null,
        "primary_key": False,
        "unique": False,
        "index": index,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
    }


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giveback", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Person",
        tablename="person",
        column_name="locale",
        db_column_name="locale",
        column_class_name="Varchar",
        column_class=Varchar,
        params=_varchar(16, null=True),
        schema=None,
    )

    manager.add_table(class_name="TopicName", tablename="topic_name", schema=None, columns=None)
    manager.add_column(
        table_class_name="TopicName",
        tablename="topic_name",
        column_name="id",
        db_column_name="id",
        column_class_name="Serial",
        column_class=Serial,
        params={
            "null": False,
            "primary_key": True,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    for column, length in (("topic", 64), ("locale", 16), ("name", 200)):
        manager.add_column(
            table_class_name="TopicName",
            tablename="topic_name",
            column_name=column,
            db_column_name=column,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_varchar(length, index=column == "topic"),
            schema=None,
        )

    return manager
