"""Back up and restore the platform's database, safely while the servers keep writing.

SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies the database in one step under a
read transaction; in WAL mode readers never block the writers, so the copy is a consistent snapshot taken while
the server runs. The copy is switched to an ordinary rollback journal so that it is one self-contained file.

PostgreSQL: ``pg_dump --format=custom`` reads the database in a snapshot exported from a repeatable-read
transaction in which the rows are counted too, so the counts printed are exactly what the dump holds.
Restores use ``pg_restore --clean --if-exists --no-owner`` in a single transaction: a failed restore changes
nothing.

Every refusal raises :class:`OperationFailed` with one line naming what is wrong; the command line answers it
with exit status 2.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import msgspec

from giveback.db.engine import SQLITE_BUSY_TIMEOUT_SECONDS
from giveback.settings import Settings

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
MIGRATION_TABLE = "migration"
PG_TOOL_TIMEOUT_SECONDS = 3600


class OperationFailed(Exception):
    """A backup or restore was refused or failed; the message is one line saying why. Nothing was changed."""


class Snapshot(msgspec.Struct, kw_only=True):
    """What a backup file or a restored database holds."""

    path: str
    size: int
    counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# ---------------------------------------------------------------------------------------------------- entry points


def backup_database(settings: Settings, output: Path | None = None, *, now: datetime | None = None) -> Snapshot:
    """Back up the database of ``settings`` to ``output`` (a new file, or a folder for a timestamped file)."""
    target = _backup_target(settings, output, now or datetime.now(UTC))
    if settings.is_sqlite:
        return _backup_sqlite(settings.sqlite_path, target)
    counts = asyncio.run(_backup_postgres(settings.database_url, target))
    return Snapshot(path=str(target), size=target.stat().st_size, counts=counts)


def restore_database(settings: Settings, source: Path, *, force: bool = False) -> Snapshot:
    """Replace the database of ``settings`` with the backup ``source``; refuse a non-empty one unless forced."""
    kind = _backup_kind(source)
    if settings.is_sqlite:
        if kind != "sqlite":
            raise OperationFailed(
                f"PATH: {source} is a PostgreSQL dump; GIVEBACK_DATABASE_URL names a SQLite database "
                "(restore it into a PostgreSQL database)"
            )
        return _restore_sqlite(source, settings.sqlite_path, force=force)
    if kind != "postgresql":
        raise OperationFailed(
            f"PATH: {source} is a SQLite backup; GIVEBACK_DATABASE_URL names a PostgreSQL database "
            "(restore it into a SQLite database)"
        )
    counts = asyncio.run(_restore_postgres(source, settings.database_url, force=force))
    return Snapshot(path=str(source), size=source.stat().st_size, counts=counts)


def describe(verb: str, snapshot: Snapshot, database_url: str) -> str:
    """What a backup or restore did: the file, its size, and the rows of every table."""
    width = max((len(name) for name in snapshot.counts), default=5)
    lines = [
        f"{verb}: {snapshot.path}",
        f"database: {redacted(database_url)}",
        f"size: {_human(snapshot.size)} ({snapshot.size} bytes); {len(snapshot.counts)} tables, {snapshot.rows} rows",
        f"  {'table'.ljust(width)}  rows",
        *(f"  {name.ljust(width)}  {count}" for name, count in snapshot.counts.items()),
    ]
    return "\n".join(lines)


def redacted(database_url: str) -> str:
    """The URL without its password, fit to print."""
    parts = urlsplit(database_url)
    if parts.password is None:
        return database_url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# ---------------------------------------------------------------------------------------------------- files


def _backup_target(settings: Settings, output: Path | None, now: datetime) -> Path:
    suffix = ".sqlite3" if settings.is_sqlite else ".dump"
    name = f"giveback-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}{suffix}"
    if output is None:
        target = Path(name)
    elif output.is_dir():
        target = output / name
    else:
        target = output
    if target.exists():
        raise OperationFailed(f"--output: {target} exists; choose a new file name (backups never overwrite)")
    if not target.parent.is_dir():
        raise OperationFailed(f"--output: the folder {target.parent} does not exist")
    return target


def _backup_kind(source: Path) -> str:
    """``sqlite`` or ``postgresql``: which kind of backup the file is, judged by its first bytes."""
    if not source.exists():
        raise OperationFailed(f"PATH: {source} does not exist")
    if not source.is_file():
        raise OperationFailed(f"PATH: {source} is not a file")
    with source.open("rb") as file:
        header = file.read(len(SQLITE_MAGIC))
    if header.startswith(SQLITE_MAGIC):
        return "sqlite"
    if header.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise OperationFailed(
        f"PATH: {source} is not a Giveback backup (neither a SQLite database nor a pg_dump custom-format archive)"
    )


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial")


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------------------- SQLite


def _sqlite_open(path: Path, mode: str) -> sqlite3.Connection:
    """Open an existing SQLite file (``mode`` ``ro`` or ``rw``), never creating one."""
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)


def _sqlite_counts(connection: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {name: int(connection.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0]) for name in names}  # noqa: S608


def _quoted(name: str) -> str:
    """A table name from the database's own catalogue, quoted as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _backup_sqlite(database: Path, target: Path) -> Snapshot:
    if not database.is_file():
        raise OperationFailed(f"GIVEBACK_DATABASE_URL: there is no SQLite database at {database}")
    partial = _partial(target)
    partial.unlink(missing_ok=True)
    try:
        with closing(_sqlite_open(database, "rw")) as source, closing(sqlite3.connect(partial)) as copy:
            # pages=-1: one step under one read transaction, hence one consistent snapshot; in WAL mode the
            # server's writers carry on meanwhile (a stepwise copy would restart after every write).
            source.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise OperationFailed(f"the copy failed SQLite's check: {verdict}")
            counts = _sqlite_counts(copy)
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise OperationFailed(f"GIVEBACK_DATABASE_URL: cannot back up {database} ({error})") from None
    except OperationFailed:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(target)
    return Snapshot(path=str(target), size=target.stat().st_size, counts=counts)


