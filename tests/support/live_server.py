"""A real ``python -m giveback serve`` on a free loopback port, against the suite's database, for the tests that
need the server as users meet it (the browser journeys, several worker processes)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Started:
    url: str
    port: int
    pid: int  # the server's first process; its workers share its process group
    folder: Path  # the server's working folder: mail/ (the file mail backend) and server.log
    env: dict[str, str]


@contextmanager
def serving(
    *,
    workers: int,
    embedded_worker: bool,
    start_seconds: float,
    prefix: str,
    environment: Mapping[str, str | None] | None = None,
    log_level: str = "WARNING",
) -> Iterator[Started]:
    """Start the server with the file mail backend, wait for ``/health``, and stop its process group after.
    ``environment`` sets further variables (``None`` removes one). Its output goes to ``server.log`` in its
    folder (at ``INFO`` it has one access line per request)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,  # GIVEBACK_DATABASE_URL: the suite's database (tests/conftest.py)
        "GIVEBACK_BASE_URL": url,
        "GIVEBACK_MAIL_BACKEND": "file",
        "GIVEBACK_MAIL_DIR": str(folder / "mail"),
        "GIVEBACK_EMBEDDED_WORKER": "true" if embedded_worker else "false",
        "GIVEBACK_LOG_LEVEL": log_level,
    }
    for name, value in (environment or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "giveback", "serve"),
                *("--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)),
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=folder,
            start_new_session=True,  # its own process group, so its workers stop with it
        )
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server stopped at start-up:\n{log.read_text()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer within {start_seconds:.0f}s:\n{log.read_text()}")
            time.sleep(0.2)
        yield Started(url=url, port=port, pid=process.pid, folder=folder, env=env)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
