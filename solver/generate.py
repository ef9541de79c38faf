"""A seeded generator of realistic match problems, for tests and benchmarks.

    python -m solver.generate --volunteers 1000 --requests 500 --seed 1 > problem.json
    python -m solver.generate --volunteers 500 --requests 1000 --regime teams --min-gap-days 21 > teams.json

Volunteers have 2-5 of the 17 topics, English plus up to two other languages, 1-3 availability windows
and mostly one trip (some two or three); requests come from five regions with their local languages,
need 1-3 topics, last 5-14 days, have 1-3 windows and sometimes ask for a team of 2-3. A `Regime` changes
the shape: the share of teams, trips per volunteer, window lengths, the gap, start weekdays, weights and
forbidden pairs (`REGIMES` names the ones the benchmark runs).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import sys
from dataclasses import dataclass, field
from typing import Any

import click

TOPICS = (
    "aortic",
    "arterial-pad",
    "biopsy-drainage",
    "dialysis-access",
    "embolization",
    "genitourinary",
    "hepatobiliary",
    "interventional-oncology",
    "ir-practice",
    "lymphatic",
    "mens-health",
    "msk-pain",
    "neuro-ir",
    "pediatric-ir",
    "portal-hypertension",
    "venous",
    "womens-health",
)

# country → (region, local languages)
COUNTRIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "MX": ("latin-america", ("es",)),
    "BR": ("latin-america", ("pt",)),
    "AR": ("latin-america", ("es",)),
    "GT": ("latin-america", ("es",)),
    "PE": ("latin-america", ("es",)),
    "KE": ("africa", ("en", "sw")),
    "TZ": ("africa", ("sw",)),
    "NG": ("africa", ("en",)),
    "GH": ("africa", ("en",)),
    "SN": ("africa", ("fr",)),
    "CM": ("africa", ("fr", "en")),
    "EG": ("middle-east", ("ar",)),
    "JO": ("middle-east", ("ar",)),
    "SA": ("middle-east", ("ar",)),
    "TR": ("europe", ("tr",)),
    "GE": ("europe", ("ru",)),
    "CN": ("asia-pacific", ("zh",)),
    "IN": ("asia-pacific", ("hi", "en")),
    "JP": ("asia-pacific", ("ja",)),
    "KR": ("asia-pacific", ("ko",)),
    "VN": ("asia-pacific", ("vi",)),
    "PH": ("asia-pacific", ("en",)),
}
REGIONS = sorted({region for region, _ in COUNTRIES.values()})
OTHER_LANGUAGES = ("es", "fr", "ar", "hi", "ko", "zh", "pt", "vi", "de", "ru", "sw", "tr", "it", "ja")
HORIZON_START = dt.date(2027, 1, 4)
HORIZON_DAYS = 364


@dataclass(frozen=True)
class Regime:
    """The shape of a generated round: who is scarce, how teams, trips and windows look, and the rules.

    `volunteers_per_request` is the ratio a size is usually drawn with (`sized`); the counts given to
    `generate` always win. Trip counts and team sizes are drawn with the given weights.
    """

    name: str
    volunteers_per_request: float = 2.0
    team_share: float = 0.12
    """The share of requests that ask for a team (of 2 three times as often as of 3)."""
    trips: dict[int, int] = field(default_factory=lambda: {1: 60, 2: 32, 3: 8})
    """max_trips → weight."""
    availability_days: tuple[int, int] = (14, 63)
    """Shortest and longest availability window of a volunteer."""
    request_window_days: tuple[int, int] = (28, 84)
    """Shortest and longest hosting window of a request."""
    min_gap_days: int = 14
    start_weekdays: tuple[int, ...] = (0,)
    weights: dict[str, int] | None = None
    """The score's weights (None: matching.md's defaults)."""
    forbidden_per_request: float = 0.0
    """Forbidden pairs drawn per request, each with a volunteer who could otherwise go."""

    def sized(self, requests: int) -> tuple[int, int]:
        """Volunteers and requests of a round with this many requests."""
        return round(self.volunteers_per_request * requests), requests


REGIMES: dict[str, Regime] = {
    regime.name: regime
    for regime in (
        Regime("default"),
        Regime("scarce", volunteers_per_request=0.5),
        Regime("teams", team_share=0.5),
        Regime(
            "multi-trip",
            volunteers_per_request=0.5,
            trips={2: 1, 3: 1, 4: 1},
            availability_days=(90, 240),
            request_window_days=(60, 180),
            min_gap_days=21,
        ),
        Regime(
            "rules",
            start_weekdays=(0, 3),
            min_gap_days=30,
            weights={
                "served": 700,
                "expertise": 900,
                "primary_need": 250,
                "first_language": 60,
                "preferred_region": 200,
                "host_priority": 300,
                "host_preferred_dates": 150,
                "volunteer_preferred_dates": 120,
            },
            forbidden_per_request=0.3,
        ),
    )
}
"""The shapes of round the benchmark and the tests try: the generator's own (`default`), requests twice
the volunteers (`scarce`), half the requests teams of 2-3 (`teams`), volunteers with 2-4 trips, long
windows and a 21-day gap (`multi-trip`), and other weights, Monday or Thursday starts, a 30-day gap and
forbidden pairs (`rules`)."""


def _windows(rng: random.Random, count: int, shortest: int, longest: int) -> list[dict[str, Any]]:
    """Non-overlapping windows in the horizon, in date order, about a third of them preferred."""
    windows = []
    for _ in range(count):
        length = min(rng.randint(shortest, longest), HORIZON_DAYS - 1)
        first = rng.randrange(0, HORIZON_DAYS - length)
        windows.append((first, first + length - 1))
    windows.sort()
    merged: list[tuple[int, int]] = []
    for first, last in windows:
        if merged and first <= merged[-1][1] + 7:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return [
        {
            "start": (HORIZON_START + dt.timedelta(days=first)).isoformat(),
            "end": (HORIZON_START + dt.timedelta(days=last)).isoformat(),
            "preferred": rng.random() < 0.33,
        }
        for first, last in merged
    ]


def _volunteer(rng: random.Random, index: int, seed: int, regime: Regime) -> dict[str, Any]:
    topics = rng.sample(TOPICS, rng.choice((2, 2, 3, 3, 4, 5)))
    languages = ["en", *rng.sample(OTHER_LANGUAGES, rng.choice((0, 0, 1, 1, 1, 2)))]
    return {
        "id": f"vol-{seed}-{index:05d}",
        "expertise": {topic: rng.choice((1, 2, 2, 3, 3)) for topic in topics},
        "languages": languages,
        "max_trips": rng.choices(tuple(regime.trips), weights=tuple(regime.trips.values()))[0],
        "availability": _windows(rng, rng.choice((1, 2, 2, 3)), *regime.availability_days),
        "preferred_regions": rng.sample(REGIONS, rng.choice((0, 0, 1, 1, 2))),
        "excluded_countries": rng.sample(sorted(COUNTRIES), 1) if rng.random() < 0.13 else [],
        "max_advisory_level": rng.choices((1, 2, 3, 4), weights=(10, 40, 40, 10))[0],
    }


def _request(rng: random.Random, index: int, seed: int, hosts: int, regime: Regime) -> dict[str, Any]:
    country = rng.choice(sorted(COUNTRIES))
    region, local = COUNTRIES[country]
    languages = list(local)
    if "en" not in languages and rng.random() < 0.75:
        languages.append("en")
    topics = rng.sample(TOPICS, rng.choice((1, 2, 2, 3)))
    needs = {topic: (3 if position == 0 else rng.choice((1, 2))) for position, topic in enumerate(topics)}
    teams = 100 * regime.team_share
    return {
        "id": f"req-{seed}-{index:05d}",
        "host": f"org-{rng.randrange(hosts)}",
        "country": country,
        "region": region,
        "needs": needs,
        "languages": languages,
        "duration_days": rng.choices((5, 7, 10, 14), weights=(10, 40, 25, 25))[0],
        "team_size": rng.choices((1, 2, 3), weights=(100 - teams, 0.75 * teams, 0.25 * teams))[0],
        "windows": _windows(rng, rng.choice((1, 2, 2, 3)), *regime.request_window_days),
        "priority": rng.random() < 0.3,
        "advisory_level": rng.choices((1, 2, 3, 4), weights=(60, 20, 15, 5))[0],
    }


def _forbidden(
    rng: random.Random, volunteers: list[dict[str, Any]], requests: list[dict[str, Any]], per_request: float
) -> list[dict[str, str]]:
    """About `per_request` pairs per request, each a volunteer sharing a topic and a language with it."""
    pairs: set[tuple[str, str]] = set()
    for request in requests:
        count = int(per_request) + (rng.random() < per_request % 1)
        qualified = [
            volunteer["id"]
            for volunteer in volunteers
            if set(volunteer["expertise"]) & set(request["needs"])
            and set(volunteer["languages"]) & set(request["languages"])
        ]
        for volunteer in rng.sample(qualified, min(count, len(qualified))):
            pairs.add((volunteer, request["id"]))
    return [{"volunteer": volunteer, "request": request} for volunteer, request in sorted(pairs)]


def generate(volunteers: int, requests: int, seed: int, regime: Regime | str = "default") -> dict[str, Any]:
    """A `giveback-match/1` problem with the given numbers of volunteers and requests, shaped by the regime."""
    shape = REGIMES[regime] if isinstance(regime, str) else regime
    rng = random.Random(seed)
    drawn_volunteers = [_volunteer(rng, index, seed, shape) for index in range(volunteers)]
    drawn_requests = [_request(rng, index, seed, max(requests // 3, 1), shape) for index in range(requests)]
    problem: dict[str, Any] = {
        "format": "giveback-match/1",
        "horizon": {
            "start": HORIZON_START.isoformat(),
            "end": (HORIZON_START + dt.timedelta(days=HORIZON_DAYS - 1)).isoformat(),
        },
        "rules": {"start_weekdays": list(shape.start_weekdays), "min_gap_days": shape.min_gap_days},
        "volunteers": drawn_volunteers,
        "requests": drawn_requests,
        "pinned": [],
        "forbidden": _forbidden(rng, drawn_volunteers, drawn_requests, shape.forbidden_per_request),
    }
    if shape.weights is not None:
        problem["weights"] = dict(shape.weights)
    return problem


@click.command()
@click.option("--volunteers", type=click.IntRange(0), required=True)
@click.option("--requests", type=click.IntRange(0), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--regime", type=click.Choice(sorted(REGIMES)), default="default", show_default=True)
@click.option("--team-share", type=click.FloatRange(0, 1), help="share of team requests (default: the regime's)")
@click.option("--trips", help="max_trips weights, e.g. 1:60,2:32,3:8 (default: the regime's)")
@click.option("--min-gap-days", type=click.IntRange(0), help="default: the regime's")
@click.option("--start-weekdays", help="e.g. 0,3 for Monday and Thursday (default: the regime's)")
@click.option("--forbidden-per-request", type=click.FloatRange(0), help="default: the regime's")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="default: standard output")
def main(
    volunteers: int,
    requests: int,
    seed: int,
    regime: str,
    team_share: float | None,
    trips: str | None,
    min_gap_days: int | None,
    start_weekdays: str | None,
    forbidden_per_request: float | None,
    output: str | None,
) -> None:
    """Write a generated problem."""
    changes: dict[str, Any] = {}
    if team_share is not None:
        changes["team_share"] = team_share
    if trips:
        changes["trips"] = {int(k): int(w) for k, w in (part.split(":") for part in trips.split(","))}
    if min_gap_days is not None:
        changes["min_gap_days"] = min_gap_days
    if start_weekdays:
        changes["start_weekdays"] = tuple(int(day) for day in start_weekdays.split(","))
    if forbidden_per_request is not None:
        changes["forbidden_per_request"] = forbidden_per_request
    shape = dataclasses.replace(REGIMES[regime], **changes)
    text = json.dumps(generate(volunteers, requests, seed, shape), indent=1)
    if output:
        with open(output, "w", encoding="utf-8") as file:  # noqa: PTH123
            file.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
