"""Load benchmark: the platform's pages and feeds against a bare Litestar endpoint, on loopback.

Run by hand (not a test; it asserts nothing, it prints a table):

    .venv/bin/python benchmarks/load_bench.py                       # SQLite
    .venv/bin/python benchmarks/load_bench.py --database postgresql  # a fresh database on the server below
    .venv/bin/python benchmarks/load_bench.py --duration 5 --connections 50 --workers 2

It prepares a database with the demo data (`giveback demo --no-serve`), starts `giveback serve --workers N`
and a one-handler "hello" Litestar app (``bare_app`` below) the same way (uvicorn, N workers, 127.0.0.1), logs
the demo volunteer in, makes a personal calendar feed, and drives every target with wrk (Debian package
``wrk``) for a bounded time. Without wrk it falls back to a small httpx load generator and says so.

The machine is noisy: the ratio to the bare endpoint, measured right before each target in the same run, is the
figure to read.
Goals (reported, not asserted): every page >= 20 % of the bare endpoint's throughput with p99 <= 100 ms; the
personal feed >= 80 % and its 304 answer >= 90 %, each p99 <= 50 ms; at 50 concurrent connections.

Before the servers start it adds a match round with about 200 proposals (``big_round.py``) for the round page.
Each target is driven for two seconds before its measured window (not counted), so that every server process
has built the page once: the window measures the steady state of a page viewed again and again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyotp
from litestar import Litestar, get

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DEMO_VOLUNTEER = "volunteer@giveback.demo"
DEMO_COORDINATOR = "coordinator@giveback.demo"
DEMO_PASSWORD = "giveback-demo-password"  # noqa: S105 (the demo's published password)
DEFAULT_POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


# ---------------------------------------------------------------------------------------------------- bare app


@get("/", sync_to_thread=False)
def hello() -> str:
    return "hello"


def bare_app() -> Litestar:
    """The baseline: Litestar with one handler, served exactly like the platform."""
    return Litestar(route_handlers=[hello], debug=False)


# ---------------------------------------------------------------------------------------------------- targets


@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    kind: str = "page"  # page | feed | feed-304 | bare


@dataclass
class Result:
    target: Target
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    bare_requests_per_second: float = 0.0  # the bare endpoint, measured right before this target
    bare_p99_ms: float = 0.0


# ---------------------------------------------------------------------------------------------------- servers


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {url} stopped (exit {process.returncode}); see its output above")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


@contextlib.contextmanager
def serving(args: list[str], environment: dict[str, str], ready_url: str) -> Iterator[None]:
    process = subprocess.Popen(args, cwd=ROOT, env=environment, start_new_session=True)  # noqa: S603
    try:
        wait_until_up(ready_url, process)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


@contextlib.contextmanager
def prepared_database(kind: str, server_url: str, folder: Path) -> Iterator[str]:
    """A database URL loaded with the demo data; a PostgreSQL database is created for the run and dropped."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import asyncpg

    name = f"giveback_bench_{secrets.token_hex(4)}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def giveback_environment(database_url: str, base_url: str, folder: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GIVEBACK_")}
    environment.update(
        GIVEBACK_DATABASE_URL=database_url,
        GIVEBACK_BASE_URL=base_url,
        GIVEBACK_ENV="production",
        GIVEBACK_SECRET_KEY=secrets.token_urlsafe(48),
        GIVEBACK_EMBEDDED_WORKER="false",
        GIVEBACK_MAIL_BACKEND="file",
        GIVEBACK_MAIL_DIR=str(folder / "mail"),
        GIVEBACK_LOG_LEVEL="WARNING",
    )
    return environment


# ---------------------------------------------------------------------------------------------------- sessions


