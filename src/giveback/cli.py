"""The ``giveback`` command line: serve, manage the database, load the demo, solve match problems."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import click

from giveback.commands import SETTINGS_EXIT_CODE, ensure_database_ready, load_settings, run_with_database
from giveback.db.connection import connected
from giveback.settings import Settings

T = TypeVar("T")
WORK_KINDS = ("runs", "mail", "imports", "scheduler", "webhooks", "mailbox")  # giveback.worker.KINDS, not imported


class GivebackCommands(click.Group):
    """The command group; ``solve`` (OR-Tools) is imported only when it is called."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "solve"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "solve":
            from solver.cli import solve

            return solve
        return super().get_command(ctx, name)


@click.group(cls=GivebackCommands)
@click.version_option(package_name="giveback")
def cli() -> None:
    """Giveback: run international visiting-professor exchanges end to end."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, help="Server processes.")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the platform over HTTP (without GIVEBACK_BASE_URL, links point at this host and port)."""
    import uvicorn

    from giveback.logs import server_log_config

    follow_port(host, port)
    settings = load_settings()
    ensure_database_ready(settings)
    count_across_processes()
    uvicorn.run(
        "giveback.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        log_config=server_log_config(settings.log_level, settings.log_format),
        log_level=settings.log_level.lower(),
        date_header=False,  # the app writes Date from its own clock (giveback.web.headers)
    )


