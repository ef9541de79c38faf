"""Restore drill: `giveback backup` while the platform writes, `giveback restore` into a fresh database, compare.

Runs on the database the suite runs on (SQLite file, or PostgreSQL with GIVEBACK_TEST_DATABASE_URL); the
commands run in subprocesses, like an operator would run them next to a live server.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import helpers
import httpx

from giveback.demo import load_demo
from giveback.piccolo_app import APP_CONFIG
from giveback.settings import Settings

GIVEBACK = [sys.executable, "-m", "giveback"]
TABLES = [table._meta.tablename for table in APP_CONFIG.table_classes]


class Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


async def giveback(*args: str, database_url: str, cwd: Path) -> Ran:
    """Run the command line in a subprocess (without blocking the event loop the app's writers run in)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIVEBACK_")}
    environment["GIVEBACK_DATABASE_URL"] = database_url
    process = await asyncio.create_subprocess_exec(
        *GIVEBACK, *args, cwd=cwd, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return Ran(process.returncode or 0, out.decode(), err.decode())


def printed_counts(output: str) -> dict[str, int]:
    """The per-table rows a backup or restore printed."""
    return {name: int(count) for name, count in re.findall(r"^  (\w+)\s+(\d+)$", output, re.MULTILINE)}


def count_sql(table: str) -> str:
    return f'SELECT count(*) FROM "{table}"'  # noqa: S608 (the platform's own table names)


async def source_counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in APP_CONFIG.table_classes}


async def counts_in(database_url: str) -> dict[str, int]:
    """Every platform table's rows in another database, read directly (not through the app's engine)."""
    if database_url.startswith("sqlite:"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as connection:
            return {name: connection.execute(count_sql(name)).fetchone()[0] for name in TABLES}
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        return {name: await connection.fetchval(count_sql(name)) for name in TABLES}
    finally:
        await connection.close()


async def emails_in(database_url: str) -> set[str]:
    if database_url.startswith("sqlite:"):
        with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as connection:
            return {row[0] for row in connection.execute("SELECT email FROM person")}
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        return {row["email"] for row in await connection.fetch("SELECT email FROM person")}
    finally:
        await connection.close()


@asynccontextmanager
async def fresh_database(database_url: str, folder: Path, name: str = "restored") -> AsyncIterator[str]:
    """The URL of a new, empty database of the suite's kind (a new file, or a new database on the same server)."""
    if database_url.startswith("sqlite:"):
        yield f"sqlite:///{folder / f'{name}.sqlite3'}"
        return
    import asyncpg

    server = os.environ["GIVEBACK_TEST_DATABASE_URL"]
    database = f"giveback_{name}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{database}"')
        try:
            yield urlunsplit(urlsplit(server)._replace(path=f"/{database}"))
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await admin.close()


async def test_a_backup_taken_while_the_platform_writes_restores_to_a_consistent_copy(
    client: httpx.AsyncClient, inbox: object, settings: Settings, database_url: str, temp_dir: Path
) -> None:
    await load_demo(settings)
    await helpers.member(client, inbox, "drill@example.org", ["coordinator"])
    before = await source_counts()

    stop = asyncio.Event()
    written: list[int] = []

    async def writer() -> None:
        """Add topics through the API (a topic row and an audit row each) until the backup is done."""
        while not stop.is_set():
            number = len(written)
            answer = await client.post("/api/topics", json={"slug": f"drill-{number}", "name": f"Drill topic {number}"})
            assert answer.status_code == 201, answer.text
            written.append(number)

    writing = asyncio.create_task(writer())
    await asyncio.sleep(0.2)  # the writer is busy before the backup starts
    during_start = len(written)
    backup = await giveback("backup", "--output", str(temp_dir), database_url=database_url, cwd=temp_dir)
    during_end = len(written)
    stop.set()
    await writing
    after = await source_counts()

    assert backup.returncode == 0, backup.stderr
    assert during_end > during_start, "the writer wrote nothing while the backup ran"
    backup_file = Path(re.search(r"^backup written: (.+)$", backup.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert backup_file.parent == temp_dir
    assert backup_file.stat().st_size > 0  # noqa: ASYNC240
    in_backup = printed_counts(backup.stdout)
    assert set(TABLES) <= set(in_backup)
    assert in_backup["volunteer_profile"] == 40

    async with fresh_database(database_url, temp_dir) as target:
        restore = await giveback("restore", str(backup_file), database_url=target, cwd=temp_dir)
        assert restore.returncode == 0, restore.stderr
        assert f"restored from: {backup_file}" in restore.stdout
        restored = await counts_in(target)
        assert "drill@example.org" in await emails_in(target)

    # What the backup says it holds is what the restore holds, table by table (the migration log too).
    assert printed_counts(restore.stdout) == in_backup
    # Every table holds the rows of one moment between the backup's start and end: tables the writer does not
    # touch exactly; the topic and audit tables somewhere between their counts before and after.
    for name in TABLES:
        assert before[name] <= restored[name] <= after[name], (name, before[name], restored[name], after[name])
        if before[name] == after[name]:
            assert restored[name] == before[name], name
    assert after["topic"] > before["topic"]
    # One snapshot: each topic the copy holds came with its audit row.
    assert restored["topic"] - before["topic"] == restored["audit_event"] - before["audit_event"]


async def test_restore_refuses_bad_input_and_a_non_empty_database_and_changes_nothing(
    client: httpx.AsyncClient, inbox: object, database_url: str, temp_dir: Path
) -> None:
    await helpers.member(client, inbox, "kept@example.org", ["coordinator"])
    backup_file = temp_dir / "giveback.backup"
    made = await giveback("backup", "-o", str(backup_file), database_url=database_url, cwd=temp_dir)
    assert made.returncode == 0, made.stderr
    assert f"backup written: {backup_file}" in made.stdout
    size = backup_file.stat().st_size

    text_file = temp_dir / "notes.txt"
    text_file.write_text("not a backup\n")
    fake_dump = temp_dir / "fake.dump"
    fake_dump.write_bytes(b"PGDMP but nothing else")
    foreign = temp_dir / "foreign.sqlite3"
    with closing(sqlite3.connect(foreign)) as connection:
        connection.execute("CREATE TABLE t (x)")

    async with fresh_database(database_url, temp_dir) as target, fresh_database(database_url, temp_dir, "b") as empty:
        first, again, missing, text, fake, other = await asyncio.gather(
            giveback("restore", str(backup_file), database_url=target, cwd=temp_dir),
            giveback("backup", "-o", str(backup_file), database_url=database_url, cwd=temp_dir),
            giveback("restore", str(temp_dir / "nothing.backup"), database_url=empty, cwd=temp_dir),
            giveback("restore", str(text_file), database_url=empty, cwd=temp_dir),
            giveback("restore", str(fake_dump), database_url=empty, cwd=temp_dir),
            giveback("restore", str(foreign), database_url=empty, cwd=temp_dir),
        )
        assert first.returncode == 0, first.stderr
        restored = await counts_in(target)
        assert again.returncode == 2
        assert (
            again.stderr == f"error: --output: {backup_file} exists; choose a new file name (backups never overwrite)\n"
        )
        assert backup_file.stat().st_size == size
        for refused in (missing, text, fake, other):
            assert refused.returncode == 2, refused.stdout
            assert refused.stderr.startswith("error: PATH: ") and refused.stderr.count("\n") == 1, refused.stderr
            assert refused.stdout == ""
        assert "does not exist" in missing.stderr
        assert "is not a Giveback backup" in text.stderr
        assert "is a SQLite database but not a Giveback backup" in other.stderr or "is a SQLite backup" in other.stderr
        if empty.startswith("sqlite:"):
            assert not (temp_dir / "b.sqlite3").exists()  # nothing was created either
        else:
            assert await counts_in_any(empty) == {}

        second = await giveback("restore", str(backup_file), database_url=target, cwd=temp_dir)
        assert second.returncode == 2
        assert "is not empty" in second.stderr and "pass --force to replace it" in second.stderr
        assert await counts_in(target) == restored

        forced = await giveback("restore", "--force", str(backup_file), database_url=target, cwd=temp_dir)
        assert forced.returncode == 0, forced.stderr
        assert await counts_in(target) == restored
        assert "kept@example.org" in await emails_in(target)


async def counts_in_any(database_url: str) -> dict[str, int]:
    """Rows per table of whatever tables a PostgreSQL database holds (none in a fresh one)."""
    import asyncpg

    connection = await asyncpg.connect(database_url)
    try:
        names = [
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        return {name: await connection.fetchval(count_sql(name)) for name in names}
    finally:
        await connection.close()


async def test_backup_with_a_bad_database_url_stops_with_exit_status_2(database_url: str, temp_dir: Path) -> None:
    malformed, missing_file, unreachable = await asyncio.gather(
        giveback("backup", database_url="mysql://root@localhost/giveback", cwd=temp_dir),
        giveback("backup", database_url=f"sqlite:///{temp_dir / 'nothing-here.sqlite3'}", cwd=temp_dir),
        giveback("backup", database_url="postgresql://giveback:secret@127.0.0.1:9/giveback", cwd=temp_dir),
    )
    assert malformed.returncode == 2
    assert malformed.stderr.startswith("error: GIVEBACK_DATABASE_URL: must start with sqlite:/// or postgresql://")
    assert missing_file.returncode == 2
    assert missing_file.stderr.startswith("error: GIVEBACK_DATABASE_URL: there is no SQLite database at")
    assert unreachable.returncode == 2
    assert unreachable.stderr.startswith("error: GIVEBACK_DATABASE_URL: cannot reach the database")
    assert "secret" not in unreachable.stderr  # the password is never printed
    for result in (malformed, missing_file, unreachable):
        assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert not list(temp_dir.iterdir())  # noqa: ASYNC240 (no file, not even a partial one)
