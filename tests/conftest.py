"""Test fixtures shared by every level: a migrated database of the kind the environment names.

Set ``GIVEBACK_TEST_DATABASE_URL=postgresql://user@host:port/postgres`` to run on PostgreSQL: a fresh
database is created on that server for the run and dropped at the end. Without it the suite runs on
a SQLite file in a temporary folder.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

_TEMP = Path(tempfile.mkdtemp(prefix="giveback-tests-"))
_SERVER_URL = os.environ.get("GIVEBACK_TEST_DATABASE_URL", "")
_TEST_DB_NAME = f"giveback_test_{secrets.token_hex(4)}"


def _database_url() -> str:
    if not _SERVER_URL:
        return f"sqlite:///{_TEMP / 'giveback.sqlite3'}"
    parts = urlsplit(_SERVER_URL)
    return urlunsplit(parts._replace(path=f"/{_TEST_DB_NAME}"))


os.environ["GIVEBACK_DATABASE_URL"] = _database_url()
os.environ["GIVEBACK_ENV"] = "test"
os.environ["GIVEBACK_MAIL_DIR"] = str(_TEMP / "mail")
os.environ.setdefault("GIVEBACK_BASE_URL", "http://testserver.local")
os.environ["PICCOLO_CONF"] = "giveback.piccolo_conf"

from litestar import Litestar  # noqa: E402

from giveback.app import create_app  # noqa: E402
from giveback.db.engine import close_pool, engine_for, open_pool  # noqa: E402
from giveback.db.migrations import upgrade  # noqa: E402
from giveback.piccolo_app import APP_CONFIG  # noqa: E402
from giveback.settings import Settings  # noqa: E402


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_SERVER_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def database_url() -> str:
    return os.environ["GIVEBACK_DATABASE_URL"]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session", autouse=True)
async def migrated_database(settings: Settings) -> AsyncIterator[dict[str, int]]:
    """Create (on PostgreSQL) and migrate the run's database; yield each table's last seeded id."""
    if _SERVER_URL:
        await _admin(f'CREATE DATABASE "{_TEST_DB_NAME}"')
    engine = engine_for(settings.database_url)
    for table in APP_CONFIG.table_classes:
        table._meta.db = engine
    await open_pool(engine)
    await upgrade()
    baseline = {}
    for table in APP_CONFIG.table_classes:
        row = await table.select(table._meta.primary_key).order_by(table._meta.primary_key, ascending=False).first()
        baseline[table._meta.tablename] = row[table._meta.primary_key._meta.name] if row else 0
    yield baseline
    await close_pool(engine)
    if _SERVER_URL:
        await asyncio.sleep(0)
        await _admin(f'DROP DATABASE IF EXISTS "{_TEST_DB_NAME}" WITH (FORCE)')


@pytest.fixture(autouse=True)
async def clean_tables(migrated_database: dict[str, int]) -> AsyncIterator[None]:
    """After each test, delete every row the test added, so tests never see each other's data."""
    yield
    for table in reversed(APP_CONFIG.table_classes):
        last_seeded = migrated_database[table._meta.tablename]
        await table.delete().where(table._meta.primary_key > last_seeded)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client calling the app in the test's own event loop (the database pool lives there)."""
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            yield client


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan in a task of its own.

    A fixture's set-up and tear-down may run in different tasks, and the lifespan's task group must be
    entered and left in one.
    """
    started, stop = asyncio.Event(), asyncio.Event()

    async def live() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(live())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture
def temp_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="giveback-") as folder:
        yield Path(folder)