def log_in(base_url: str, email: str = DEMO_VOLUNTEER) -> tuple[str, str]:
    """A demo person's session cookie value and CSRF token."""
    answer = httpx.post(f"{base_url}/api/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=30)
    answer.raise_for_status()
    cookie = answer.cookies.get("giveback_session")
    if not cookie:
        raise SystemExit("log-in set no giveback_session cookie")
    if answer.json().get("withheld_roles"):
        return with_two_factor(base_url, cookie, answer.json()["csrf_token"])
    return cookie, answer.json()["csrf_token"]


def with_two_factor(base_url: str, cookie: str, csrf: str) -> tuple[str, str]:
    """Set up two-factor log-in for a demo coordinator or admin (their roles wait for it); the fresh session."""
    headers = {"Cookie": f"giveback_session={cookie}", "X-CSRF-Token": csrf}
    setup = httpx.post(f"{base_url}/api/auth/two-factor/setup", headers=headers, timeout=30)
    setup.raise_for_status()
    code = pyotp.TOTP(setup.json()["key"]).now()
    enabled = httpx.post(f"{base_url}/api/auth/two-factor/enable", json={"code": code}, headers=headers, timeout=30)
    enabled.raise_for_status()
    return enabled.cookies["giveback_session"], enabled.json()["session"]["csrf_token"]


def personal_feed(base_url: str, cookie: str, csrf: str) -> tuple[str, str] | None:
    """A new personal feed's URL and its ETag; None when the calendars feature is not there."""
    headers = {"Cookie": f"giveback_session={cookie}", "X-CSRF-Token": csrf}
    made = httpx.post(f"{base_url}/api/calendar/feeds", json={"kind": "personal"}, headers=headers, timeout=30)
    if made.status_code in (404, 405):
        return None
    made.raise_for_status()
    url = made.json()["url"]
    first = httpx.get(url, timeout=30)
    first.raise_for_status()
    etag = first.headers.get("ETag")
    if not etag:
        raise SystemExit(f"the feed {url} answered without an ETag")
    return url, etag


# ---------------------------------------------------------------------------------------------------- load


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


# Sent with every request, as browsers and calendar clients do (the bare endpoint's answer is too small to
# compress; the platform's cached pages are sent compressed).
CLIENT_HEADERS = {"Accept-Encoding": "gzip"}


def run_wrk(target: Target, *, duration: int, connections: int, threads: int) -> Result:
    args = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in {**CLIENT_HEADERS, **target.headers}.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603
        [*args, target.url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    rps_found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE))
    requests_found = re.search(r"(\d+) requests in", output)
    if not (rps_found and requests_found and {"50", "99"} <= set(latency)):
        raise SystemExit(f"cannot read wrk's report for {target.name}:\n{output}")
    rps, requests = float(rps_found.group(1)), int(requests_found.group(1))
    errors = 0
    if bad := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(bad.group(1))
    if sockets := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output):
        errors += sum(int(n) for n in sockets.groups())
    return Result(target, rps, _milliseconds(latency["50"]), _milliseconds(latency["99"]), errors, requests)


def run_httpx(target: Target, *, duration: int, connections: int, threads: int) -> Result:
    """The fallback generator: ``connections`` tasks sending requests back to back for ``duration`` seconds."""

    async def drive() -> tuple[list[float], int]:
        latencies: list[float] = []
        errors = 0
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=10, headers=target.headers) as client:
            stop = time.monotonic() + duration

            async def one() -> None:
                nonlocal errors
                while time.monotonic() < stop:
                    start = time.perf_counter()
                    try:
                        answer = await client.get(target.url)
                        if answer.status_code >= 400:
                            errors += 1
                    except httpx.HTTPError:
                        errors += 1
                    latencies.append((time.perf_counter() - start) * 1000)

            await asyncio.gather(*(one() for _ in range(connections)))
        return latencies, errors

    latencies, errors = asyncio.run(drive())
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(target, len(latencies) / duration, quantiles[49], quantiles[98], errors, len(latencies))


# ---------------------------------------------------------------------------------------------------- report


WARM_UP_SECONDS = 2

GOALS = {
    "feed": (0.80, 50.0),
    "feed-304": (0.90, 50.0),
    "page": (0.20, 100.0),
}


def verdict(result: Result, ratio: float) -> str:
    if result.target.kind not in GOALS:
        return ""
    least_ratio, most_p99 = GOALS[result.target.kind]
    wanted = []
    met = result.p99_ms <= most_p99 and result.errors == 0
    if least_ratio is not None:
        wanted.append(f">={least_ratio:.0%} bare")
        met = met and ratio >= least_ratio
    wanted.append(f"p99<={most_p99:.0f}ms")
    return f"{'met' if met else 'MISSED'} ({', '.join(wanted)})"


