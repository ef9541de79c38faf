"""Importing a program's spreadsheets: check (the dry run, or preview), then import all or nothing.

The command line calls ``run_import`` directly. The coordinator's page uploads a file as an ``ImportJob``: it is
checked in the background (progress is kept for the page to show), the preview waits for the coordinator to
confirm, and the import then runs in the background too. Every import is one transaction and one audit entry
naming who ran it and the counts.
"""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from piccolo.engine.sqlite import SQLiteEngine

from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.i18n import N_, _
from giveback.imports.apply import apply_plan
from giveback.imports.checks import read_entries
from giveback.imports.findings import Finding, Findings, text_data
from giveback.imports.format import MAX_FILE_BYTES, SHEETS
from giveback.imports.plan import Plan, make_plan
from giveback.imports.schemas import FindingOut, ImportReport, JobOut, SheetOut
from giveback.imports.tables import ImportJob
from giveback.imports.values import TopicIndex
from giveback.imports.workbook import read_files, size_words
from giveback.topics.tables import Topic

log = structlog.get_logger()

COORDINATORS = ("coordinator",)
# A job whose worker has not reported for this long stopped (the server was restarted): it is marked failed.
DEAD_AFTER = timedelta(minutes=5)
PROGRESS_SECONDS = 1.0
# What a page shows of a job (stored in English, shown translated: the catalogs have these texts).
SERVER_STOPPED = N_("the server stopped before the end; nothing was imported: upload the file again")
IMPORT_FAILED = N_("the import stopped because of an error and wrote nothing; the server's log has the details")
STAGES = (
    N_("waiting"),
    N_("reading the file"),
    N_("checking every row"),
    N_("matching with the program"),
    N_("writing"),
    N_("done"),
)
Files = list[tuple[str, bytes]]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Progress:
    """How far an import has come: a stage in words, and units done of a total (rows, then records)."""

    stage: str = "waiting"
    done: int = 0
    total: int = 0

    def begin(self, stage: str, total: int) -> None:
        self.stage, self.done, self.total = stage, 0, total

    def advance(self, done: int) -> None:
        self.done = min(self.total, self.done + done) if self.total else self.done + done


async def topic_index() -> TopicIndex:
    rows = await Topic.select(Topic.slug, Topic.name, Topic.retired)
    return TopicIndex.of((row["slug"], row["name"], bool(row["retired"])) for row in rows)


def _finding_out(finding: Finding) -> FindingOut:
    return FindingOut(
        text=str(finding.text()),
        message=str(finding.message),
        sheet=finding.sheet,
        row=finding.row,
        column=finding.column,
        translatable=text_data(finding.text()),
    )


def _report(files: Files, found: Findings, plan: Plan | None, *, dry_run: bool, imported: bool) -> ImportReport:
    sheets = []
    if plan is not None:
        for sheet in SHEETS:
            counts = plan.counts[sheet.name]
            if counts["rows"]:
                sheets.append(
                    SheetOut(
                        sheet=sheet.name,
                        rows=counts["rows"],
                        created=counts["created"],
                        updated=counts["updated"],
                        unchanged=counts["unchanged"],
                    )
                )
    return ImportReport(
        dry_run=dry_run,
        imported=imported,
        files=[name for name, _ in files],
        sheets=sheets,
        accounts_created=len(plan.new_people) if plan else 0,
        problems=[_finding_out(finding) for finding in found.problems],
        warnings=[_finding_out(finding) for finding in found.warnings],
    )


