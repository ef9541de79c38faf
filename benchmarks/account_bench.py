"""What an attacker gets from the account endpoints without a session: timing, lock-outs and e-mails (issue 15).

Run by hand (not a test; it asserts nothing, it prints what it measured):

    .venv/bin/python benchmarks/account_bench.py                        # SQLite in a temporary folder
    .venv/bin/python benchmarks/account_bench.py --database postgresql  # a fresh database on 127.0.0.1:5432
    .venv/bin/python benchmarks/account_bench.py --samples 60

The app runs in-process (httpx's ASGI transport, which also sets each request's client address), with the file
mail backend. It measures:

- item 10: the answer time of "reset my password" and of sign-up for an address with an account and for one
  without (interleaved, medians and the ratio; the e-mail limits are cleared between samples so that every answer
  is a 202);
- item 4: an attacker's wrong passwords against an admin from one address, then the owner's log-in from another
  address and from the attacker's address with the owner's trusted-device cookie;
- item 11: how many reset e-mails 100 requests from 100 addresses make for one address, and how many requests one
  client gets through for 100 different addresses.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

PASSWORD = "an unusual benchmark passphrase"  # noqa: S105


async def main(database: str, samples: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="giveback-account-bench-"))
    name = f"giveback_bench_{secrets.token_hex(4)}"
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    if database == "postgresql":
        connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await connection.execute(f'CREATE DATABASE "{name}"')
        await connection.close()
        url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    os.environ.update(
        {
            "GIVEBACK_DATABASE_URL": url,
            "GIVEBACK_ENV": "test",
            "GIVEBACK_EMBEDDED_WORKER": "false",
            "GIVEBACK_MAIL_BACKEND": "file",
            "GIVEBACK_MAIL_DIR": str(folder / "mail"),
            "GIVEBACK_BASE_URL": "http://bench.local",
            "GIVEBACK_LOG_LEVEL": "WARNING",
        }
    )
    from giveback.accounts.tables import MailRequest, RoleGrant
    from giveback.app import create_app
    from giveback.db.connection import bind_tables
    from giveback.db.engine import engine_for, open_pool
    from giveback.db.migrations import upgrade
    from giveback.settings import Settings

    if database == "sqlite":
        from giveback.db.engine import enable_sqlite_wal

        enable_sqlite_wal(str(folder / "bench.sqlite3"))
    engine = engine_for(url)
    bind_tables(engine)
    await open_pool(engine)
    await upgrade()
    app = create_app(Settings.from_env())

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://bench.local")

    async with app.lifespan():
        from giveback.accounts.schemas import SignUp
        from giveback.accounts.services import create_confirmed_person

        admin = await create_confirmed_person(
            SignUp(email="admin@bench.local", name="Bench Admin", password=PASSWORD), ["admin"]
        )
        await RoleGrant.delete().where(RoleGrant.person == admin)  # no second factor needed for the timing runs
        await RoleGrant.insert(RoleGrant(person=admin, role="volunteer"))

        async def timed(path: str, body: dict[str, object], address: str) -> float:
            await MailRequest.delete(force=True)
            async with client(address) as c:
                started = time.perf_counter()
                answer = await c.post(path, json=body)
                elapsed = time.perf_counter() - started
            assert answer.status_code == 202, answer.text
            return elapsed * 1000

        print(f"database: {database}; {samples} samples each, interleaved")
        for label, path, body_of in (
            ("password reset", "/api/auth/password-reset", lambda email: {"email": email}),
            (
                "sign-up",
                "/api/auth/signup",
                lambda email: {"email": email, "name": "Someone", "password": PASSWORD},
            ),
        ):
            known, unknown = [], []
            for n in range(samples):
                known.append(await timed(path, body_of("admin@bench.local"), f"198.51.100.{n % 250}"))
                unknown.append(await timed(path, body_of(f"nobody{n}@bench.local"), f"198.51.100.{n % 250}"))
            k, u = statistics.median(known), statistics.median(unknown)
            print(
                f"item 10 {label:<15} with an account {k:7.1f} ms   without {u:7.1f} ms   ratio {k / u:5.2f}"
                f"   (p90 {statistics.quantiles(known, n=10)[-1]:.1f} / {statistics.quantiles(unknown, n=10)[-1]:.1f})"
            )

        attacker = client("203.0.113.9")
        statuses = [
            (
                await attacker.post("/api/auth/login", json={"email": "admin@bench.local", "password": "wrong!"})
            ).status_code
            for _ in range(50)
        ]
        print(f"item 4  50 wrong passwords from one address: {statuses.count(401)}x 401, {statuses.count(429)}x 429")
        owner = client("192.0.2.44")
        started = time.perf_counter()
        answer = await owner.post("/api/auth/login", json={"email": "admin@bench.local", "password": PASSWORD})
        took = (time.perf_counter() - started) * 1000
        print(f"item 4  the owner from another address: {answer.status_code} in {took:.0f} ms")
        same = client("203.0.113.9")
        same.cookies.set("giveback_device", owner.cookies["giveback_device"], domain="bench.local")
        answer = await same.post("/api/auth/login", json={"email": "admin@bench.local", "password": PASSWORD})
        print(f"item 4  the owner from the attacker's address, with their device cookie: {answer.status_code}")
        fresh = await client("203.0.113.9").post(
            "/api/auth/login", json={"email": "admin@bench.local", "password": PASSWORD}
        )
        print(f"item 4  a fresh browser at the attacker's address: {fresh.status_code} (indistinguishable from it)")

        await MailRequest.delete(force=True)
        mails_before = len(list((folder / "mail").glob("*.eml")))
        answers = []
        for n in range(100):
            async with client(f"198.51.100.{n + 1}") as c:
                answers.append(
                    (await c.post("/api/auth/password-reset", json={"email": "admin@bench.local"})).status_code
                )
        mails = len(list((folder / "mail").glob("*.eml"))) - mails_before
        print(f"item 11 100 resets for one address from 100 addresses: {answers.count(202)} accepted, {mails} e-mails")
        one = client("203.0.113.200")
        answers = [
            (await one.post("/api/auth/password-reset", json={"email": f"x{n}@bench.local"})).status_code
            for n in range(100)
        ]
        print(
            f"item 11 one client asking for 100 addresses: {answers.count(202)} accepted, {answers.count(429)} refused"
        )
    if database == "postgresql":
        from giveback.db.engine import close_pool

        await close_pool(engine)
        connection = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--samples", type=int, default=40)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.database, arguments.samples)))
