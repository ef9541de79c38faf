"""The command line as a newcomer meets it: migrate, refuse bad settings and unmigrated databases."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

GIVEBACK = [sys.executable, "-m", "giveback"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIVEBACK_")}
    environment.update(env)
    return subprocess.run(
        [*GIVEBACK, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def test_db_upgrade_creates_a_sqlite_database_with_the_seed(temp_dir: Path) -> None:
    first = run(["db", "upgrade"], temp_dir)
    assert first.returncode == 0, first.stderr
    assert "migration(s) applied" in first.stdout
    assert (temp_dir / "giveback.sqlite3").exists()
    status = run(["db", "status"], temp_dir)
    assert status.returncode == 0
    assert "up to date" in status.stdout
    demo = run(["demo", "--no-serve"], temp_dir)
    assert demo.returncode == 0, demo.stderr
    assert "51 host societies" in demo.stdout
    assert "40 volunteers, 59 host requests, 35 trips since 2022" in demo.stdout
    assert "coordinator@giveback.demo" in demo.stdout
    again = run(["demo", "--no-serve"], temp_dir)
    assert "40 volunteers, 59 host requests, 35 trips since 2022" in again.stdout
    # the demo keeps the yearly limits it declares
    with closing(sqlite3.connect(temp_dir / "giveback.sqlite3")) as database:
        over = database.execute(
            "SELECT m.person, strftime('%Y', t.start) AS year, COUNT(*) AS trips, p.trips_per_year "
            "FROM trip_member m JOIN trip t ON t.id = m.trip JOIN volunteer_profile p ON p.person = m.person "
            "WHERE m.response != 'declined' GROUP BY m.person, year HAVING COUNT(*) > p.trips_per_year"
        ).fetchall()
    assert over == []


def test_user_create_makes_a_confirmed_account_and_refuses_bad_input(temp_dir: Path) -> None:
    assert run(["db", "upgrade"], temp_dir).returncode == 0
    created = run(
        ["user", "create", "boss@example.org", "--name", "The Boss", "--role", "admin"],
        temp_dir,
        GIVEBACK_NEW_PASSWORD="a long enough password",
    )
    assert created.returncode == 0, created.stderr
    assert "with roles admin" in created.stdout
    short = run(
        ["user", "create", "b2@example.org", "--name", "B", "--role", "admin"], temp_dir, GIVEBACK_NEW_PASSWORD="short"
    )
    assert short.returncode == 2
    assert "password: Enter at least 12 characters" in short.stderr
    duplicate = run(
        ["user", "create", "BOSS@example.org", "--name", "B", "--role", "admin"],
        temp_dir,
        GIVEBACK_NEW_PASSWORD="a long enough password",
    )
    assert duplicate.returncode == 2
    assert "email: an account with this e-mail address exists" in duplicate.stderr


def test_serve_refuses_an_unmigrated_database_and_names_the_fix(temp_dir: Path) -> None:
    result = run(["serve"], temp_dir, GIVEBACK_DATABASE_URL=f"sqlite:///{temp_dir / 'empty.sqlite3'}")
    assert result.returncode == 1
    assert "giveback db upgrade" in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_malformed_database_url_stops_with_one_line(temp_dir: Path) -> None:
    result = run(["db", "upgrade"], temp_dir, GIVEBACK_DATABASE_URL="mysql://root@localhost/x")
    assert result.returncode == 2
    assert result.stderr.startswith("error: GIVEBACK_DATABASE_URL: ")
    assert result.stderr.count("\n") == 1
    assert not list(temp_dir.iterdir())


def test_an_unreachable_database_stops_with_one_line(temp_dir: Path) -> None:
    result = run(["serve"], temp_dir, GIVEBACK_DATABASE_URL="postgresql://giveback@127.0.0.1:9/giveback")
    assert result.returncode == 1
    assert result.stderr.startswith("error: GIVEBACK_DATABASE_URL: cannot reach the database")
    assert result.stderr.count("\n") == 1


def test_production_without_a_secret_refuses_to_start(temp_dir: Path) -> None:
    result = run(["serve"], temp_dir, GIVEBACK_ENV="production")
    assert result.returncode == 2
    assert result.stderr.startswith("error: GIVEBACK_SECRET_KEY: ")
    assert not list(temp_dir.iterdir())
