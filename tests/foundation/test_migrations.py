"""Upgrading a database of the last release keeps its data: the outbox moves to the mail domain with its rows,
and trips take their round's gap. Run on the kind of database the suite runs on (SQLite or PostgreSQL)."""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

LAST_RELEASE = "2026-12-01T21:40:56:000000"  # main's newest migration before the outbox moved


def migrate(database_url: str, *target: str) -> None:
    """``piccolo migrations forwards giveback [TARGET]`` (or ``giveback db upgrade``) in a process of its own."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIVEBACK_")}
    environment.update(GIVEBACK_DATABASE_URL=database_url, PICCOLO_CONF="giveback.piccolo_conf")
    command = (
        [str(Path(sys.executable).parent / "piccolo"), "migrations", "forwards", "giveback", *target]
        if target
        else [sys.executable, "-m", "giveback", "db", "upgrade"]
    )
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
async def fresh_database(temp_dir: Path) -> AsyncIterator[tuple[str, Callable[..., Any]]]:
    """An empty database beside the suite's, and a function running SQL on it (returning rows as dicts)."""
    server = os.environ.get("GIVEBACK_TEST_DATABASE_URL", "")
    if not server:
        path = temp_dir / "release.sqlite3"

        async def sqlite_sql(query: str, *args: object) -> list[dict[str, Any]]:
            with sqlite3.connect(path) as connection:
                connection.row_factory = sqlite3.Row
                rows = connection.execute(re.sub(r"\$\d+", "?", query), args).fetchall()
                return [dict(row) for row in rows]

        yield f"sqlite:///{path}", sqlite_sql
        return
    name = f"giveback_release_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(server)._replace(path=f"/{name}"))

    async def postgres_sql(query: str, *args: object) -> list[dict[str, Any]]:
        connection = await asyncpg.connect(url)
        try:
            return [dict(row) for row in await connection.fetch(query, *args)]
        finally:
            await connection.close()

    try:
        yield url, postgres_sql
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_upgrading_the_last_release_keeps_the_outbox_and_gives_trips_their_rounds_gap(fresh_database) -> None:
    url, sql = fresh_database
    migrate(url, LAST_RELEASE)
    await sql("INSERT INTO person (email, name, password_hash) VALUES ('vol@example.org', 'Ана Souza', '-')")
    organization = (await sql("SELECT id FROM organization WHERE short_name = 'SoBRICE'"))[0]["id"]
    await sql(
        "INSERT INTO host_request (organization, title, country, primary_need, languages, formats, provides) "
        "VALUES ($1, 'Liver tumours', 'BR', 'venous', $2, $3, $4)",
        organization,
        *[("[]" if url.startswith("sqlite") else [])] * 3,  # empty arrays, as each database stores one
    )
    request = (await sql("SELECT id FROM host_request"))[0]["id"]
    await sql(
        "INSERT INTO match_round (name, period_start, period_end, settings) "
        "VALUES ('2031', '2031-01-06', '2031-12-28', $1)",
        json.dumps({"min_gap_days": 21}),
    )
    round_id = (await sql("SELECT id FROM match_round"))[0]["id"]
    for uid, round_value in (("with-round@x", round_id), ("without-round@x", None)):
        await sql(
            'INSERT INTO trip (uid, request, round, start, "end", status) '
            "VALUES ($1, $2, $3, '2031-03-03', '2031-03-09', 'invited')",
            uid,
            request,
            round_value,
        )
    trips = {row["uid"]: row["id"] for row in await sql("SELECT id, uid FROM trip")}
    for number, trip in enumerate([trips["with-round@x"], None, trips["without-round@x"]]):
        await sql(
            "INSERT INTO calendar_outbox (message_id, recipient, subject, kind, method, trip, sequence, content, "
            "status, attempts) VALUES ($1, 'vol@example.org', 'Invitation', $2, $3, $4, $5, 'From: x', 'sent', 1)",
            f"<{number}@example.org>",
            "invite" if trip else "notice",
            "REQUEST" if trip else "",
            trip,
            number,
        )
    before = await sql("SELECT id, message_id FROM calendar_outbox ORDER BY id")

    migrate(url)

    after = await sql("SELECT id, message_id, about, kind, method, sequence, status FROM mail_outbox ORDER BY id")
    assert [(r["id"], r["message_id"]) for r in after] == [(r["id"], r["message_id"]) for r in before]
    assert [r["about"] for r in after] == [f"trip:{trips['with-round@x']}", "", f"trip:{trips['without-round@x']}"]
    assert [(r["kind"], r["method"], r["sequence"], r["status"]) for r in after] == [
        ("invite", "REQUEST", 0, "sent"),
        ("notice", "", 1, "sent"),
        ("invite", "REQUEST", 2, "sent"),
    ]
    tables = (
        "SELECT name FROM sqlite_master WHERE type = 'table'"
        if url.startswith("sqlite")
        else ("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
    )
    assert "calendar_outbox" not in {row["name"] for row in await sql(tables)}
    # new messages continue after the moved ones
    await sql("INSERT INTO mail_outbox (message_id, recipient, subject, content) VALUES ('<new@x>', 'a@x', 's', 'c')")
    newest = await sql("SELECT id FROM mail_outbox WHERE message_id = '<new@x>'")
    assert newest[0]["id"] > max(r["id"] for r in before)
    gaps = {
        row["uid"]: (row["gap_days"], row["undated"]) for row in await sql("SELECT uid, gap_days, undated FROM trip")
    }
    assert gaps == {"with-round@x": (21, False), "without-round@x": (14, False)}