def _restore_sqlite(source: Path, database: Path, *, force: bool) -> Snapshot:
    try:
        with closing(_sqlite_open(source, "ro")) as backup:
            verdict = backup.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise OperationFailed(f"PATH: {source} is damaged ({verdict})")
            if MIGRATION_TABLE not in _sqlite_counts(backup):
                raise OperationFailed(f"PATH: {source} is a SQLite database but not a Giveback backup")
            if database.exists():
                _refuse_non_empty(database, _sqlite_existing_counts(database), force=force)
            if not database.parent.is_dir():
                raise OperationFailed(f"GIVEBACK_DATABASE_URL: the folder {database.parent} does not exist")
            with closing(sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)) as target:
                # The backup API writes the target in one transaction: it holds the whole copy or nothing.
                backup.backup(target, pages=-1)
                target.execute("PRAGMA journal_mode=WAL")
                counts = _sqlite_counts(target)
    except sqlite3.Error as error:
        raise OperationFailed(f"cannot restore {source} into {database} ({error})") from None
    return Snapshot(path=str(source), size=source.stat().st_size, counts=counts)


def _sqlite_existing_counts(database: Path) -> dict[str, int]:
    try:
        with closing(_sqlite_open(database, "ro")) as connection:
            return _sqlite_counts(connection)
    except sqlite3.DatabaseError as error:
        raise OperationFailed(f"GIVEBACK_DATABASE_URL: {database} is not a SQLite database ({error})") from None


def _refuse_non_empty(where: object, counts: dict[str, int], *, force: bool) -> None:
    if counts and not force:
        raise OperationFailed(
            f"GIVEBACK_DATABASE_URL: {where} is not empty ({len(counts)} tables, {sum(counts.values())} rows); "
            "pass --force to replace it"
        )


