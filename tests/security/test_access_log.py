"""Item 3: the access log of ``giveback serve`` (which docker/entrypoint.sh runs) shows no secret: feed tokens,
invite links, confirmation and reset tokens appear as ``[secret]``."""

from __future__ import annotations

import secrets
import time

import httpx
from live_server import serving

from giveback.logs import redact


def test_the_served_access_log_shows_no_secret_address() -> None:
    token = secrets.token_urlsafe(32)
    paths = [
        f"/feeds/{token}.ics",
        f"/invites/{token}.signed-part_{token[:10]}",
        f"/api/invites/{token}",
        f"/confirm?token={token}",
        f"/reset-password?token={token}&next=/trips/",
    ]
    with serving(workers=1, embedded_worker=False, start_seconds=60, prefix="giveback-log-", log_level="INFO") as up:
        for path in paths:
            assert httpx.get(up.url + path, timeout=10).status_code in (200, 404), path
        time.sleep(0.3)  # the access line is written right after the answer
        log = (up.folder / "server.log").read_text()
    assert token not in log and token[:16] not in log
    # The feeds are a mounted ASGI app: Litestar hands it the path below the mount, which is what uvicorn logs.
    assert '"GET /[secret]/ HTTP/1.1" 404 Not Found' in log or '"GET /feeds/[secret].ics HTTP/1.1" 404' in log, log
    for shown in (
        '"GET /invites/[secret] HTTP/1.1" 404 Not Found',
        '"GET /api/invites/[secret] HTTP/1.1" 404 Not Found',
        '"GET /confirm?token=[secret] HTTP/1.1" 200 OK',
        '"GET /reset-password?token=[secret]&next=/trips/ HTTP/1.1" 200 OK',
    ):
        assert shown in log, log


def test_logged_server_errors_redact_the_path_too() -> None:
    assert redact("/feeds/abcdefghijklmnopqrstuvwxyz0123456789.ics") == "/feeds/[secret].ics"
    assert redact("/trips/12/reports/volunteer") == "/trips/12/reports/volunteer"
    assert redact("/volunteers/vol-7?page=2") == "/volunteers/vol-7?page=2"
