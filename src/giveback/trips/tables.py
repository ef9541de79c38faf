from typing import Any

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
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


class CalendarReply(Table, tablename="calendar_reply"):
    """An answer given in a calendar app (an iTIP REPLY or COUNTER from the program mailbox) and what became of it.

    ``message_key`` (the Message-ID, or a hash of the message) makes reading the same e-mail twice harmless.
    ``outcome`` is one of ``giveback.trips.replies.OUTCOMES`` (applied, refused, kept for a coordinator…) and
    ``detail`` the lifecycle's words when it refused the answer. ``attendee`` is the address the answer names;
    ``trip`` and ``member`` are set once it is matched. ``proposed_*`` are the days a COUNTER asks for.
    """

    id = Serial(primary_key=True)
    message_key = Varchar(length=255, unique=True)
    received_at = Timestamptz(default=TimestamptzNow())
    sender = Varchar(length=320, default="")
    method = Varchar(length=10, default="")
    uid = Varchar(length=255, default="", index=True)
    sequence = Integer(default=0)
    stamp = Timestamptz(null=True, default=None)
    attendee = Varchar(length=320, default="")
    partstat = Varchar(length=20, default="")
    delegated_to = Varchar(length=320, default="")
    trip = ForeignKey(references=Trip, null=True, index=True, on_delete=OnDelete.set_null)
    member = ForeignKey(references=TripMember, null=True, index=True, on_delete=OnDelete.set_null)
    outcome = Varchar(length=20, index=True)
    detail = Text(default="")
    comment = Text(default="")
    proposed_start = Date(null=True, default=None)
    proposed_end = Date(null=True, default=None)
