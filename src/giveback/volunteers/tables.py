from piccolo.columns import (
    Array,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person


class VolunteerProfile(Table):
    """What a volunteer offers and accepts."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, unique=True, index=True)
    institution = Varchar(length=300, default="")
    country = Varchar(length=2, null=True, default=None)
    career_stage = Varchar(length=20, default="mid-career")
    languages = Array(base_column=Varchar(length=2))
    max_advisory_level = Integer(default=2)
    excluded_countries = Array(base_column=Varchar(length=2))
    preferred_regions = Array(base_column=Varchar(length=20))
    trips_per_year = Integer(default=1)
    bio = Text(default="")
    directory_opt_in = Boolean(default=False)
    calendar_url = Varchar(length=2000, default="", secret=True)
    updated_at = Timestamptz(default=TimestamptzNow())


class Expertise(Table):
    """A topic the volunteer can teach, with proficiency 1 (discuss), 2 (teach) or 3 (expert, hands-on)."""

    id = Serial(primary_key=True)
    profile = ForeignKey(references=VolunteerProfile, index=True)
    topic = Varchar(length=64, index=True)
    proficiency = Integer()


class AvailabilityWindow(Table):
    """Days a volunteer can travel (inclusive), typed in or imported from their calendar."""

    id = Serial(primary_key=True)
    profile = ForeignKey(references=VolunteerProfile, index=True)
    start = Date()
    end = Date()
    preferred = Boolean(default=False)
    source = Varchar(length=20, default="manual")


class VolunteerCv(Table):
    """A volunteer's CV: a PDF, size-limited, always served as a download."""

    id = Serial(primary_key=True)
    profile = ForeignKey(references=VolunteerProfile, unique=True, index=True)
    filename = Varchar(length=200)
    content = Bytea()
    size_bytes = Integer()
    uploaded_at = Timestamptz(default=TimestamptzNow())