# ---------------------------------------------------------------------------------------------------- PostgreSQL


def pg_tool(name: str) -> str:
    """The PostgreSQL client program ``name``: on PATH, else the newest /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", Path(path).parent.parent.name))

    candidates = sorted((str(path) for path in Path("/usr/lib/postgresql").glob(f"*/bin/{name}")), key=version)
    if candidates:
        return candidates[-1]
    raise OperationFailed(
        f"{name} is not installed: install the PostgreSQL client (e.g. the postgresql-client package)"
    )


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment passing the password (never on the command line)."""
    parts = urlsplit(database_url)
    environment = {**os.environ}
    if parts.password is not None:
        environment["PGPASSWORD"] = unquote(parts.password)
        netloc = parts.netloc.replace(f":{parts.password}@", "@", 1)
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts), environment


async def _pg_connect(database_url: str) -> Any:
    import asyncpg

    try:
        return await asyncpg.connect(database_url, timeout=10)
    except Exception as error:
        raise OperationFailed(
            f"GIVEBACK_DATABASE_URL: cannot reach the database {redacted(database_url)} ({error})"
        ) from None


async def _pg_counts(connection: Any) -> dict[str, int]:
    names = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    counts: dict[str, int] = {}
    for row in names:
        counts[row["tablename"]] = int(await connection.fetchval(f"SELECT count(*) FROM {_quoted(row['tablename'])}"))  # noqa: S608
    return counts


async def _run_tool(args: list[str], environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    process = await asyncio.create_subprocess_exec(
        *args, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), PG_TOOL_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise OperationFailed(f"{Path(args[0]).name} took longer than {PG_TOOL_TIMEOUT_SECONDS} s") from None
    return subprocess.CompletedProcess(args, process.returncode or 0, out.decode(), err.decode())


def _first_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no message"])[0]


async def _backup_postgres(database_url: str, target: Path) -> dict[str, int]:
    pg_dump = pg_tool("pg_dump")
    dsn, environment = _libpq(database_url)
    partial = _partial(target)
    connection = await _pg_connect(database_url)
    try:
        # pg_dump reads the snapshot of this transaction, in which the rows are counted: the counts are the dump's.
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot_id = await connection.fetchval("SELECT pg_export_snapshot()")
            counts = await _pg_counts(connection)
            result = await _run_tool(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-password",
                    f"--snapshot={snapshot_id}",
                    f"--file={partial}",
                    f"--dbname={dsn}",
                ],
                environment,
            )
    finally:
        await connection.close()
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise OperationFailed(f"pg_dump failed: {_first_error(result.stderr)}")
    partial.rename(target)
    return counts


async def _restore_postgres(source: Path, database_url: str, *, force: bool) -> dict[str, int]:
    pg_restore = pg_tool("pg_restore")
    dsn, environment = _libpq(database_url)
    listing = await _run_tool([pg_restore, "--list", str(source)], environment)
    if listing.returncode != 0:
        raise OperationFailed(f"PATH: {source} is not a readable pg_dump archive ({_first_error(listing.stderr)})")
    if not re.search(rf"\bTABLE DATA \S+ {MIGRATION_TABLE}\b", listing.stdout):
        raise OperationFailed(f"PATH: {source} is a pg_dump archive but not a Giveback backup")
    connection = await _pg_connect(database_url)
    try:
        _refuse_non_empty(redacted(database_url), await _pg_counts(connection), force=force)
    finally:
        await connection.close()
    result = await _run_tool(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={dsn}",
            str(source),
        ],
        environment,
    )
    if result.returncode != 0:
        raise OperationFailed(f"pg_restore failed, nothing was changed: {_first_error(result.stderr)}")
    connection = await _pg_connect(database_url)
    try:
        counts = await _pg_counts(connection)
    finally:
        await connection.close()
    return counts
