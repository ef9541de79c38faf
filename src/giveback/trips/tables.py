from piccolo.columns import JSON, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person
from giveback.hosts.tables import HostRequest
from giveback.rounds.tables import MatchRound, SolverRun


class Trip(Table):
    """An approved visit. Its calendar UID never changes; SEQUENCE rises with every change of dates or status."""

    id = Serial(primary_key=True)
    uid = Varchar(length=100, unique=True)
    sequence = Integer(default=0)
    request = ForeignKey(references=HostRequest, index=True)
    round = ForeignKey(references=MatchRound, null=True, index=True)
    run = ForeignKey(references=SolverRun, null=True)
    start = Date()
    end = Date()
    status = Varchar(length=20, default="approved", index=True)
    status_reason = Text(default="")
    score = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TripMember(Table):
    """A volunteer travelling on a trip, with their score breakdown and their answer to the invite."""

    id = Serial(primary_key=True)
    trip = ForeignKey(references=Trip, index=True)
    person = ForeignKey(references=Person, index=True)
    response = Varchar(length=20, default="pending")
    score = JSON(default={})
