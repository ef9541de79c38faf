"""The job queue: background work a domain asked for, done by whichever worker takes it first."""

from piccolo.columns import JSON, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Job(Table, tablename="background_job"):
    """One piece of background work of a ``kind`` (``webhook``…), its ``payload`` named by the domain that queued it.

    ``status``: queued → running (a worker holds it until ``lease_until``, renewing while it works) → done, or
    back to queued with ``run_after`` later after a failure, or failed after ``max_attempts``. A running job
    whose lease ran out (its worker was killed) is taken again by another worker.
    """

    id = Serial(primary_key=True)
    kind = Varchar(length=30, index=True)
    payload = JSON(default={})
    status = Varchar(length=20, default="queued", index=True)
    attempts = Integer(default=0)
    max_attempts = Integer(default=8)
    run_after = Timestamptz(default=TimestamptzNow())
    lease_until = Timestamptz(null=True, default=None)
    worker = Varchar(length=100, default="")
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
