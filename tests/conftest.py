"""Test fixtures shared by every level: a migrated database of the kind the environment names.

Set ``GIVEBACK_TEST_DATABASE_URL=postgresql://user@host:port/postgres`` to run on PostgreSQL: a fresh
database is created on that server for the run and dropped at the end. Without it the suite runs on
a SQLite file in a temporary folder.

Every test outside ``tests/unit`` gets that database, cleaned after it (``platform``). The pure rules in
``tests/unit`` (the solver, the mapping, the lifecycle's table, the booked rule) get no database, no SMTP
server and no cleaning: a run of only those opens neither.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import msgspec
import pytest
from aiosmtpd.controller import Controller as SMTPController
from aiosmtpd.smtp import Envelope

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
os.environ["GIVEBACK_EMBEDDED_WORKER"] = "false"
os.environ["GIVEBACK_MAIL_DIR"] = str(_TEMP / "mail")
os.environ.setdefault("GIVEBACK_BASE_URL", "http://testserver.local")
os.environ["PICCOLO_CONF"] = "giveback.piccolo_conf"

from litestar import Litestar  # noqa: E402

from giveback.app import create_app  # noqa: E402
from giveback.db.connection import bind_tables  # noqa: E402
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


class Inbox:
    """Every message the real SMTP server on loopback received, newest last."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        message = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def last_to(self, address: str) -> EmailMessage:
        for message in reversed(self.messages):
            if message["To"] == address:
                return message
        raise AssertionError(f"no message to {address}; got {[m['To'] for m in self.messages]}")

    def link_to(self, address: str, path: str) -> str:
        """The path and query of the first link to ``path`` in the newest message to the address."""
        body = self.last_to(address).get_body(preferencelist=("plain",))
        assert body is not None
        match = re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]*)", body.get_content())
        assert match, f"no link to {path} in the message"
        return match.group(1)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = SMTPController(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    smtp_server[0].messages.clear()
    return smtp_server[0]


@pytest.fixture(scope="session")
def settings(smtp_server: tuple[Inbox, int]) -> Settings:
    return msgspec.structs.replace(
        Settings.from_env(), mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=smtp_server[1]
    )


@pytest.fixture(scope="session")
async def migrated_database(settings: Settings) -> AsyncIterator[dict[str, int]]:
    """Create (on PostgreSQL) and migrate the run's database; yield each table's last seeded id."""
    if _SERVER_URL:
        await _admin(f'CREATE DATABASE "{_TEST_DB_NAME}"')
    engine = engine_for(settings.database_url)
    bind_tables(engine)
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


UNIT_TESTS = Path(__file__).parent / "unit"


@pytest.fixture(autouse=True)
def platform(request: pytest.FixtureRequest) -> None:
    """The migrated database for every test of the platform (not for the pure rules in ``tests/unit``)."""
    if UNIT_TESTS not in request.node.path.parents:
        request.getfixturevalue("clean_tables")


@pytest.fixture
async def clean_tables(migrated_database: dict[str, int]) -> AsyncIterator[None]:
    """After each test, delete every row the test added, so tests never see each other's data."""
    yield
    for table in reversed(APP_CONFIG.table_classes):
        last_seeded = migrated_database[table._meta.tablename]
        await table.delete().where(table._meta.primary_key > last_seeded)


@pytest.fixture
def app(settings: Settings, inbox: Inbox) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def running_app(app: Litestar) -> AsyncIterator[Litestar]:
    async with running(app):
        yield app


def client_for(app: Litestar, base_url: str = "http://testserver.local", **transport: object) -> httpx.AsyncClient:
    """An HTTP client calling the app in the test's own event loop (the database pool lives there)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, **transport), base_url=base_url)  # type: ignore[arg-type]


@pytest.fixture
async def client_from(running_app: Litestar) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """Make clients that call from a given address (``client_from("203.0.113.9")``), closed at the end."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        clients.append(client_for(running_app, client=(address, 40000)))
        return clients[-1]

    yield make
    for made in clients:
        await made.aclose()


@pytest.fixture
async def client_with(settings: Settings, inbox: Inbox) -> AsyncIterator[Callable[..., Awaitable[httpx.AsyncClient]]]:
    """Run another app with some settings changed (e.g. an https base URL), or from other settings altogether, and
    get a client calling it at its base URL; both end with the test."""
    async with AsyncExitStack() as stack:

        async def make(custom: Settings | None = None, **changes: object) -> httpx.AsyncClient:
            changed = msgspec.structs.replace(custom or settings, **changes)
            app = create_app(changed)
            await stack.enter_async_context(running(app))
            return await stack.enter_async_context(client_for(app, changed.base_url))

        yield make


@pytest.fixture
async def client(running_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(running_app) as client:
        yield client


@pytest.fixture
async def new_client(running_app: Litestar) -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    """Make further independent clients (each with its own cookies), closed at the end of the test."""
    clients: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        clients.append(client_for(running_app))
        return clients[-1]

    yield make
    for made in clients:
        await made.aclose()


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
