"""What happens to a trip after approval: its transition log, its two reports, and the reminders sent."""

from piccolo.columns import JSON, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person
from giveback.trips.tables import Trip


class TripEvent(Table):
    """One step of a trip's life: who moved it, when, from which status to which, and why."""

    id = Serial(primary_key=True)
    trip = ForeignKey(references=Trip, index=True)
    actor = ForeignKey(references=Person, null=True)
    at = Timestamptz(default=TimestamptzNow())
    action = Varchar(length=30)
    from_status = Varchar(length=20)
    to_status = Varchar(length=20)
    reason = Text(default="")
    details = JSON(default={})


class TripReport(Table):
    """A structured report on a delivered trip: ``kind`` is ``volunteer`` (the team's report) or ``host``
    (the host organization's evaluation). One of each per trip: ``key`` is ``"<trip>:<kind>"``, unique."""

    id = Serial(primary_key=True)
    key = Varchar(length=40, unique=True)
    trip = ForeignKey(references=Trip, index=True)
    kind = Varchar(length=10)
    author = ForeignKey(references=Person, null=True)
    lectures = Integer(default=0)
    lecture_hours = Integer(default=0)
    cases = JSON(default=[])
    physicians = Integer(default=0)
    trainees = Integer(default=0)
    nurses = Integer(default=0)
    technologists = Integer(default=0)
    equipment_notes = Text(default="")
    rating_overall = Integer(default=0)
    rating_teaching = Integer(default=0)
    rating_logistics = Integer(default=0)
    comments = Text(default="")
    submitted_at = Timestamptz(default=TimestamptzNow())


class ReminderSent(Table):
    """A reminder e-mailed to one person about one trip; ``key`` (``"<trip>:<person>:<kind>"``) is unique,
    so the scheduler never sends the same reminder twice."""

    id = Serial(primary_key=True)
    key = Varchar(length=80, unique=True)
    trip = ForeignKey(references=Trip, index=True)
    person = ForeignKey(references=Person, index=True)
    kind = Varchar(length=30)
    sent_at = Timestamptz(default=TimestamptzNow())
