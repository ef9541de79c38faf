from piccolo.columns import JSON, Boolean, Date, Float, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person


class MatchRound(Table):
    """A coordinator's round over a travel period: settings, then a frozen problem, then approved trips."""

    id = Serial(primary_key=True)
    name = Varchar(length=100)
    period_start = Date()
    period_end = Date()
    status = Varchar(length=20, default="open", index=True)
    settings = JSON(default={})
    problem = JSON(null=True, default=None)
    problem_hash = Varchar(length=64, default="")
    frozen_at = Timestamptz(null=True, default=None)
    freeze_notes = JSON(default={})  # what the last freeze took from booked volunteers and the adjustments it dropped
    created_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class RoundAdjustment(Table):
    """A coordinator's pin or exclusion, or a host's veto, applied to the round's next runs.

    Keys are the problem's ids (``r-12``, ``v-7``); a pin names its start day and volunteers.
    """

    id = Serial(primary_key=True)
    round = ForeignKey(references=MatchRound, index=True)
    kind = Varchar(length=10)
    request_key = Varchar(length=40)
    volunteer_keys = JSON(default=[])
    start = Date(null=True, default=None)
    reason = Text(default="")
    created_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class SolverRun(Table):
    """One solve of a round's frozen problem, from queued to succeeded, failed or cancelled; or (``kind``
    replacement) of one trip's free place after a decline."""

    id = Serial(primary_key=True)
    round = ForeignKey(references=MatchRound, index=True)
    status = Varchar(length=20, default="queued", index=True)
    seed = Integer(default=0)
    workers = Integer(default=2)
    time_limit = Float(default=10.0)
    input_hash = Varchar(length=64)
    problem = JSON(default={})
    warm_from = Integer(null=True, default=None)
    kind = Varchar(length=20, default="round", index=True)  # round, or replacement (one trip's free place)
    trip = Integer(null=True, default=None, index=True)  # the trip whose free place a replacement run fills
    started_by = ForeignKey(references=Person, null=True)
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    heartbeat_at = Timestamptz(null=True, default=None)
    worker = Varchar(length=100, default="")
    cancel_requested = Boolean(default=False)
    elapsed_seconds = Float(default=0.0)
    objective = Integer(null=True, default=None)
    bound = Integer(null=True, default=None)
    solver_status = Varchar(length=20, default="")
    result = JSON(null=True, default=None)
    error = Text(default="")
    approved_at = Timestamptz(null=True, default=None)
    approved_by = ForeignKey(references=Person, null=True)
