from typing import Any

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from giveback.accounts.tables import Person
from giveback.hosts.tables import HostRequest

# The round and run a trip came from: referenced lazily, so the trips domain imports nothing of rounds (which
# builds on trips).
ROUND = LazyTableReference("MatchRound", module_path="giveback.rounds.tables")
RUN = LazyTableReference("SolverRun", module_path="giveback.rounds.tables")


class Trip(Table):
    """An approved visit. Its calendar UID never changes; SEQUENCE rises with every change of dates or status.

    ``gap_days`` is the free days its round asks between two trips of one volunteer (the booked rule applies it
    when the trip is accepted or rescheduled); ``undated`` marks a trip postponed without new dates.
    """

    id = Serial(primary_key=True)
    uid = Varchar(length=100, unique=True)
    sequence = Integer(default=0)
    request = ForeignKey(references=HostRequest, index=True)
    round: ForeignKey[Any] = ForeignKey(references=ROUND, null=True, index=True)
    run: ForeignKey[Any] = ForeignKey(references=RUN, null=True)
    start = Date()
    end = Date()
    status = Varchar(length=20, default="approved", index=True)
    status_reason = Text(default="")
    score = Integer(default=0)
    gap_days = Integer(default=14)
    undated = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class TripMember(Table):
    """A volunteer travelling on a trip, with their score breakdown and their answer to the invite."""

    id = Serial(primary_key=True)
    trip = ForeignKey(references=Trip, index=True)
    person = ForeignKey(references=Person, index=True)
    response = Varchar(length=20, default="pending")
    score = JSON(default={})