def count_across_processes() -> None:
    """Give the server processes one folder for their metrics, so that any of them answers ``/metrics`` with
    the counts of all (prometheus-client's multiprocess mode); removed when the server stops."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="giveback-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        atexit.register(shutil.rmtree, folder, ignore_errors=True)


def follow_port(host: str, port: int) -> None:
    """Without GIVEBACK_BASE_URL, the links in pages, e-mails and feeds name the address being served (the
    server processes, and the worker the server starts, read it from the environment)."""
    if "GIVEBACK_BASE_URL" not in os.environ:
        shown = "127.0.0.1" if host in {"", "0.0.0.0", "::"} else host  # noqa: S104 (naming, not binding)
        os.environ["GIVEBACK_BASE_URL"] = f"http://{shown}:{port}"


@cli.group()
def db() -> None:
    """Manage the database."""


@db.command()
def upgrade() -> None:
    """Apply every pending migration."""
    settings = load_settings()
    applied = _upgrade(settings)
    click.echo(f"database up to date ({len(applied)} migration(s) applied)")


@db.command()
def status() -> None:
    """List the migrations the database still lacks."""
    from giveback.db.engine import engine_for
    from giveback.db.migrations import pending_migration_ids

    settings = load_settings()
    pending = asyncio.run(pending_migration_ids(engine_for(settings.database_url)))
    if pending:
        click.echo("\n".join(["pending migrations:", *pending, "run `giveback db upgrade`"]))
        sys.exit(1)
    click.echo("database up to date")


def _upgrade(settings: Settings) -> list[str]:
    from giveback.db.engine import enable_sqlite_wal
    from giveback.db.migrations import upgrade as run_upgrade

    async def run() -> list[str]:
        async with connected(settings.database_url):
            return await run_upgrade()

    if settings.is_sqlite:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        enable_sqlite_wal(str(settings.sqlite_path))
    try:
        return asyncio.run(run())
    except Exception as problem:
        click.echo(f"error: GIVEBACK_DATABASE_URL: migration failed ({problem})", err=True)
        sys.exit(1)


@cli.command()
@click.option("--serve/--no-serve", "then_serve", default=True, help="Start the server after loading.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def demo(then_serve: bool, host: str, port: int) -> None:
    """Migrate, load the demo data, print the log-ins, and serve."""
    from giveback.demo import describe_demo, load_demo

    follow_port(host, port)
    settings = load_settings()
    _upgrade(settings)
    summary = asyncio.run(load_demo(settings))
    click.echo(describe_demo(summary, base_url=settings.base_url))
    if then_serve:
        ctx = click.get_current_context()
        ctx.invoke(serve, host=host, port=port, workers=1, reload=False)


@cli.command()
@click.option(
    "--heartbeat-file",
    type=click.Path(dir_okay=False),
    help="Touch this file every few seconds while the worker is alive (for a container's health check).",
)
@click.option(
    "--only",
    "only",
    multiple=True,
    metavar="KIND[,KIND…]",
    help="Do only these kinds of work (repeatable or comma-separated): " + ", ".join(WORK_KINDS) + ".",
)
def worker(heartbeat_file: str | None, only: tuple[str, ...]) -> None:
    """Do the background work until stopped: solver runs, mail, calendar imports, the scheduler, webhooks, the
    program mailbox (any number of workers, on any number of machines, share it)."""
    from giveback.logs import configure_logging
    from giveback.worker import work_forever

    kinds = [kind.strip() for value in only for kind in value.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in WORK_KINDS]
    if unknown or (only and not kinds):
        raise click.BadParameter(
            f"{', '.join(unknown) or 'nothing'} is not a kind of work; choose from {', '.join(WORK_KINDS)}",
            param_hint="--only",
        )
    settings = load_settings()
    configure_logging(settings)
    ensure_database_ready(settings)
    with contextlib.suppress(KeyboardInterrupt):
        run_with_database(settings, lambda: _beating(heartbeat_file, work_forever(only=kinds)))


HEARTBEAT_SECONDS = 10


async def _beating(heartbeat_file: str | None, work: Awaitable[T]) -> T:
    """Run ``work`` while touching the heartbeat file; a blocked event loop stops the touches."""
    if heartbeat_file is None:
        return await work

    async def beat() -> None:
        path = Path(heartbeat_file)
        while True:
            await asyncio.to_thread(path.touch)
            await asyncio.sleep(HEARTBEAT_SECONDS)

    beating = asyncio.create_task(beat())
    try:
        return await work
    finally:
        beating.cancel()


@cli.group()
def mailbox() -> None:
    """The program mailbox, where the answers given in calendar apps come back."""


@mailbox.command("read")
def mailbox_read() -> None:
    """Read the program mailbox once and apply the calendar answers in it (the worker does this every
    GIVEBACK_MAILBOX_INTERVAL seconds); a way to check the GIVEBACK_IMAP_* settings."""
    from collections import Counter

    from giveback.commands import table
    from giveback.trips.replies import read_program_mailbox

    settings = load_settings()
    if not settings.imap_host:
        click.echo("error: GIVEBACK_IMAP_HOST: no program mailbox is set, so there is nothing to read", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    ensure_database_ready(settings)
    try:
        outcomes = run_with_database(settings, lambda: read_program_mailbox(settings))
    except Exception as problem:  # the server down, a refused log-in, a missing folder: one line, not a traceback
        where = f"{settings.imap_username} at {settings.imap_host}:{settings.imap_port}"
        click.echo(f"error: GIVEBACK_IMAP_HOST: cannot read the mailbox of {where} ({problem})", err=True)
        sys.exit(1)
    click.echo(f"{len(outcomes)} calendar answer{'' if len(outcomes) == 1 else 's'} read")
    if outcomes:
        click.echo(table([["outcome", "answers"], *[[k, str(v)] for k, v in sorted(Counter(outcomes).items())]]))


@cli.group("round")
def round_group() -> None:
    """Run the match-round cycle (open, freeze, run, approve, show), export a problem or import a result."""


@round_group.command("export")
@click.argument("round_id", type=int)
def round_export(round_id: int) -> None:
    """Print the round's problem (giveback-match/1) as the next run would solve it."""
    from giveback.errors import DomainError
    from giveback.rounds.services import export_problem

    settings = load_settings()
    ensure_database_ready(settings)
    try:
        problem = run_with_database(settings, lambda: export_problem(round_id))
    except DomainError as problem_error:
        raise click.BadParameter(problem_error.message, param_hint="ROUND") from None
    click.echo(json.dumps(problem, indent=2, ensure_ascii=False))


