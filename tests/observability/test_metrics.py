"""``GET /metrics`` (Prometheus) and request ids, as an operator's scraper and log reader meet them."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta

import httpx
import msgspec
import pytest
from helpers import member
from live_server import serving

from giveback.calendars.tables import CalendarImport
from giveback.mail.tables import OutboxMessage
from giveback.rounds.tables import MatchRound, SolverRun
from giveback.settings import Settings

TOKEN = "scraper-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value from the exposition text (labels in any order)."""
    for line in text.splitlines():
        if not line.startswith(name + ("{" if labels else " ")):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if labels else {}
        if found == labels or (labels and labels.items() <= found.items() and len(found) == len(labels)):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no sample {name}{labels} in:\n{text}")


@pytest.fixture
def with_token(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, metrics_token=TOKEN)


async def test_metrics_are_off_without_a_token_setting(client: httpx.AsyncClient) -> None:
    assert (await client.get("/metrics", headers=AUTH)).status_code == 404


async def test_metrics_need_the_token(client_with, with_token: Settings) -> None:
    client = await client_with(with_token)
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert TOKEN not in wrong.text
    right = await client.get("/metrics", headers=AUTH)
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain")


async def test_requests_runs_outbox_and_imports_are_counted(client_with, with_token: Settings, inbox) -> None:
    def answered(text: str) -> float:
        try:
            return value(text, "giveback_http_requests_total", method="GET", route="/organizations", status="200")
        except AssertionError:
            return 0.0  # no such request yet in this process

    def timed(text: str) -> float:
        try:
            return value(text, "giveback_http_request_duration_seconds_count", method="GET", route="/organizations")
        except AssertionError:
            return 0.0

    client = await client_with(with_token)
    before = (await client.get("/metrics", headers=AUTH)).text  # the counts are the process's, since its start
    for _ in range(3):
        assert (await client.get("/organizations/")).status_code == 200
    assert (await client.get("/feeds/a-secret-feed-token.ics")).status_code == 404
    person = await member(client, inbox, "scraped@example.org", ["volunteer"])

    round_row = await MatchRound.insert(
        MatchRound(name="Spring", period_start=date(2031, 3, 1), period_end=date(2031, 5, 31))
    )
    round_id = round_row[0]["id"]
    await SolverRun.insert(
        SolverRun(round=round_id, status="queued", input_hash="a"),
        SolverRun(round=round_id, status="queued", input_hash="b"),
        SolverRun(round=round_id, status="failed", input_hash="c"),
    )
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    await OutboxMessage.update({OutboxMessage.status: "sent"}).where(OutboxMessage.status != "sent")
    await OutboxMessage.insert(
        OutboxMessage(message_id="<m1@x>", recipient="a@x.org", subject="s", content="c", created_at=an_hour_ago),
        OutboxMessage(message_id="<m2@x>", recipient="b@x.org", subject="s", content="c", status="failed"),
    )
    await CalendarImport.insert(CalendarImport(person=person, error="the calendar server answered 500"))

    text = (await client.get("/metrics", headers=AUTH)).text
    assert answered(text) - answered(before) == 3
    assert timed(text) - timed(before) == 3
    assert "a-secret-feed-token" not in text  # routes are templates, never the path
    assert value(text, "giveback_solver_runs", state="queued") == 2
    assert value(text, "giveback_solver_runs", state="failed") == 1
    assert value(text, "giveback_solver_runs", state="running") == 0
    assert value(text, "giveback_outbox_messages", state="pending") == 1
    assert value(text, "giveback_outbox_messages", state="failed") == 1
    assert 3500 < value(text, "giveback_outbox_oldest_unsent_age_seconds") < 3700
    assert value(text, "giveback_calendar_imports_failing") == 1


async def test_every_answer_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/")
    second = await client.get("/organizations/")
    assert re.fullmatch(r"[0-9a-f]{16}", first.headers["x-request-id"])
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    kept = await client.get("/", headers={"X-Request-ID": "caddy-7f3a9c1e"})
    assert kept.headers["x-request-id"] == "caddy-7f3a9c1e"
    forged = await client.get("/", headers={"X-Request-ID": "x\r\nSet-Cookie: a=b"})
    assert re.fullmatch(r"[0-9a-f]{16}", forged.headers["x-request-id"])


async def test_any_server_process_answers_with_the_counts_of_all(migrated_database) -> None:
    with serving(
        workers=2,
        embedded_worker=False,
        start_seconds=90,
        prefix="giveback-metrics-",
        environment={"GIVEBACK_METRICS_TOKEN": TOKEN},
    ) as server:

        async def one() -> None:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as fresh:  # a new connection each
                assert (await fresh.get("/api/topics")).status_code == 200

        for _ in range(4):
            await asyncio.gather(*(one() for _ in range(10)))
        for _ in range(6):
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as scraper:
                text = (await scraper.get("/metrics", headers=AUTH)).text
            assert value(text, "giveback_http_requests_total", method="GET", route="/api/topics", status="200") == 40
