"""Answers the API fuzzing (tests/fuzz) found wrong in the rounds domain: each is refused with 400, nothing stored."""

from __future__ import annotations

import httpx
from helpers import member

from giveback.rounds.tables import MatchRound

ROUND = {"name": "Spring", "period_start": "2027-01-01", "period_end": "2027-06-01"}


async def test_an_unknown_settings_field_is_a_bad_request_not_a_server_error(client: httpx.AsyncClient, inbox) -> None:
    # Litestar took the body's `settings` for the app's `settings` dependency and answered 500.
    await member(client, inbox, "coord@example.org", ["coordinator"])
    for settings in ({"speed": 1}, {"": []}, 5, "fast"):
        response = await client.post("/api/rounds", json={**ROUND, "settings": settings})
        assert response.status_code == 400, response.text
        assert response.json()["extra"][0]["key"] == "settings"
    assert await MatchRound.count() == 0


async def test_an_id_beyond_32_bits_is_a_bad_request(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    huge = 2**40
    for method, path in [
        ("DELETE", f"/api/rounds/{huge}/adjustments/1"),
        ("DELETE", f"/api/rounds/1/adjustments/{huge}"),
        ("GET", f"/api/rounds/{huge}"),
        ("GET", f"/api/runs/{huge}"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 400, (path, response.text)
    assert (await client.get(f"/api/rounds/{2**31 - 1}")).status_code == 404


async def test_the_round_form_checks_the_settings_bounds(client: httpx.AsyncClient, inbox) -> None:
    # The page built the settings struct directly, which skips msgspec's bounds: a 100000 s solver run was stored.
    await member(client, inbox, "coord@example.org", ["coordinator"])
    form = {"name": "Spring", "period_start": "2027-01-01", "period_end": "2027-06-01"}
    for field, value in [("time_limit_seconds", "100000"), ("min_gap_days", "-5"), ("start_weekdays", "9")]:
        response = await client.post("/coordinator/rounds/", data={**form, field: value})
        assert response.status_code == 400, (field, response.text)
        assert field in response.text
    assert await MatchRound.count() == 0
    accepted = await client.post("/coordinator/rounds/", data={**form, "time_limit_seconds": "300"})
    assert accepted.status_code in (302, 303), accepted.text
    assert await MatchRound.count() == 1
