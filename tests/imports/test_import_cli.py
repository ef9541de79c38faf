"""The command line: import a program with its history, check the dashboard, refuse a broken copy, re-import,
and the round trip through the export into an empty install (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import openpyxl
from importkit import giveback, write
from workbooks import Generated, expected_dashboard

from giveback.accounts.tables import AuditEvent, Person
from giveback.dashboard.services import dashboard
from giveback.imports.export import workbook_bytes
from giveback.piccolo_app import APP_CONFIG
from giveback.trips.report_tables import ReminderSent
from giveback.trips.scheduler import run_scheduled_steps
from giveback.trips.tables import Trip


def _counts(output: str) -> dict[str, tuple[int, int, int]]:
    found = re.findall(r"^(\w+): \d+ row\(s\): (\d+) [\w ]+?, (\d+) [\w ]+?, (\d+) unchanged$", output, re.M)
    return {sheet: (int(a), int(b), int(c)) for sheet, a, b, c in found}


async def test_import_history_then_again_then_round_trip(
    program: Generated, program_xlsx: bytes, temp_dir: Path, settings, migrated_database: dict[str, int]
) -> None:
    path = write(temp_dir, "program.xlsx", program_xlsx)

    dry = giveback("import", path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing was written" in dry.stdout
    assert _counts(dry.stdout)["trips"] == (len(program.sheets["trips"]), 0, 0)
    assert await Trip.count() == 0

    first = giveback("import", path)
    assert first.returncode == 0, first.stderr + first.stdout
    counts = _counts(first.stdout)
    assert counts["volunteers"] == (len(program.volunteer_emails), 0, 0)
    assert counts["reports"] == (len(program.sheets["reports"]), 0, 0)
    assert counts["organizations"][0] + counts["organizations"][2] == len(program.sheets["organizations"])

    # The dashboard counts the imported history like trips made on the platform.
    totals = (await dashboard()).totals
    expected = expected_dashboard(program)
    for key in ("trips", "countries", "volunteers", "volunteer_days", "attendees", "lectures"):
        assert totals[key] == expected[key], key
    audit = await AuditEvent.select().output(load_json=True).where(AuditEvent.action == "import.completed").first()
    assert audit is not None and audit["details"]["ran_by"].startswith("the command line")
    assert audit["details"]["trips"]["created"] == len(program.sheets["trips"])

    # Nobody is reminded to report on a trip that came with the history.
    await run_scheduled_steps(date(2030, 1, 1), settings=settings)
    assert await ReminderSent.count() == 0

    again = giveback("import", path)
    assert again.returncode == 0, again.stderr
    assert all(created == 0 and updated == 0 for created, updated, _ in _counts(again.stdout).values())
    assert "accounts without a password" not in again.stdout

    exported = temp_dir / "export.xlsx"
    assert giveback("export", str(exported)).returncode == 0
    first_export = _sheets(exported.read_bytes())
    assert len(first_export["trips"]) == 1 + len(program.sheets["trips"])  # and the header

    # Into an empty install: every row the tests added goes, then the export comes back in.
    for table in reversed(APP_CONFIG.table_classes):
        await table.delete().where(table._meta.primary_key > migrated_database[table._meta.tablename])
    assert await Person.count() == 0
    back = giveback("import", str(exported))
    assert back.returncode == 0, back.stderr
    assert (await dashboard()).totals == totals
    second = temp_dir / "second.xlsx"
    assert giveback("export", str(second)).returncode == 0
    assert _sheets(second.read_bytes()) == first_export


def _sheets(content: bytes) -> dict[str, list[tuple[object, ...]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


async def test_a_broken_copy_is_refused_naming_every_problem(program: Generated, temp_dir: Path) -> None:
    sheets = {name: [dict(row) for row in rows] for name, rows in program.sheets.items()}
    volunteers = [row for row in sheets["volunteers"] if "name" in row]  # not the rows adding a window
    volunteers[0]["languages"] = "Spanglish"
    volunteers[1]["email"] = "not an address"
    volunteers[2]["expertise"] = "venous:4; Underwater basket weaving"
    volunteers[3]["available_from"] = "14/03/2025"
    volunteers[5]["email"] = volunteers[6]["email"]
    volunteers[7]["directory_opt_in"] = "perhaps"
    sheets["organizations"][9]["country"] = "Atlantis"
    sheets["requests"][0]["organization"] = "Society That Does Not Exist"
    sheets["trips"][0]["end"] = "2014-01-01"
    sheets["trips"][1]["status"] = "confirmed"
    twice = sheets["trips"][2]  # its volunteers on another trip on the same days
    sheets["trips"][5].update(start=twice["start"], end=twice["end"], volunteers=twice["volunteers"], status="")
    twice["status"] = "completed"
    sheets["reports"][0]["rating_overall"] = 9
    sheets["reports"].append({"trip": "T99999", "kind": "host"})
    path = write(temp_dir, "broken.xlsx", workbook_bytes(sheets))

    result = giveback("import", path)
    assert result.returncode == 2
    problems = [line.removeprefix("problem: ") for line in result.stderr.splitlines() if line.startswith("problem:")]
    row = {name: {id(r): n + 2 for n, r in enumerate(rows)} for name, rows in sheets.items()}
    row["volunteers"] = {id(r): n + 2 for n, r in enumerate(sheets["volunteers"])}

    def at(sheet: str, index: int) -> int:
        return row[sheet][id((volunteers if sheet == "volunteers" else sheets[sheet])[index])]

    wanted = [
        f'volunteers row {at("volunteers", 0)}, languages: "Spanglish" is not a language',
        f'volunteers row {at("volunteers", 1)}, email: "not an address" is not an e-mail address',
        f'volunteers row {at("volunteers", 2)}, expertise: "4" is not a proficiency level: write 1 to 3',
        f'volunteers row {at("volunteers", 3)}, available_from: "14/03/2025" is not a date',
        f'volunteers row {at("volunteers", 6)}, email: "{volunteers[6]["email"].lower()}" is also on row',
        f'volunteers row {at("volunteers", 7)}, directory_opt_in: "perhaps" is not yes or no',
        f'organizations row {at("organizations", 9)}, country: "Atlantis" is not a country',
        f'requests row {at("requests", 0)}, organization: "Society That Does Not Exist" is not an organization',
        f"trips row {at('trips', 0)}, end: the trip ends (2014-01-01) before it starts",
        f'trips row {at("trips", 1)}, status: "confirmed" is not one of completed, reported, cancelled',
        f"trips row {at('trips', 5)}, volunteers: ",
        f"reports row {at('reports', 0)}, rating_overall: 9 is outside 1 to 5",
        f'reports row {len(sheets["reports"]) + 1}, trip: "T99999" is not a trip',
    ]
    for text in wanted:
        assert any(problem.startswith(text) for problem in problems), (text, problems)
    (on_two_trips,) = [problem for problem in problems if problem.startswith(f"trips row {at('trips', 5)}, ")]
    assert f"travels on T00002 on row {at('trips', 2)} from " in on_two_trips, on_two_trips
    assert on_two_trips.endswith("nobody is on two visits at once"), on_two_trips
    assert "nothing was imported" in result.stderr
    assert await Person.count() == 0 and await Trip.count() == 0
