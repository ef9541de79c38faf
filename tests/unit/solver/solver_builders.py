"""Builders for tiny problems where one rule decides the answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXAMPLES = Path("/work/shared/spec/examples")
HORIZON = {"start": "2027-01-04", "end": "2027-12-31"}


def volunteer(id: str = "v1", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "expertise": {"venous": 3},
        "languages": ["en"],
        "availability": [{"start": "2027-03-01", "end": "2027-03-31"}],
    } | fields


def request(id: str = "r1", **fields: Any) -> dict[str, Any]:
    return {
        "id": id,
        "host": "h",
        "country": "KE",
        "region": "africa",
        "needs": {"venous": 3},
        "languages": ["en"],
        "duration_days": 7,
        "windows": [{"start": "2027-03-01", "end": "2027-03-31"}],
    } | fields


def problem(volunteers: list[dict[str, Any]], requests: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"format": "giveback-match/1", "horizon": HORIZON, "volunteers": volunteers, "requests": requests} | fields


def example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data
