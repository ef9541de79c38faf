"""``giveback round open|freeze|run|approve|show`` against the suite's database: the round cycle from the shell."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime

from programs import PERIOD_END, PERIOD_START, Program

from giveback.accounts.tables import AuditEvent, Person, RoleGrant
from giveback.rounds.tables import MatchRound, SolverRun
from giveback.rounds.worker import work_once
from giveback.trips.tables import Trip

GIVEBACK = [sys.executable, "-m", "giveback"]


def giveback(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GIVEBACK, *args], capture_output=True, text=True, timeout=120, check=False, env=os.environ.copy()
    )


async def coordinator(email: str, roles: list[str]) -> int:
    row = await Person.insert(
        Person(email=email, name="Carla Coordinator", password_hash="-", email_confirmed_at=datetime.now(UTC))
    )
    await RoleGrant.insert(*[RoleGrant(person=row[0]["id"], role=role) for role in roles])
    return int(row[0]["id"])


async def test_open_freeze_run_and_show_a_round(program: Program) -> None:
    carla = await coordinator("carla@example.org", ["coordinator"])
    opened = giveback(
        "round", "open", "Spring 2031", "--from", PERIOD_START.isoformat(), "--to", PERIOD_END.isoformat(),
        "--time-limit", "5", "--as", "carla@example.org",
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    round_id = int(re.search(r"opened round (\d+) “Spring 2031”", opened.stdout).group(1))
    row = await MatchRound.select().where(MatchRound.id == round_id).first()
    assert row["created_by"] == carla

    frozen = giveback("round", "freeze", str(round_id), "--as", "carla@example.org")
    assert frozen.returncode == 0, frozen.stderr
    assert "3 volunteers, 3 requests" in frozen.stdout

    queued = giveback("round", "run", str(round_id), "--seed", "7", "--as", "carla@example.org")
    assert queued.returncode == 0, queued.stderr
    run_id = int(re.search(r"queued run (\d+)", queued.stdout).group(1))
    assert (await SolverRun.select(SolverRun.seed).where(SolverRun.id == run_id).first())["seed"] == 7
    assert await work_once("test-worker")

    shown = giveback("round", "show", str(round_id))
    assert shown.returncode == 0, shown.stderr
    assert f"round {round_id} “Spring 2031”" in shown.stdout
    assert re.search(rf"^{run_id}\s+succeeded", shown.stdout, re.MULTILINE)
    assert "proposes 2 visits; 1 unmatched" in shown.stdout
    assert "Liver tumours (SoBRICE)" in shown.stdout or "Liver tumours (" in shown.stdout
    assert "unmatched: Japanese only" in shown.stdout
    actions = {r["action"] for r in await AuditEvent.select(AuditEvent.action).where(AuditEvent.actor == carla)}
    assert {"round.opened", "round.frozen", "run.queued"} <= actions


async def test_bad_round_commands_exit_2_and_change_nothing(program: Program) -> None:
    await coordinator("carla@example.org", ["coordinator"])
    await coordinator("vic@example.org", ["volunteer"])
    rounds_before = await MatchRound.count()
    cases = [
        (("round", "open", "Backwards", "--from", "2031-05-01", "--to", "2031-03-01", "--as", "carla@example.org"),
         "period_end: the period ends before it starts"),
        (("round", "open", "X", "--from", "2031-03-01", "--to", "2031-05-01", "--as", "vic@example.org"),
         "as: Carla Coordinator is neither a coordinator nor an admin"),
        (("round", "open", "X", "--from", "2031-03-01", "--to", "2031-05-01", "--time-limit", "0",
          "--as", "carla@example.org"), "time_limit_seconds"),
        (("round", "freeze", "999999", "--as", "carla@example.org"), "no round 999999"),
        (("round", "run", "999999", "--as", "carla@example.org"), "999999"),
        (("round", "open", "X", "--from", "March", "--to", "2031-05-01", "--as", "carla@example.org"), "--from"),
    ]  # fmt: skip
    for args, words in cases:
        result = giveback(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert words in result.stderr, (args, result.stderr)
    assert await MatchRound.count() == rounds_before


async def test_approve_a_round_from_the_shell(program: Program) -> None:
    carla = await coordinator("carla@example.org", ["coordinator"])
    opened = giveback(
        "round", "open", "Autumn 2031", "--from", PERIOD_START.isoformat(), "--to", PERIOD_END.isoformat(),
        "--time-limit", "5", "--as", "carla@example.org",
    )  # fmt: skip
    round_id = int(re.search(r"opened round (\d+)", opened.stdout).group(1))
    not_yet = giveback("round", "approve", str(round_id), "--as", "carla@example.org")
    assert not_yet.returncode == 2 and "run: the round has no runs yet" in not_yet.stderr, not_yet.stderr
    assert giveback("round", "freeze", str(round_id), "--as", "carla@example.org").returncode == 0
    queued = giveback("round", "run", str(round_id), "--as", "carla@example.org")
    run_id = int(re.search(r"queued run (\d+)", queued.stdout).group(1))
    assert await work_once("test-worker")

    unproposed = giveback(
        "round", "approve", str(round_id), "--request", str(program.requests[2]), "--as", "carla@example.org"
    )
    assert unproposed.returncode == 2, unproposed.stderr
    assert f"requests: the run proposes no visit to r-{program.requests[2]}" in unproposed.stderr
    assert await Trip.count() == 0

    approved = giveback("round", "approve", str(round_id), "--as", "carla@example.org")
    assert approved.returncode == 0, approved.stderr
    assert f"approved run {run_id} of round {round_id}: 2 trip(s) made" in approved.stdout
    trips = await Trip.select(Trip.status, Trip.run)
    assert [(t["status"], t["run"]) for t in trips] == [("invited", run_id), ("invited", run_id)]
    assert await AuditEvent.exists().where((AuditEvent.actor == carla) & (AuditEvent.action == "run.approved"))

    again = giveback("round", "approve", str(round_id), "--run", str(run_id), "--as", "carla@example.org")
    assert again.returncode == 2 and "run_id: this run is approved already" in again.stderr, again.stderr
    elsewhere = giveback("round", "approve", "999999", "--as", "carla@example.org")
    assert elsewhere.returncode == 2 and "round_id: no round 999999" in elsewhere.stderr, elsewhere.stderr
    assert await Trip.count() == 2
