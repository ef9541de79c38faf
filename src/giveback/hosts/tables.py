from piccolo.columns import Array, Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person
from giveback.organizations.tables import Organization


class OrganizationClaim(Table):
    """A person asks to represent an organization; a coordinator approves or rejects the claim."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, index=True)
    organization = ForeignKey(references=Organization, index=True)
    message = Text(default="")
    status = Varchar(length=20, default="pending")
    decided_by = ForeignKey(references=Person, null=True)
    decided_at = Timestamptz(null=True, default=None)
    reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class HostRequest(Table):
    """An organization's request for a visit: what to teach, to whom, when, and what the host provides."""

    id = Serial(primary_key=True)
    organization = ForeignKey(references=Organization, index=True)
    created_by = ForeignKey(references=Person, null=True)
    title = Varchar(length=200)
    country = Varchar(length=2)
    advisory_level = Integer(default=1)
    primary_need = Varchar(length=64)
    languages = Array(base_column=Varchar(length=2))
    formats = Array(base_column=Varchar(length=20))
    provides = Array(base_column=Varchar(length=30))
    duration_days = Integer()
    team_size = Integer(default=1)
    priority = Boolean(default=False)
    notes = Text(default="")
    status = Varchar(length=20, default="draft", index=True)
    decision_reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class RequestNeed(Table):
    """A topic a request needs, weighted 1 (nice to have), 2 (wanted) or 3 (essential)."""

    id = Serial(primary_key=True)
    request = ForeignKey(references=HostRequest, index=True)
    topic = Varchar(length=64, index=True)
    weight = Integer()


class HostingWindow(Table):
    """Days the host can receive the visit (inclusive); preferred windows score higher."""

    id = Serial(primary_key=True)
    request = ForeignKey(references=HostRequest, index=True)
    start = Date()
    end = Date()
    preferred = Boolean(default=False)
