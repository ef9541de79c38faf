"""Pages and API answers served again from memory: never stale after a commit, never another person's, and each
request's forms carry that request's own CSRF token."""

from __future__ import annotations

import os
import re
import sqlite3
import zlib

import asyncpg
import httpx
from helpers import log_in, member
from litestar import Litestar

from giveback.db.changes import committed_state
from giveback.organizations.tables import Organization
from giveback.piccolo_app import APP_CONFIG
from giveback.web.page_cache import TOKEN_MARK, CachedPages, _Page


def page_cache(app: Litestar) -> CachedPages:
    return next(m for m in app.middleware if isinstance(m, CachedPages))


def csrf_in(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token" value="([^"]+)"', page))


async def test_a_commit_anywhere_shows_in_the_next_answer(client: httpx.AsyncClient, running_app: Litestar) -> None:
    cache = page_cache(running_app)
    first = (await client.get("/organizations/")).text
    kept = len(cache.cache.pages)
    assert kept >= 1
    assert first == (await client.get("/organizations/")).text  # from memory
    await Organization.insert(Organization(name="Aaa Newly Founded Society", country="PT"))
    assert "Aaa Newly Founded Society" in (await client.get("/organizations/")).text
    assert "Aaa Newly Founded Society" in (await client.get("/api/organizations?search=Newly")).text


async def test_each_person_and_each_session_gets_their_own_page(client: httpx.AsyncClient, new_client, inbox) -> None:
    await member(client, inbox, "ana@example.org", ["volunteer"])
    ben_client = new_client()
    await member(ben_client, inbox, "ben@example.org", ["volunteer"])
    ana_again = new_client()
    await log_in(ana_again, "ana@example.org")
    pages = {}
    for name, who in (("ana", client), ("ben", ben_client), ("ana2", ana_again)):
        for _ in range(2):
            answer = await who.get("/account")
            assert answer.status_code == 200
            pages[name] = answer.text
    assert "ana@example.org" in pages["ana"] and "ben@example.org" not in pages["ana"]
    assert "ben@example.org" in pages["ben"] and "ana@example.org" not in pages["ben"]
    assert csrf_in(pages["ana"]) == {client.headers["X-CSRF-Token"]}
    assert csrf_in(pages["ana2"]) == {ana_again.headers["X-CSRF-Token"]}
    me = await ana_again.get("/api/me")
    assert me.json()["csrf_token"] == ana_again.headers["X-CSRF-Token"]
    assert (await client.get("/api/me")).json()["csrf_token"] == client.headers["X-CSRF-Token"]


async def test_anonymous_visitors_get_their_own_form_token(new_client) -> None:
    tokens = []
    for _ in range(2):
        visitor = new_client()
        page = (await visitor.get("/signup")).text
        again = (await visitor.get("/signup")).text  # from memory
        assert csrf_in(page) == csrf_in(again) == {visitor.cookies["giveback_csrf"]}
        tokens.append(visitor.cookies["giveback_csrf"])
    assert tokens[0] != tokens[1]


async def test_a_kept_page_goes_compressed_to_clients_that_accept_gzip(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "ana@example.org", ["coordinator"])
    plain = await client.get("/organizations/", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/organizations/", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    assert packed.text == plain.text  # httpx unpacks it
    assert csrf_in(packed.text) == {client.headers["X-CSRF-Token"]}


def test_a_page_compressed_once_carries_any_token() -> None:
    """The text around the tokens is compressed once; each visitor's token is put between the pieces."""
    page = _Page(1, [], b"<form>" + TOKEN_MARK + "é ".encode() * 5000 + TOKEN_MARK + b"</form>")
    for token in (b"a", b"k3J-" * 8, b"z" * 43):
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        assert unpacker.decompress(page.spliced(token)) == page.sent(token)
        assert unpacker.eof and not unpacker.unused_data  # one whole, valid gzip member


async def test_new_visitors_get_the_compressed_page_with_their_own_token(new_client) -> None:
    for _ in range(3):
        visitor = new_client()
        answer = await visitor.get("/organizations/", headers={"Accept-Encoding": "gzip"})
        again = await visitor.get("/organizations/", headers={"Accept-Encoding": "gzip"})
        assert again.headers.get("content-encoding") == "gzip"
        assert csrf_in(again.text) == csrf_in(answer.text) == {visitor.cookies["giveback_csrf"]}


async def test_a_commit_by_another_process_shows_and_writes_elsewhere_on_the_server_do_not_empty_the_cache(
    client: httpx.AsyncClient, running_app: Litestar, database_url: str, temp_dir
) -> None:
    """The marker moves with this database's commits, whoever makes them (here a connection of its own, as another
    process's), and with nothing else: a write to another database on the same server keeps the pages."""
    engine = running_app.state.engine
    before = await committed_state(engine)
    assert before is not None and before == await committed_state(engine)
    first = (await client.get("/organizations/")).text
    if database_url.startswith("postgresql"):
        server = os.environ["GIVEBACK_TEST_DATABASE_URL"]  # the server's own database, not the suite's
        elsewhere = await asyncpg.connect(server)
        try:
            await elsewhere.execute("CREATE TEMP TABLE scratch (n int); INSERT INTO scratch VALUES (1)")
        finally:
            await elsewhere.close()
        assert await committed_state(engine) == before
        assert await pg_trigger_count(database_url) == 2 * len(APP_CONFIG.table_classes)
        other = await asyncpg.connect(database_url)
        try:
            await other.execute("INSERT INTO organization (name, country) VALUES ('Aab Other Process Society', 'MA')")
        finally:
            await other.close()
    else:
        with sqlite3.connect(temp_dir / "elsewhere.sqlite3") as elsewhere:
            elsewhere.execute("CREATE TABLE scratch (n int)")
        assert await committed_state(engine) == before
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as other:
            other.execute("INSERT INTO organization (name, country) VALUES ('Aab Other Process Society', 'MA')")
    assert await committed_state(engine) != before
    again = (await client.get("/organizations/")).text
    assert "Aab Other Process Society" in again and "Aab Other Process Society" not in first


async def pg_trigger_count(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'giveback_changed%'"))
    finally:
        await connection.close()
