"""Steps of a match round taken through the HTTP API, with the worker run in-process."""

from __future__ import annotations

from typing import Any

import httpx
from programs import PERIOD_END, PERIOD_START

from giveback.rounds.worker import work_once

ROUND = {
    "name": "2031",
    "period_start": PERIOD_START.isoformat(),
    "period_end": PERIOD_END.isoformat(),
    "settings": {"time_limit_seconds": 5},
}


async def open_and_freeze(client: httpx.AsyncClient) -> int:
    created = await client.post("/api/rounds", json=ROUND)
    assert created.status_code == 201, created.text
    round_id = created.json()["id"]
    frozen = await client.post(f"/api/rounds/{round_id}/freeze")
    assert frozen.status_code == 201, frozen.text
    assert frozen.json()["status"] == "frozen"
    return int(round_id)


async def run_round(client: httpx.AsyncClient, round_id: int, **body: object) -> dict[str, Any]:
    queued = await client.post(f"/api/rounds/{round_id}/runs", json={"workers": 1, **body})
    assert queued.status_code == 201, queued.text
    assert queued.json()["status"] == "queued"
    assert await work_once("test-worker")
    run = (await client.get(f"/api/runs/{queued.json()['id']}")).json()
    assert run["status"] == "succeeded", run
    return run
