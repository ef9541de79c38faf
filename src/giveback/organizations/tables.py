from piccolo.columns import Boolean, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organization(Table):
    """A society or hospital that can host visits.

    ``country`` is null for regional and international societies, whose ``region`` is then set by
    hand; for national ones the region is derived from the country.
    """

    id = Serial(primary_key=True)
    name = Varchar(length=300, unique=True)
    short_name = Varchar(length=60, default="")
    kind = Varchar(length=20, default="society", choices=None)
    country = Varchar(length=2, null=True, default=None, index=True)
    region = Varchar(length=20, null=True, default=None, index=True)
    affiliate = Boolean(default=False)
    website = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())
