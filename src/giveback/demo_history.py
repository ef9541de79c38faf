"""Demo history: several past years of delivered, reported visits, so the dashboard's charts show growth.

Called by ``giveback.demo._load`` after the demo's people and societies exist (inside its transaction or not).
Writes one closed match round per year and past requests (fulfilled) into the tables, and records each trip
through the lifecycle (``trips.lifecycle.record_past_trip``, the same way an import takes over a program's
history) with both reports. Volunteers are chosen so that the history keeps the rules it shows: nobody
exceeds their yearly limit or travels twice within the gap.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from giveback.hosts.tables import HostRequest, RequestNeed
from giveback.organizations.tables import Organization
from giveback.rounds.tables import MatchRound
from giveback.topics.tables import Topic
from giveback.trips import booked, lifecycle
from giveback.trips.booked import Booking
from giveback.trips.report_tables import TripReport
from giveback.trips.schemas import CASE_ROLES
from giveback.volunteers.tables import VolunteerProfile

FIRST_YEAR = 2022
TRIPS_IN_FIRST_YEAR = 3
GROWTH = 1.45  # each year about 45% more visits than the year before


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _report(rng: random.Random, kind: str, topics: list[str], days: int) -> dict[str, Any]:
    physicians = rng.randint(8, 60)
    cases = []
    if kind == "volunteer":
        cases = [
            {"topic": rng.choice(topics), "role": role, "count": rng.randint(1, 12)}
            for role in rng.sample(CASE_ROLES, rng.randint(1, 3))
        ]
    return {
        "lectures": rng.randint(2, 3 * days),
        "lecture_hours": rng.randint(4, 4 * days),
        "cases": cases,
        "physicians": physicians,
        "trainees": rng.randint(5, 40),
        "nurses": rng.randint(0, 25),
        "technologists": rng.randint(0, 15),
        "equipment_notes": rng.choice(
            (
                "Modern angiography suite; limited embolic agents.",
                "Ultrasound and CT available; no dedicated IR room yet.",
                "Donated microcatheters were very welcome.",
                "",
            )
        ),
        "rating_overall": rng.choice((4, 5, 5)),
        "rating_teaching": rng.choice((3, 4, 5, 5)),
        "rating_logistics": rng.choice((3, 4, 4, 5)),
        "comments": "Thank you: the hands-on sessions were the highlight."
        if kind == "host"
        else "An engaged team; the residents asked for a follow-up visit.",
    }


async def load_demo_history(rng: random.Random, today: date) -> int:
    """Create past reported trips from 2022 to this year (growing each year); returns how many."""
    last_year = today.year
    topics = [row["slug"] for row in await Topic.select(Topic.slug).where(Topic.retired.eq(False))]
    societies = (
        await Organization.select(Organization.id, Organization.name, Organization.short_name, Organization.country)
        .where(Organization.country.is_not_null())
        .order_by(Organization.id)
    )
    limits = {
        int(row["person"]): int(row["trips_per_year"])
        for row in await VolunteerProfile.select(VolunteerProfile.person, VolunteerProfile.trips_per_year)
    }
    volunteers = sorted(limits)
    places: dict[int, list[Booking]] = {person: [] for person in volunteers}
    if not topics or not societies or not volunteers:
        return 0
    # countries are reached gradually: each year opens a few more societies to visits
    order = rng.sample(list(societies), len(societies))
    plan: list[tuple[int, list[dict[str, Any]]]] = []
    count = float(TRIPS_IN_FIRST_YEAR)
    for year in range(FIRST_YEAR, last_year + 1):
        reach = min(len(order), 4 + 5 * (year - FIRST_YEAR))
        plan.append((year, [rng.choice(order[:reach]) for _ in range(round(count))]))
        count *= GROWTH
    created = 0
    for year, hosts in plan:
        first_day = date(year, 1, 1)
        last_day = min(date(year, 12, 31), today - timedelta(days=30))
        if last_day <= first_day + timedelta(days=20):
            continue
        round_row = await MatchRound.insert(
            MatchRound(
                name=f"{year} (history)",
                period_start=first_day,
                period_end=date(year, 12, 31),
                status="closed",
                settings={},
                problem=None,
                frozen_at=_moment(first_day - timedelta(days=30)),
            )
        )
        round_id = int(round_row[0]["id"])
        request_ids: list[int] = []
        for society in hosts:
            needs = rng.sample(topics, rng.randint(1, 3))
            length = rng.randint(5, 12)
            span = (last_day - first_day).days - length
            start = first_day + timedelta(days=rng.randint(0, span))
            end = start + timedelta(days=length - 1)
            size = 2 if rng.random() < 0.2 else 1
            free = [
                person
                for person in volunteers
                if booked.booked_reason(places[person], limits[person], start, end, booked.DEFAULT_GAP_DAYS) is None
                and booked.overlapping(places[person], start, end, booked.DEFAULT_GAP_DAYS) is None
            ]
            if len(free) < size:
                continue
            team = rng.sample(free, size)
            request = await HostRequest.insert(
                HostRequest(
                    organization=society["id"],
                    title=f"{society['short_name'] or society['name']}: {needs[0].replace('-', ' ')} visit {year}",
                    country=society["country"],
                    primary_need=needs[0],
                    languages=["en"],
                    formats=rng.sample(["lectures", "hands-on", "case-reviews", "simulation"], 2),
                    provides=["lodging", "local-transport"],
                    duration_days=length,
                    team_size=1,
                    status="fulfilled",
                    created_at=_moment(first_day - timedelta(days=90)),
                    updated_at=_moment(end + timedelta(days=20)),
                )
            )
            request_id = int(request[0]["id"])
            request_ids.append(request_id)
            for index, topic in enumerate(needs):
                await RequestNeed.insert(RequestNeed(request=request_id, topic=topic, weight=3 if index == 0 else 2))
            trip_id = await lifecycle.record_past_trip(
                request_id=request_id,
                start=start,
                end=end,
                people=team,
                status="reported",
                at=_moment(end + timedelta(days=20)),
                round_id=round_id,
                uid=f"{uuid.uuid4()}@giveback.demo",
                sequence=rng.choice((0, 0, 0, 1)),
                score=rng.randint(40, 95),
            )
            for person in team:
                places[person].append(Booking(trip_id=trip_id, status="reported", start=start, end=end))
            for kind in ("volunteer", "host"):
                await TripReport.insert(
                    TripReport(
                        key=f"{trip_id}:{kind}",
                        trip=trip_id,
                        kind=kind,
                        author=team[0] if kind == "volunteer" else None,
                        submitted_at=_moment(end + timedelta(days=rng.randint(3, 20))),
                        **_report(rng, kind, needs, length),
                    )
                )
            created += 1
        # the frozen problem as the share-matched chart reads it: the round's requests, some left unmatched
        # (those placeholders name no stored request)
        unmatched = max(1, round(len(request_ids) * rng.uniform(0.15, 0.5)))
        problem = {
            "volunteers": [{"id": f"v-{person}"} for person in volunteers[:20]],
            "requests": [{"id": f"r-{request}"} for request in request_ids]
            + [{"id": f"r-0{index}"} for index in range(unmatched)],
        }
        await MatchRound.update({MatchRound.problem: problem}).where(MatchRound.id == round_id)
    return created
