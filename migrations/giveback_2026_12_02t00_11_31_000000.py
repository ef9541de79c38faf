"""Data: each trip made by a round keeps that round's ``min_gap_days`` (the booked rule applies it when the trip
is accepted or rescheduled); trips from no round keep the default of 14.

A data migration: it describes the two tables it reads and writes itself, so later changes to the live table
classes cannot change what it does.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import JSON, Integer, Serial
from piccolo.table import Table

ID = "2026-12-02T00:11:31:000000"
VERSION = "1.38.0"
DESCRIPTION = "Trips keep their round's gap between trips"


class MatchRound(Table, tablename="match_round"):
    id = Serial(primary_key=True)
    settings = JSON(default={})


class Trip(Table, tablename="trip"):
    id = Serial(primary_key=True)
    round = Integer(null=True)
    gap_days = Integer(default=14)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="giveback", description=DESCRIPTION)

    async def fill_gap_days():
        rounds = await MatchRound.select(MatchRound.id, MatchRound.settings).output(load_json=True)
        for row in rounds:
            gap = (row["settings"] or {}).get("min_gap_days")
            if isinstance(gap, int) and gap != 14:
                await Trip.update({Trip.gap_days: gap}).where(Trip.round == row["id"])

    manager.add_raw(fill_gap_days)
    return manager
