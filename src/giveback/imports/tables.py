from piccolo.columns import JSON, Bytea, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person


class ExternalId(Table):
    """The program's own id of an imported request or trip (``kind``), so that a second import finds it again."""

    id = Serial(primary_key=True)
    kind = Varchar(length=20)
    external_id = Varchar(length=200, index=True)
    record_id = Integer(index=True)
    key = Varchar(length=230, unique=True)  # "<kind>:<external id>"


class ImportJob(Table):
    """An uploaded file on its way from upload through its check (the preview) to the import, with progress.

    ``status``: checking → checked (``report`` holds the preview) → importing → imported, or failed; the file is
    kept until it is imported or discarded, then emptied.
    """

    id = Serial(primary_key=True)
    created_by = ForeignKey(references=Person, null=True, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    filenames = JSON(default=[])
    content = Bytea(default=b"")  # the files, as a zip of what was uploaded
    size_bytes = Integer(default=0)
    status = Varchar(length=20, default="checking", index=True)
    stage = Varchar(length=60, default="")
    done = Integer(default=0)
    total = Integer(default=0)
    heartbeat_at = Timestamptz(default=TimestamptzNow())
    report = JSON(null=True, default=None)
    error = Text(default="")
    finished_at = Timestamptz(null=True, default=None)


class ImportedAccount(Table):
    """A person whose account an import made (without a password), and when they were invited to claim it."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, unique=True, index=True)
    job = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    invited_at = Timestamptz(null=True, default=None)