def table(results: list[Result]) -> str:
    header = ("target", "status", "req/s", "p50 ms", "p99 ms", "errors", "bare req/s", "bare p99", "vs bare", "goal")
    rows = [header]
    for result in results:
        bare = result.bare_requests_per_second
        ratio = result.requests_per_second / bare if bare else 0.0
        rows.append(
            (
                result.target.name,
                str(result.target.expect),
                f"{result.requests_per_second:,.0f}",
                f"{result.p50_ms:.1f}",
                f"{result.p99_ms:.1f}",
                str(result.errors),
                f"{bare:,.0f}",
                f"{result.bare_p99_ms:.1f}",
                f"{ratio:.0%}",
                verdict(result, ratio),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgres-server",
        default=os.environ.get("GIVEBACK_TEST_DATABASE_URL", DEFAULT_POSTGRES_SERVER),
        help="a PostgreSQL server URL; the benchmark creates and drops its own database there",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per target (default 10)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="server processes of each server (default 2)")
    parser.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument(
        "--only", nargs="*", default=[], help="measure only the targets whose name holds one of these words"
    )
    options = parser.parse_args()

    use_wrk = options.generator == "wrk" or (options.generator == "auto" and shutil.which("wrk"))
    if options.generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    drive = run_wrk if use_wrk else run_httpx
    if not use_wrk:
        print("wrk is not installed: using the httpx load generator (slower; it competes with the servers for CPU)")

    with tempfile.TemporaryDirectory(prefix="giveback-bench-") as temp, contextlib.ExitStack() as stack:
        folder = Path(temp)
        database_url = stack.enter_context(prepared_database(options.database, options.postgres_server, folder))
        app_port, bare_port = free_port(), free_port()
        app_url, bare_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
        environment = giveback_environment(database_url, app_url, folder)

        subprocess.run(  # noqa: S603
            [PYTHON, "-m", "giveback", "demo", "--no-serve"], cwd=ROOT, env=environment, check=True, capture_output=True
        )
        print("adding a round with about 200 proposals (one solve, up to 30 s)", flush=True)
        big_round = subprocess.run(  # noqa: S603
            [PYTHON, str(ROOT / "benchmarks" / "big_round.py")],
            cwd=ROOT,
            env=environment,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        stack.enter_context(
            serving(
                [PYTHON, "-m", "giveback", "serve", "--port", str(app_port), "--workers", str(options.workers)],
                environment,
                f"{app_url}/health",
            )
        )
        stack.enter_context(
            serving(
                [
                    PYTHON,
                    "-m",
                    "uvicorn",
                    "benchmarks.load_bench:bare_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(bare_port),
                    "--workers",
                    str(options.workers),
                    "--no-proxy-headers",
                    "--log-level",
                    "warning",
                ],
                environment,
                f"{bare_url}/",
            )
        )

        cookie, csrf = log_in(app_url)
        session = {"Cookie": f"giveback_session={cookie}"}
        coordinator = {"Cookie": f"giveback_session={log_in(app_url, DEMO_COORDINATOR)[0]}"}
        targets = [
            Target("bare hello /", f"{bare_url}/", kind="bare"),
            Target("home /", f"{app_url}/"),
            Target("organizations page", f"{app_url}/organizations/"),
            Target("GET /api/organizations", f"{app_url}/api/organizations"),
            Target("account page (signed in)", f"{app_url}/account", headers=session),
            Target("coordinator's home /", f"{app_url}/", headers=coordinator),
            Target("round page (200 proposals)", f"{app_url}/coordinator/rounds/{big_round}", headers=coordinator),
            Target("trips list (coordinator)", f"{app_url}/trips/", headers=coordinator),
        ]
        feed = personal_feed(app_url, cookie, csrf)
        if feed is None:
            print("the calendars feature is not there (/api/calendar/feeds answered 404): no feed targets")
        else:
            feed_url, etag = feed
            targets += [
                Target("personal feed .ics", feed_url, kind="feed"),
                Target("personal feed 304", feed_url, headers={"If-None-Match": etag}, expect=304, kind="feed-304"),
            ]
        bare_target, *measured = targets
        wanted = [t for t in measured if not options.only or any(word in t.name for word in options.only)]
        for target in [bare_target, *wanted]:
            answer = httpx.get(target.url, headers=target.headers, timeout=30)
            if answer.status_code != target.expect:
                raise SystemExit(f"{target.name}: {target.url} answered {answer.status_code}, not {target.expect}")

        print(
            f"database: {options.database}; servers: {options.workers} uvicorn workers each on 127.0.0.1; "
            f"load: {'wrk' if use_wrk else 'httpx'}, {options.connections} connections, "
            f"{options.threads} threads, {options.duration} s per target"
        )
        results = []
        for target in wanted:
            # The bare endpoint runs right before each target, so both see the same machine.
            load = {"duration": options.duration, "connections": options.connections, "threads": options.threads}
            bare = drive(bare_target, **load)
            # Warm up: every server process builds the page once (a round's page with 200 proposals takes
            # about a second); the measured window is the steady state, as a page is viewed again and again.
            drive(target, **{**load, "duration": WARM_UP_SECONDS})
            result = drive(target, **load)
            result.bare_requests_per_second, result.bare_p99_ms = bare.requests_per_second, bare.p99_ms
            results.append(result)
            print(
                f"  {target.name}: {result.requests_per_second:,.0f} req/s (bare {bare.requests_per_second:,.0f}),"
                f" p99 {result.p99_ms:.1f} ms",
                flush=True,
            )
        print()
        print(table(results))


if __name__ == "__main__":
    main()