@round_group.command("import-result")
@click.argument("round_id", type=int)
@click.argument("result_file", type=click.File("rb"))
def round_import_result(round_id: int, result_file: Any) -> None:
    """Record a result solved elsewhere as a finished run, after checking it against every rule."""
    from giveback.errors import DomainError
    from giveback.rounds.services import import_result

    settings = load_settings()
    ensure_database_ready(settings)
    try:
        data = json.load(result_file)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", param_hint="RESULT_FILE") from None
    except RecursionError:
        raise click.BadParameter("the JSON is nested too deeply", param_hint="RESULT_FILE") from None
    try:
        run = run_with_database(settings, lambda: import_result(None, round_id, data))
    except DomainError as problem:
        raise click.BadParameter(f"{problem.field}: {problem.message}", param_hint="RESULT_FILE") from None
    click.echo(f"imported as run {run.id}: {run.solver_status}, objective {run.objective}")


@cli.group()
def user() -> None:
    """Manage accounts from the command line."""


@user.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["volunteer", "host", "coordinator", "admin"]),
    help="A role to grant (repeatable).",
)
@click.password_option(envvar="GIVEBACK_NEW_PASSWORD", help="At least 12 characters (or GIVEBACK_NEW_PASSWORD).")
def create_user(email: str, name: str, roles: tuple[str, ...], password: str) -> None:
    """Create a confirmed account, e.g. the first admin."""
    import msgspec

    from giveback.accounts.schemas import SignUp
    from giveback.accounts.services import create_confirmed_person
    from giveback.errors import DomainError
    from giveback.web.forms import explain

    settings = load_settings()
    ensure_database_ready(settings)
    try:
        data = msgspec.convert({"email": email, "name": name, "password": password}, SignUp)
    except msgspec.ValidationError as problem:
        field, words = explain(str(problem))
        raise click.BadParameter(f"{field}: {words}") from None

    try:
        person_id = run_with_database(settings, lambda: create_confirmed_person(data, list(roles)))
    except DomainError as problem:
        raise click.BadParameter(f"{problem.field}: {problem.message}") from None
    click.echo(f"created person {person_id} <{data.email.lower()}> with roles {', '.join(sorted(roles))}")


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check everything and show what would change; write nothing.")
def import_command(paths: tuple[str, ...], dry_run: bool) -> None:
    """Import a program's spreadsheets: an .xlsx workbook, .csv files named after their sheets, or a .zip of them.

    Every problem is listed with its sheet, row and column, and then nothing is written (exit status 2).
    The format is described in docs/import.md.
    """
    import getpass
    from pathlib import Path

    from giveback.imports.format import MAX_FILE_BYTES
    from giveback.imports.services import run_import
    from giveback.imports.workbook import size_words

    settings = load_settings()
    files = [Path(path) for path in paths]
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        click.echo(f"error: no such file: {', '.join(missing)}", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    size = sum(path.stat().st_size for path in files)
    if size > MAX_FILE_BYTES:
        click.echo(f"problem: the file is {size_words(size)}; the limit is {size_words(MAX_FILE_BYTES)}", err=True)
        click.echo("nothing was imported", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    ensure_database_ready(settings)
    contents = [(path.name, path.read_bytes()) for path in files]
    report = run_with_database(
        settings,
        lambda: run_import(
            contents,
            dry_run=dry_run,
            actor_id=None,
            ran_by=f"the command line ({getpass.getuser()})",
            base_url=settings.base_url,
        ),
    )
    for sheet in report.sheets:
        verb = ("to create", "to update") if dry_run or not report.imported else ("created", "updated")
        click.echo(
            f"{sheet.sheet}: {sheet.rows} row(s): {sheet.created} {verb[0]}, {sheet.updated} {verb[1]}, "
            f"{sheet.unchanged} unchanged"
        )
    if report.accounts_created:
        made = "would be made" if dry_run or not report.imported else "made"
        click.echo(f"accounts without a password {made}: {report.accounts_created}")
    for warning in report.warnings:
        click.echo(f"warning: {warning.text}")
    for problem in report.problems:
        click.echo(f"problem: {problem.text}", err=True)
    if report.problems:
        click.echo(f"{len(report.problems)} problem(s): nothing was imported", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    click.echo("dry run: nothing was written" if dry_run else "imported")


@cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def export_command(path: str, force: bool) -> None:
    """Write the program in the import's format: PATH ending in .xlsx (a workbook) or .zip (.csv files)."""
    from pathlib import Path

    from giveback.imports.export import left_out, program, workbook_bytes, zip_bytes

    settings = load_settings()
    target = Path(path)
    if target.suffix.lower() not in (".xlsx", ".zip"):
        click.echo("error: PATH must end in .xlsx (a workbook) or .zip (.csv files)", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    if target.exists() and not force:
        click.echo(f"error: {target} exists; choose another name or add --force", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    ensure_database_ready(settings)

    async def collect() -> tuple[dict[str, list[dict[str, Any]]], dict[str, int]]:
        return await program(settings.base_url), await left_out()

    sheets, missing = run_with_database(settings, collect)
    content = workbook_bytes(sheets) if target.suffix.lower() == ".xlsx" else zip_bytes(sheets)
    target.write_bytes(content)
    counts = ", ".join(f"{len(rows)} {name}" for name, rows in sheets.items())
    click.echo(f"wrote {target}: {counts}")
    for what, count in missing.items():
        if count:
            click.echo(f"not in the format, so left out: {count} {what} (they go on in their rounds)")


def _add_domain_commands() -> None:
    from giveback.admin.commands import people
    from giveback.rounds.commands import ROUND_COMMANDS

    cli.add_command(people)
    for command in ROUND_COMMANDS:
        round_group.add_command(command)


@user.command("reset-two-factor")
@click.argument("email")
def reset_two_factor(email: str) -> None:
    """Remove a person's second factor (a lost phone and lost recovery codes), e.g. the last admin's; their
    sessions end and they set it up again at their next log-in."""
    from giveback.accounts.services import normalize_email
    from giveback.accounts.services import reset_two_factor as reset
    from giveback.accounts.tables import Person
    from giveback.errors import DomainError

    settings = load_settings()
    ensure_database_ready(settings)

    async def work() -> int:
        row = await Person.select(Person.id).where(Person.email == normalize_email(email)).first()
        if row is None:
            raise click.BadParameter(f"no account has the address {email}", param_hint="EMAIL")
        await reset(None, int(row["id"]))
        return int(row["id"])

    try:
        person_id = run_with_database(settings, work)
    except DomainError as problem:
        raise click.BadParameter(problem.message, param_hint="EMAIL") from None
    click.echo(f"two-factor log-in removed for person {person_id} <{normalize_email(email)}>; their sessions ended")


def main() -> None:
    # Piccolo warns on stderr before the clear one-line error the command prints itself.
    warnings.filterwarnings("ignore", category=Warning, module=r"piccolo\.engine")
    cli()


@cli.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=True, file_okay=True),
    help="The backup file to write (never overwritten), or a folder for a timestamped one. "
    "Default: giveback-<UTC time>.sqlite3 or .dump in the current folder.",
)
def backup(output: str | None) -> None:
    """Back up the database while the servers keep running (SQLite online backup, or pg_dump)."""

    from giveback.operations.backup import OperationFailed, backup_database, describe

    settings = load_settings()
    try:
        snapshot = backup_database(settings, Path(output) if output else None)
    except OperationFailed as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    click.echo(describe("backup written", snapshot, settings.database_url))


@cli.command()
@click.argument("path", type=click.Path())
@click.option("--force", is_flag=True, help="Replace a database that already holds tables.")
def restore(path: str, force: bool) -> None:
    """Restore a backup made by `giveback backup` into the database (stop the servers first)."""

    from giveback.operations.backup import OperationFailed, describe, restore_database

    settings = load_settings()
    try:
        snapshot = restore_database(settings, Path(path), force=force)
    except OperationFailed as problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(SETTINGS_EXIT_CODE)
    click.echo(describe("restored from", snapshot, settings.database_url))


_add_domain_commands()