async def run_import(
    files: Files,
    *,
    dry_run: bool,
    actor_id: int | None,
    ran_by: str,
    base_url: str,
    job_id: int | None = None,
    progress: Progress | None = None,
    writing: Callable[[bool], None] | None = None,
) -> ImportReport:
    """Check the files and, unless ``dry_run`` or a problem is found, import them in one transaction.

    ``ran_by`` says who ran it for the audit log ("the command line", a coordinator's name);
    ``writing`` is told when the write transaction opens and closes (progress is not stored meanwhile on SQLite).
    """
    progress = progress or Progress()
    size = sum(len(content) for _, content in files)
    progress.begin("reading the file", max(1, size // 100))  # about 100 bytes a row
    upload = await asyncio.to_thread(read_files, files, progress.advance)
    found = upload.findings
    if found.problems:
        return _report(files, found, None, dry_run=dry_run, imported=False)
    progress.begin("checking every row", upload.row_count)
    entries = read_entries(upload, await topic_index())
    progress.advance(upload.row_count)
    if dry_run:
        progress.begin("matching with the program", 1)
        plan = await make_plan(entries, found, base_url=base_url)
        return _report(files, found, plan, dry_run=True, imported=False)
    engine = ImportJob._meta.db
    if writing is not None:
        writing(True)
    try:
        async with write_transaction(engine):
            progress.begin("matching with the program", 1)
            plan = await make_plan(entries, found, base_url=base_url)
            if found.problems:
                return _report(files, found, plan, dry_run=False, imported=False)
            progress.begin("writing", sum(plan.counts[sheet.name]["rows"] for sheet in SHEETS))
            await apply_plan(plan, actor_id=actor_id, job_id=job_id, base_url=base_url, progress=progress.advance)
            await audit(
                actor_id,
                "import.completed",
                "import",
                job_id,
                ran_by=ran_by,
                files=[name for name, _ in files],
                accounts_created=len(plan.new_people),
                **{sheet.name: dict(plan.counts[sheet.name]) for sheet in SHEETS if plan.counts[sheet.name]["rows"]},
            )
    finally:
        if writing is not None:
            writing(False)
    log.info("import.completed", job=job_id, ran_by=ran_by, changes=plan.changes)
    return _report(files, found, plan, dry_run=False, imported=True)


# --- jobs: the coordinator's upload, preview and confirmation ---------------------------------------------------


def _require_coordinator(user: SignedIn) -> None:
    if not user.has(*COORDINATORS):
        raise PermissionDenied(_("only a coordinator imports a program"), field="role")


def pack(files: Files) -> bytes:
    """The uploaded files kept together until the import (stored, not compressed again)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for index, (name, content) in enumerate(files):
            archive.writestr(f"{index:03d}/{name}", content)
    return buffer.getvalue()


def unpack(content: bytes) -> Files:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [(name.split("/", 1)[1], archive.read(name)) for name in sorted(archive.namelist())]


_running: dict[int, Progress] = {}
_tasks: set[asyncio.Task[None]] = set()


def _job_out(row: dict[str, Any]) -> JobOut:
    progress = _running.get(int(row["id"]))
    report = row["report"]
    return JobOut(
        id=int(row["id"]),
        status=row["status"],
        stage=progress.stage if progress else row["stage"],
        done=progress.done if progress else int(row["done"]),
        total=progress.total if progress else int(row["total"]),
        files=list(row["filenames"] or []),
        size_bytes=int(row["size_bytes"]),
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        error=row["error"],
        report=_convert_report(report) if report else None,
    )


def _convert_report(report: dict[str, Any]) -> ImportReport:
    import msgspec

    return msgspec.convert(report, ImportReport)


_JOB_COLUMNS = (
    ImportJob.id,
    ImportJob.status,
    ImportJob.stage,
    ImportJob.done,
    ImportJob.total,
    ImportJob.filenames,
    ImportJob.size_bytes,
    ImportJob.created_at,
    ImportJob.finished_at,
    ImportJob.error,
    ImportJob.report,
    ImportJob.heartbeat_at,
)


async def _job_row(job_id: int) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await ImportJob.select(*_JOB_COLUMNS).output(load_json=True).where(ImportJob.id == job_id).first()
    )
    if row is None:
        raise NotFound(_("no import %(id)d", id=job_id), field="job_id")
    return row


async def _reap(row: dict[str, Any]) -> dict[str, Any]:
    """A job that stopped reporting (its server was restarted) is failed, so it can be started again."""
    stale = row["heartbeat_at"] < _now() - DEAD_AFTER
    if row["status"] not in ("checking", "importing") or int(row["id"]) in _running or not stale:
        return row
    await ImportJob.update(
        {
            ImportJob.status: "failed",
            ImportJob.error: SERVER_STOPPED,
            ImportJob.finished_at: _now(),
        }
    ).where((ImportJob.id == row["id"]) & (ImportJob.status == row["status"]))
    return await _job_row(int(row["id"]))


async def get_job(user: SignedIn, job_id: int) -> JobOut:
    _require_coordinator(user)
    return _job_out(await _reap(await _job_row(job_id)))


async def list_jobs(user: SignedIn, *, limit: int = 20) -> list[JobOut]:
    _require_coordinator(user)
    rows = await (
        ImportJob.select(*_JOB_COLUMNS).output(load_json=True).order_by(ImportJob.id, ascending=False).limit(limit)
    )
    return [_job_out(await _reap(row)) for row in rows]


async def upload(user: SignedIn, files: Files, *, base_url: str) -> JobOut:
    """Keep the uploaded files and start checking them; the preview is ready when the job is ``checked``."""
    _require_coordinator(user)
    files = [(name, content) for name, content in files if name or content]
    if not files:
        raise InvalidInput(_("choose a file to import: an .xlsx workbook, .csv files or a .zip of them"), field="file")
    size = sum(len(content) for _, content in files)
    if size > MAX_FILE_BYTES:
        raise InvalidInput(
            _(
                "the file is %(size)s; the limit is %(limit)s: split it",
                size=size_words(size),
                limit=size_words(MAX_FILE_BYTES),
            ),
            field="file",
        )
    async with write_transaction(ImportJob._meta.db):
        row = (
            await ImportJob.insert(
                ImportJob(
                    created_by=user.person_id,
                    filenames=[name for name, _ in files],
                    content=pack(files),
                    size_bytes=size,
                    status="checking",
                    stage="waiting",
                    heartbeat_at=_now(),
                )
            )
        )[0]
        job_id = int(row["id"])
        await audit(user.person_id, "import.uploaded", "import", job_id, files=[name for name, _ in files], size=size)
    _start(job_id, dry_run=True, actor=user, base_url=base_url)
    return await get_job(user, job_id)


async def confirm(user: SignedIn, job_id: int, *, base_url: str) -> JobOut:
    """Import a checked upload whose preview showed no problem."""
    _require_coordinator(user)
    async with write_transaction(ImportJob._meta.db):
        row = await locked(
            ImportJob.select(ImportJob.status, ImportJob.report).output(load_json=True).where(ImportJob.id == job_id)
        ).first()
        if row is None:
            raise NotFound(_("no import %(id)d", id=job_id), field="job_id")
        if row["status"] != "checked":
            raise Conflict(
                _("only a checked upload can be imported; this one is %(status)s", status=row["status"]), field="status"
            )
        if row["report"] and row["report"]["problems"]:
            raise Conflict(_("the preview shows problems: correct the file and upload it again"), field="status")
        await ImportJob.update(
            {ImportJob.status: "importing", ImportJob.stage: "waiting", ImportJob.heartbeat_at: _now()}
        ).where(ImportJob.id == job_id)
    _start(job_id, dry_run=False, actor=user, base_url=base_url)
    return await get_job(user, job_id)


async def discard(user: SignedIn, job_id: int) -> JobOut:
    """Drop a checked upload without importing it (the file is deleted)."""
    _require_coordinator(user)
    async with write_transaction(ImportJob._meta.db):
        updated = (
            await ImportJob.update(
                {ImportJob.status: "discarded", ImportJob.content: b"", ImportJob.finished_at: _now()}
            )
            .where((ImportJob.id == job_id) & ImportJob.status.is_in(["checked", "failed"]))
            .returning(ImportJob.id)
        )
        if not updated:
            row = await _job_row(job_id)
            raise Conflict(
                _("only a checked upload can be discarded; this one is %(status)s", status=row["status"]),
                field="status",
            )
        await audit(user.person_id, "import.discarded", "import", job_id)
    return await get_job(user, job_id)


def _start(job_id: int, *, dry_run: bool, actor: SignedIn, base_url: str) -> None:
    progress = Progress()
    _running[job_id] = progress
    task = asyncio.get_running_loop().create_task(
        _run_job(job_id, progress, dry_run=dry_run, actor=actor, base_url=base_url)
    )
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _run_job(job_id: int, progress: Progress, *, dry_run: bool, actor: SignedIn, base_url: str) -> None:
    """Check or import a job's files in the background, keeping its progress in the database as it goes."""
    sqlite = isinstance(ImportJob._meta.db, SQLiteEngine)
    in_transaction = False

    def writing(now: bool) -> None:
        nonlocal in_transaction
        in_transaction = now

    async def report_progress() -> None:
        while True:
            await asyncio.sleep(PROGRESS_SECONDS)
            if sqlite and in_transaction:
                continue  # the import holds SQLite's write lock: this process's memory has the progress
            await ImportJob.update(
                {
                    ImportJob.stage: progress.stage,
                    ImportJob.done: progress.done,
                    ImportJob.total: progress.total,
                    ImportJob.heartbeat_at: _now(),
                }
            ).where(ImportJob.id == job_id)

    reporter = asyncio.get_running_loop().create_task(report_progress())
    started = time.monotonic()
    try:
        row = await ImportJob.select(ImportJob.content).where(ImportJob.id == job_id).first()
        assert row is not None
        files = unpack(bytes(row["content"]))
        report = await run_import(
            files,
            dry_run=dry_run,
            actor_id=actor.person_id,
            ran_by=actor.name,
            base_url=base_url,
            job_id=job_id,
            progress=progress,
            writing=writing,
        )
        reporter.cancel()
        import msgspec

        status = ("checked" if dry_run else "imported") if not report.problems else "checked"
        values: dict[Any, Any] = {
            ImportJob.status: status,
            ImportJob.report: msgspec.to_builtins(report),
            ImportJob.stage: "done",
            ImportJob.heartbeat_at: _now(),
        }
        if not dry_run:
            values[ImportJob.finished_at] = _now()
            if report.imported:
                values[ImportJob.content] = b""
        await ImportJob.update(values).where(ImportJob.id == job_id)
        log.info("import.job_done", job=job_id, dry_run=dry_run, seconds=round(time.monotonic() - started, 1))
    except asyncio.CancelledError:
        reporter.cancel()
        await ImportJob.update(
            {
                ImportJob.status: "failed",
                ImportJob.error: SERVER_STOPPED,
                ImportJob.finished_at: _now(),
            }
        ).where(ImportJob.id == job_id)
        raise
    except Exception:
        reporter.cancel()
        log.exception("import.job_failed", job=job_id)
        await ImportJob.update(
            {
                ImportJob.status: "failed",
                ImportJob.error: IMPORT_FAILED,
                ImportJob.finished_at: _now(),
            }
        ).where(ImportJob.id == job_id)
    finally:
        _running.pop(job_id, None)


async def wait_for_jobs() -> None:
    """Let the background checks and imports of this process finish (tests, and the app's shutdown)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


async def stop_jobs() -> None:
    """At shutdown: stop this process's background checks and imports (an import's transaction rolls back)."""
    for task in list(_tasks):
        task.cancel()
    await wait_for_jobs()
