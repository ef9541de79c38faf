"""Limits that keep one request from costing too much: the request body size and the solver's time limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import helpers
import httpx

from giveback.app import REQUEST_MAX_BODY_BYTES
from giveback.rounds.tables import MatchRound
from giveback.topics.tables import Topic
from giveback.volunteers.tables import VolunteerCv

MIB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROUND = {"name": "Spring", "period_start": "2027-01-01", "period_end": "2027-06-01"}


async def test_the_body_limit_is_three_mib() -> None:
    assert REQUEST_MAX_BODY_BYTES == 3 * MIB


async def test_a_four_mib_json_body_is_refused_with_413_and_nothing_is_stored(client: httpx.AsyncClient, inbox) -> None:
    await helpers.member(client, inbox, "coord@example.org", ["coordinator"])
    topics_before = await Topic.count()
    body = {"slug": "huge", "name": "x" * (4 * MIB)}
    response = await client.post("/api/topics", json=body)
    assert response.status_code == 413, response.text
    answer = response.json()
    assert answer["field"] == "body"
    assert answer["detail"] == f"the request body is larger than the limit of {3 * MIB} bytes"
    assert await Topic.count() == topics_before


async def test_a_streamed_body_without_a_length_is_cut_off_too(client: httpx.AsyncClient, inbox) -> None:
    await helpers.member(client, inbox, "coord@example.org", ["coordinator"])
    topics_before = await Topic.count()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"slug": "huge", "name": "'
        for _ in range(4 * 16):
            yield b"x" * (MIB // 16)
        yield b'"}'

    response = await client.post("/api/topics", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413, response.text
    assert response.json()["field"] == "body"
    assert await Topic.count() == topics_before


async def test_an_anonymous_four_mib_sign_up_is_refused(client: httpx.AsyncClient) -> None:
    body = {"email": "big@example.org", "name": "x" * (4 * MIB), "password": helpers.PASSWORD, "roles": ["volunteer"]}
    response = await client.post("/api/auth/signup", json=body)
    assert response.status_code == 413, response.text


async def test_a_two_mib_cv_still_fits_under_the_body_limit(client: httpx.AsyncClient, inbox) -> None:
    await helpers.member(client, inbox, "vol@example.org", ["volunteer"])
    profile = {
        "institution": "Hospital das Clínicas",
        "country": "BR",
        "career_stage": "senior",
        "expertise": {"embolization": 2},
        "languages": ["pt"],
        "max_advisory_level": 2,
        "trips_per_year": 2,
    }
    assert (await client.put("/api/volunteers/me", json=profile)).status_code == 200
    exactly = PDF + b"0" * (2 * MIB - len(PDF))
    uploaded = await client.post("/api/volunteers/me/cv", files={"file": ("cv.pdf", exactly, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    assert await VolunteerCv.count() == 1


async def test_the_solver_time_limit_is_capped_at_300_seconds(client: httpx.AsyncClient, inbox) -> None:
    await helpers.member(client, inbox, "coord@example.org", ["coordinator"])
    for seconds in (300.5, 3600, 1e9, 0, -1):
        response = await client.post("/api/rounds", json={**ROUND, "settings": {"time_limit_seconds": seconds}})
        assert response.status_code == 400, (seconds, response.text)
        assert response.json()["extra"][0]["key"] == "settings.time_limit_seconds"
    assert await MatchRound.count() == 0
    form = {**ROUND, "time_limit_seconds": "100000"}
    assert (await client.post("/coordinator/rounds/", data=form)).status_code == 400
    assert await MatchRound.count() == 0
    accepted = await client.post("/api/rounds", json={**ROUND, "settings": {"time_limit_seconds": 300}})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["settings"]["time_limit_seconds"] == 300
