"""``GIVEBACK_LOG_FORMAT=json``: every line the served platform writes is one JSON object, whichever library wrote
it, with the request id of its request; no feed token, API token or e-mail address appears in any of them."""

from __future__ import annotations

import json
import secrets
import time

import httpx
from live_server import serving

PASSWORD = "correct horse battery staple"


def test_the_served_log_is_json_lines_with_request_ids_and_no_secret_or_address() -> None:
    feed_token = secrets.token_urlsafe(32)
    api_token = "gb_" + secrets.token_urlsafe(32)
    address = f"ines.{secrets.token_hex(4)}@example.org"
    environment = {"GIVEBACK_LOG_FORMAT": "json"}
    with serving(
        workers=1,
        embedded_worker=False,
        start_seconds=60,
        prefix="giveback-json-",
        log_level="INFO",
        environment=environment,
    ) as up:
        with httpx.Client(base_url=up.url, timeout=10) as client:
            feed = client.get(f"/feeds/{feed_token}.ics")
            refused = client.get("/api/me", headers={"Authorization": f"Bearer {api_token}"})
            signed_up = client.post(
                "/api/auth/signup", json={"email": address, "name": "Inês Araújo", "password": PASSWORD}
            )
        assert (feed.status_code, refused.status_code, signed_up.status_code) == (404, 401, 202)
        time.sleep(0.5)  # the access lines and the mail line are written right after the answers
        log = (up.folder / "server.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line parses
    assert lines and all({"event", "level", "timestamp"} <= set(line) for line in lines), log
    assert feed_token not in log and api_token not in log and address not in log, log
    access = {line.get("request_id"): line for line in lines if line["event"] == "http.request"}
    assert refused.headers["x-request-id"] in access, log
    assert access[refused.headers["x-request-id"]]["status"] == 401
    assert access[refused.headers["x-request-id"]]["path"] == "/api/me"
    assert access[feed.headers["x-request-id"]]["status"] == 404
    mail = next(line for line in lines if line["event"] == "mail.written")
    assert mail["to"] == "[address]@example.org" and mail["request_id"] == signed_up.headers["x-request-id"]
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)  # uvicorn's own lines, as JSON
