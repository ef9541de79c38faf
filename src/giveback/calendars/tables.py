"""Calendar records: feed tokens (only their hashes) and imported-calendar state."""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person
from giveback.organizations.tables import Organization


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
    """The state of a volunteer's imported calendar: last fetch, its error, the busy days found, and how many
    events of it could not be read (``skipped``, left out)."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, unique=True, index=True)
    fetched_at = Timestamptz(null=True, default=None)
    error = Text(default="")
    busy = JSON(default=[])
    skipped = Integer(default=0)
    next_fetch_at = Timestamptz(default=TimestamptzNow())
