"""A seeded generator of realistic match problems, for tests and benchmarks.

    python -m solver.generate --volunteers 1000 --requests 500 --seed 1 > problem.json

Volunteers have 2-5 of the 17 topics, English plus up to two other languages, 1-3 availability windows
and mostly one trip (some two or three); requests come from five regions with their local languages,
need 1-3 topics, last 5-14 days, have 1-3 windows and sometimes ask for a team of 2-3.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
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


def _windows(rng: random.Random, count: int, shortest: int, longest: int) -> list[dict[str, Any]]:
    """Non-overlapping windows in the horizon, in date order, about a third of them preferred."""
    windows = []
    for _ in range(count):
        length = rng.randint(shortest, longest)
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


def _volunteer(rng: random.Random, index: int, seed: int) -> dict[str, Any]:
    topics = rng.sample(TOPICS, rng.choice((2, 2, 3, 3, 4, 5)))
    languages = ["en", *rng.sample(OTHER_LANGUAGES, rng.choice((0, 0, 1, 1, 1, 2)))]
    return {
        "id": f"vol-{seed}-{index:05d}",
        "expertise": {topic: rng.choice((1, 2, 2, 3, 3)) for topic in topics},
        "languages": languages,
        "max_trips": rng.choices((1, 2, 3), weights=(60, 32, 8))[0],
        "availability": _windows(rng, rng.choice((1, 2, 2, 3)), 14, 63),
        "preferred_regions": rng.sample(REGIONS, rng.choice((0, 0, 1, 1, 2))),
        "excluded_countries": rng.sample(sorted(COUNTRIES), 1) if rng.random() < 0.13 else [],
        "max_advisory_level": rng.choices((1, 2, 3, 4), weights=(10, 40, 40, 10))[0],
    }


def _request(rng: random.Random, index: int, seed: int, hosts: int) -> dict[str, Any]:
    country = rng.choice(sorted(COUNTRIES))
    region, local = COUNTRIES[country]
    languages = list(local)
    if "en" not in languages and rng.random() < 0.75:
        languages.append("en")
    topics = rng.sample(TOPICS, rng.choice((1, 2, 2, 3)))
    needs = {topic: (3 if position == 0 else rng.choice((1, 2))) for position, topic in enumerate(topics)}
    return {
        "id": f"req-{seed}-{index:05d}",
        "host": f"org-{rng.randrange(hosts)}",
        "country": country,
        "region": region,
        "needs": needs,
        "languages": languages,
        "duration_days": rng.choices((5, 7, 10, 14), weights=(10, 40, 25, 25))[0],
        "team_size": rng.choices((1, 2, 3), weights=(88, 9, 3))[0],
        "windows": _windows(rng, rng.choice((1, 2, 2, 3)), 28, 84),
        "priority": rng.random() < 0.3,
        "advisory_level": rng.choices((1, 2, 3, 4), weights=(60, 20, 15, 5))[0],
    }


def generate(volunteers: int, requests: int, seed: int) -> dict[str, Any]:
    """A `giveback-match/1` problem with the given numbers of volunteers and requests."""
    rng = random.Random(seed)
    return {
        "format": "giveback-match/1",
        "horizon": {
            "start": HORIZON_START.isoformat(),
            "end": (HORIZON_START + dt.timedelta(days=HORIZON_DAYS - 1)).isoformat(),
        },
        "rules": {"start_weekdays": [0], "min_gap_days": 14},
        "volunteers": [_volunteer(rng, index, seed) for index in range(volunteers)],
        "requests": [_request(rng, index, seed, max(requests // 3, 1)) for index in range(requests)],
        "pinned": [],
        "forbidden": [],
    }


@click.command()
@click.option("--volunteers", type=click.IntRange(0), required=True)
@click.option("--requests", type=click.IntRange(0), required=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="default: standard output")
def main(volunteers: int, requests: int, seed: int, output: str | None) -> None:
    """Write a generated problem."""
    text = json.dumps(generate(volunteers, requests, seed), indent=1)
    if output:
        with open(output, "w", encoding="utf-8") as file:  # noqa: PTH123
            file.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
