"""A match round with about 200 proposals, for the load benchmark's round page (``load_bench.py``).

Run with the benchmark's environment (GIVEBACK_DATABASE_URL of a database holding the demo):

    python benchmarks/big_round.py --requests 220

It adds accepted requests and volunteers who can teach them (written straight into the tables), opens and
freezes a round as the demo coordinator, solves one run in this process, and prints the round's id.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from datetime import UTC, date, datetime, timedelta

from giveback.accounts.tables import Person, RoleGrant
from giveback.commands import acting_as
from giveback.db.connection import connected
from giveback.hosts.tables import HostingWindow, HostRequest, RequestNeed
from giveback.organizations.tables import Organization
from giveback.rounds.freezing import freeze_round
from giveback.rounds.schemas import RoundCreate, RoundSettings, RunCreate
from giveback.rounds.services import create_round, start_run
from giveback.rounds.worker import work_once
from giveback.settings import Settings
from giveback.topics.tables import Topic
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerProfile

PERIOD_START = date(2031, 1, 6)  # a Monday, clear of the demo's own trips
PERIOD_END = date(2031, 12, 28)


async def build(requests: int, seed: int) -> int:
    rng = random.Random(seed)
    topics = [row["slug"] for row in await Topic.select(Topic.slug).where(Topic.retired.eq(False))]
    organizations = [row["id"] for row in await Organization.select(Organization.id)]
    for index in range(requests + requests // 10):
        person = await Person.insert(
            Person(
                email=f"bench.volunteer{index}@example.org",
                name=f"Dr. Bench Volunteer {index}",
                password_hash="-",  # noqa: S106 (no password: nobody logs in as them)
                email_confirmed_at=datetime.now(UTC),
            )
        )
        person_id = person[0]["id"]
        await RoleGrant.insert(RoleGrant(person=person_id, role="volunteer"))
        profile = await VolunteerProfile.insert(
            VolunteerProfile(
                person=person_id,
                country="US",
                languages=["en"],
                excluded_countries=[],
                preferred_regions=[],
                trips_per_year=1,
                max_advisory_level=4,
            )
        )
        for topic in rng.sample(topics, 3):
            await Expertise.insert(Expertise(profile=profile[0]["id"], topic=topic, proficiency=rng.choice((2, 3))))
        start = PERIOD_START + timedelta(weeks=rng.randint(0, 30))
        await AvailabilityWindow.insert(
            AvailabilityWindow(profile=profile[0]["id"], start=start, end=start + timedelta(days=120), preferred=False)
        )
    for index in range(requests):
        need = rng.choice(topics)
        row = await HostRequest.insert(
            HostRequest(
                organization=rng.choice(organizations),
                title=f"Bench teaching visit {index}",
                country="BR",
                advisory_level=1,
                primary_need=need,
                languages=["en"],
                formats=["lectures"],
                provides=["lodging"],
                duration_days=7,
                team_size=1,
                status="accepted",
            )
        )
        request_id = row[0]["id"]
        await RequestNeed.insert(RequestNeed(request=request_id, topic=need, weight=3))
        start = PERIOD_START + timedelta(weeks=rng.randint(0, 40))
        await HostingWindow.insert(HostingWindow(request=request_id, start=start, end=start + timedelta(days=90)))
    coordinator = await acting_as("coordinator@giveback.demo")
    opened = await create_round(
        coordinator,
        RoundCreate(
            name="Bench round",
            period_start=PERIOD_START,
            period_end=PERIOD_END,
            settings=RoundSettings(time_limit_seconds=30),
        ),
    )
    await freeze_round(coordinator, opened.id)
    await start_run(coordinator, opened.id, RunCreate(workers=2))
    assert await work_once("bench")
    return opened.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=220)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()
    settings = Settings.from_env()

    async def run() -> int:
        async with connected(settings.database_url):
            return await build(options.requests, options.seed)

    print(asyncio.run(run()))


if __name__ == "__main__":
    main()
