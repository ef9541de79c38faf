"""Which migrations a database still needs, and applying them (``giveback db upgrade``)."""

from __future__ import annotations

from typing import Any

from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine

from giveback.db.changes import ensure_change_signals
from giveback.piccolo_app import APP_CONFIG

UPGRADE_COMMAND = "giveback db upgrade"


class DatabaseNotReady(RuntimeError):
    """The database cannot be reached, or it lacks migrations; the message says which command fixes it."""


def known_migration_ids() -> list[str]:
    """Every migration shipped in the migrations folder, oldest first."""
    manager = BaseMigrationManager()
    return manager.get_migration_ids(manager.get_migration_modules(str(APP_CONFIG.migrations_folder_path)))


async def pending_migration_ids(engine: Engine[Any]) -> list[str]:
    """The shipped migrations the database has not applied yet."""
    applied: set[str] = set()
    if await Migration.table_exists().run():
        rows = await Migration.select(Migration.name).where(Migration.app_name == APP_CONFIG.app_name).run()
        applied = {row["name"] for row in rows}
    return [migration_id for migration_id in known_migration_ids() if migration_id not in applied]


async def check_ready(engine: Engine[Any]) -> None:
    """Refuse to serve a database that cannot be reached or is not fully migrated."""
    try:
        await engine.run_ddl("SELECT 1")
    except Exception as error:
        raise DatabaseNotReady(f"GIVEBACK_DATABASE_URL: cannot reach the database ({error})") from error
    pending = await pending_migration_ids(engine)
    if pending:
        raise DatabaseNotReady(
            f"the database lacks {len(pending)} migration(s) (first: {pending[0]}); run `{UPGRADE_COMMAND}`"
        )


async def upgrade() -> list[str]:
    """Apply every pending migration in order, then give every table its change trigger (``db.changes``);
    returns the ids applied."""
    from giveback.piccolo_conf import DB

    pending = await pending_migration_ids(DB)
    if pending:
        result = await run_forwards(app_name=APP_CONFIG.app_name)
        if not result.success:
            raise DatabaseNotReady(f"migration failed: {result.message}")
    await ensure_change_signals(DB)
    return pending
