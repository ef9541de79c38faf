"""End-to-end fixtures: the real server in a subprocess, headless Chromium driven by Playwright, axe-core.

The server (``python -m giveback serve``) runs on a free loopback port against the test database that
``tests/conftest.py`` migrated, with the file mail backend (tests read the ``.eml`` files) and the embedded
solver worker. Every journey is one test; ``tests/conftest.py`` deletes the rows it added afterwards. The
helpers live in ``e2e_support.py`` (server handle, actors, axe) and ``e2e_steps.py`` (sign-up, log-in, API).

These tests are marked ``e2e`` and skipped when Debian's ``/usr/bin/chromium`` or the ``playwright``
package is missing (``.ci/install-e2e.sh`` installs both, and axe-core from npm).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

HERE = Path(__file__).parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # the journeys import e2e_support and e2e_steps by name

from e2e_support import (  # noqa: E402
    AXE_LOG,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORD,
    SERVER_START_SECONDS,
    TIMINGS,
    Actor,
    LiveServer,
    missing,
)
from live_server import serving  # noqa: E402


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end journeys in headless Chromium against the real server")
    config.addinivalue_line("markers", "journey(name): the prefix of the journey's screenshots, e.g. 1-volunteer")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = missing()
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


# --- the live server -----------------------------------------------------------------------------------


COORDINATOR = ("coord@example.org", "Cora Coordinator")


@pytest.fixture(scope="package")
async def migrated_database(migrated_database: dict[str, int]) -> AsyncIterator[dict[str, int]]:
    """The migrated database plus one coordinator for every journey, made once with ``giveback user create``.

    Coordinators cannot sign up. ``clean_tables`` (tests/conftest.py) deletes what each journey adds down to
    this baseline, so the coordinator stays for the next journey; it is deleted after the last one.
    """
    from giveback.piccolo_app import APP_CONFIG

    if not missing():
        command = ["user", "create", COORDINATOR[0], "--name", COORDINATOR[1], "--role", "coordinator"]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "giveback",
            *command,
            env={**os.environ, "GIVEBACK_NEW_PASSWORD": PASSWORD},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        # Coordinators need two-factor log-in: the journeys' coordinator has an authenticator the steps read.
        from helpers import give_two_factor

        from giveback.accounts.tables import Person

        person = await Person.select(Person.id).where(Person.email == COORDINATOR[0]).first()
        await give_two_factor(int(person["id"]), COORDINATOR[0])
    baseline = {}
    for table in APP_CONFIG.table_classes:
        key = table._meta.primary_key
        row = await table.select(key).order_by(key, ascending=False).first()
        baseline[table._meta.tablename] = row[key._meta.name] if row else 0
    yield baseline
    for table in reversed(APP_CONFIG.table_classes):
        await table.delete().where(table._meta.primary_key > migrated_database[table._meta.tablename])


@pytest.fixture(scope="package")
def live_server(migrated_database: dict[str, int]) -> Iterator[LiveServer]:
    """``python -m giveback serve`` on a free loopback port, against the migrated test database."""
    if missing():
        pytest.skip(missing())
    with serving(
        workers=1, embedded_worker=True, start_seconds=SERVER_START_SECONDS, prefix="giveback-e2e-"
    ) as started:
        yield LiveServer(
            url=started.url, mail_dir=started.folder / "mail", env=started.env, log=started.folder / "server.log"
        )


@pytest.fixture(autouse=True)
def empty_mailbox(live_server: LiveServer) -> None:
    """Each journey starts with no mail, so it never reads a link meant for an earlier one."""
    for message in live_server.mail_dir.glob("*.eml"):
        message.unlink()


# --- the browser ---------------------------------------------------------------------------------------


@pytest.fixture(scope="package")
async def browser(live_server: LiveServer) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        await launched.close()


@pytest.fixture
async def actors(
    browser: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> AsyncIterator[Callable[..., Awaitable[Actor]]]:
    """Make actors (fresh browser contexts); at the end, fail on any console error any of them saw."""
    made: list[Actor] = []
    marker = request.node.get_closest_marker("journey")
    journey = marker.args[0] if marker else request.node.name.removeprefix("test_")

    async def make(
        name: str, *, width: int = 1280, height: int = 900, timezone_id: str = "Europe/Vienna", locale: str = "en-GB"
    ) -> Actor:
        context = await browser.new_context(
            viewport={"width": width, "height": height},
            timezone_id=timezone_id,
            locale=locale,
            reduced_motion="reduce",
        )
        context.set_default_timeout(10_000)
        page = await context.new_page()
        actor = Actor(name=name, page=page, context=context, journey=journey, base_url=live_server.url)

        documents: set[str] = set()

        def on_response(response: Any) -> None:
            if response.request.is_navigation_request():
                documents.add(response.url)

        def on_console(message: Any) -> None:
            if message.type != "error":
                return
            source = (message.location or {}).get("url", "")
            # Chromium asks every site for /favicon.ico; the layout names no icon (reported to the lead).
            if source.endswith("/favicon.ico"):
                return
            # A form re-rendered with its messages answers 4xx: the journeys assert those pages themselves.
            if message.text.startswith("Failed to load resource") and source in documents:
                return
            actor.console_errors.append(f"{message.text} ({source or page.url})")

        page.on("response", on_response)

        page.on("console", on_console)
        page.on("pageerror", lambda error: actor.console_errors.append(f"page error: {error} ({page.url})"))
        made.append(actor)
        return actor

    yield make
    errors = [f"{actor.name}: {error}" for actor in made for error in actor.console_errors]
    for actor in made:
        await actor.context.close()
    assert not errors, "console errors:\n" + "\n".join(errors)


@pytest.fixture
async def api(live_server: LiveServer) -> AsyncIterator[Callable[[], httpx.AsyncClient]]:
    """Make httpx clients against the live server (each its own cookies), closed at the end."""
    clients: list[httpx.AsyncClient] = []

    def make() -> httpx.AsyncClient:
        clients.append(httpx.AsyncClient(base_url=live_server.url, timeout=30))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """With GIVEBACK_E2E_REPORT=1: time spent on screenshots and axe, and the minor axe findings by rule."""
    if not TIMINGS or not os.environ.get("GIVEBACK_E2E_REPORT"):
        return
    shots = sum(t[1] for t in TIMINGS)
    axe = sum(t[2] for t in TIMINGS)
    terminalreporter.write_line(f"e2e: {len(TIMINGS)} pages checked; screenshots {shots:.1f}s, axe {axe:.1f}s")
    findings: dict[str, set[str]] = {}
    for where, violations in AXE_LOG:
        for v in violations:
            findings.setdefault(f"[{v.get('impact')}] {v['id']}", set()).add(where)
    for rule, pages in sorted(findings.items()):
        terminalreporter.write_line(f"axe {rule}: {', '.join(sorted(pages))}")
