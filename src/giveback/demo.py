"""Demo data: what ``giveback demo`` loads so that a newcomer sees a living program.

Everything is generated from a fixed seed, so every demo looks the same. Loading is idempotent: the
demo coordinator's account marks a loaded demo, and a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import msgspec

from giveback.accounts.passwords import hash_password
from giveback.accounts.tables import Person, RoleGrant
from giveback.db.connection import connected
from giveback.db.engine import write_transaction
from giveback.demo_history import load_demo_history
from giveback.hosts.tables import HostingWindow, HostRequest, OrganizationClaim, RequestNeed
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.topics.tables import Topic
from giveback.trips.tables import Trip
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerProfile

DEMO_PASSWORD = "giveback-demo-password"  # noqa: S105 (printed to the person running the demo)
DEMO_LOGINS = {
    "admin": "admin@giveback.demo",
    "coordinator": "coordinator@giveback.demo",
    "volunteer": "volunteer@giveback.demo",
    "host": "host@giveback.demo",
}
VOLUNTEERS = 40
REQUESTS = 24

FIRST_NAMES = (
    "Ana Lucia Mateo Sofia Kenji Yuki Amara Kwame Fatima Omar Priya Arjun Elena Lukas Ingrid Sven Chloe Louis "
    "Hannah Noah Mei Wei Aisha Tunde Carmen Diego Olga Ivan Leila Samir Grace Daniel Rosa Marco Nadia Tomas"
).split()
LAST_NAMES = (
    "Souza Fernandes Garcia Rossi Tanaka Sato Mensah Owusu Haddad Khalil Sharma Iyer Novak Weber Larsen "
    "Lindqvist Martin Dubois Schmidt Cohen Chen Wang Bello Adeyemi Lopez Morales Petrova Ivanov Nasser Farouk "
    "Okafor Kim Park Silva Ricci Horvat"
).split()
INSTITUTIONS = (
    "University Hospital",
    "Medical Center",
    "Cancer Institute",
    "Children's Hospital",
    "General Hospital",
    "Academic Medical Center",
    "Heart and Vascular Institute",
)
HOME_COUNTRIES = ("US", "US", "US", "CA", "GB", "DE", "FR", "NL", "JP", "KR", "AU", "BR", "IN", "ES", "IT")
LANGUAGES_OF = {
    "US": ["en"],
    "CA": ["en", "fr"],
    "GB": ["en"],
    "DE": ["de", "en"],
    "FR": ["fr", "en"],
    "NL": ["nl", "en"],
    "JP": ["ja", "en"],
    "KR": ["ko", "en"],
    "AU": ["en"],
    "BR": ["pt", "en", "es"],
    "IN": ["en", "hi"],
    "ES": ["es", "en"],
    "IT": ["it", "en"],
}
AUDIENCE_LANGUAGES = {
    "latin-america": ["es", "pt", "en"],
    "europe": ["en"],
    "asia-pacific": ["en"],
    "africa": ["en", "fr"],
    "middle-east": ["ar", "en"],
    "north-america": ["en", "fr"],
}
LOCAL_LANGUAGE = {
    "BR": "pt",
    "AR": "es",
    "ES": "es",
    "FR": "fr",
    "DE": "de",
    "IT": "it",
    "JP": "ja",
    "KR": "ko",
    "CN": "zh",
    "TW": "zh",
    "HK": "zh",
    "TH": "th",
    "TR": "tr",
    "RU": "ru",
    "PT": "pt",
    "EG": "ar",
    "SA": "ar",
    "GR": "el",
    "PL": "pl",
    "CZ": "cs",
    "HU": "hu",
    "MN": "mn",
    "GE": "ka",
    "IL": "he",
    "FI": "fi",
    "DK": "da",
    "NL": "nl",
}
CAREER_STAGES = ("early-career", "mid-career", "mid-career", "senior", "senior", "emeritus")


class DemoSummary(msgspec.Struct, kw_only=True):
    organizations: int
    countries: int
    topics: int
    volunteers: int
    requests: int
    trips: int
    loaded_now: bool


async def load_demo(settings: Settings, *, today: date | None = None) -> DemoSummary:
    """Load demo people, volunteers and accepted requests (once), and count what the program holds."""
    async with connected(settings.database_url):
        loaded_now = False
        if not await Person.exists().where(Person.email == DEMO_LOGINS["coordinator"]):
            await _load(random.Random(2027), today or datetime.now(UTC).date())
            loaded_now = True
        countries = await Organization.select(Organization.country).distinct().where(Organization.country.is_not_null())
        return DemoSummary(
            organizations=await Organization.count(),
            countries=len(countries),
            topics=await Topic.count().where(Topic.retired.eq(False)),
            volunteers=await VolunteerProfile.count(),
            requests=await HostRequest.count(),
            trips=await Trip.count(),
            loaded_now=loaded_now,
        )


async def _person(email: str, name: str, roles: list[str], password_hash: str) -> int:
    row = await Person.insert(
        Person(email=email, name=name, password_hash=password_hash, email_confirmed_at=datetime.now(UTC))
    )
    person_id = int(row[0]["id"])
    await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in roles])
    return person_id


def _windows(rng: random.Random, first_day: date, count: int, min_days: int) -> list[tuple[date, date, bool]]:
    """Non-overlapping windows in the coming year, each at least ``min_days`` long."""
    windows: list[tuple[date, date, bool]] = []
    start = first_day + timedelta(days=rng.randint(14, 60))
    for _ in range(count):
        length = rng.randint(min_days + 7, min_days + 45)
        windows.append((start, start + timedelta(days=length - 1), rng.random() < 0.4))
        start = start + timedelta(days=length + rng.randint(20, 90))
    return windows


async def _load(rng: random.Random, today: date) -> None:
    password_hash = await hash_password(DEMO_PASSWORD)
    topics = [row["slug"] for row in await Topic.select(Topic.slug).where(Topic.retired.eq(False))]
    societies = await Organization.select().where(Organization.country.is_not_null()).order_by(Organization.id)
    async with write_transaction(Person._meta.db):
        await _person(DEMO_LOGINS["admin"], "Ada Admin", ["admin", "coordinator"], password_hash)
        await _person(DEMO_LOGINS["coordinator"], "Carla Coordinator", ["coordinator"], password_hash)
        volunteer_ids = [await _person(DEMO_LOGINS["volunteer"], "Victor Volunteer", ["volunteer"], password_hash)]
        host_id = await _person(DEMO_LOGINS["host"], "Hana Host", ["host"], password_hash)

        names = {(f, last) for f in FIRST_NAMES for last in LAST_NAMES}
        chosen = rng.sample(sorted(names), VOLUNTEERS - 1)
        for index, (first, last) in enumerate(chosen):
            email = f"{first.lower()}.{last.lower()}{index}@volunteers.giveback.demo"
            volunteer_ids.append(await _person(email, f"Dr. {first} {last}", ["volunteer"], password_hash))
        for person_id in volunteer_ids:
            home = rng.choice(HOME_COUNTRIES)
            profile = await VolunteerProfile.insert(
                VolunteerProfile(
                    person=person_id,
                    institution=f"{rng.choice(LAST_NAMES)} {rng.choice(INSTITUTIONS)}",
                    country=home,
                    career_stage=rng.choice(CAREER_STAGES),
                    languages=LANGUAGES_OF[home]
                    + (["es"] if rng.random() < 0.2 and "es" not in LANGUAGES_OF[home] else []),
                    max_advisory_level=rng.choice((2, 2, 3, 3, 4)),
                    excluded_countries=[],
                    preferred_regions=rng.sample(sorted(AUDIENCE_LANGUAGES), rng.randint(0, 2)),
                    trips_per_year=rng.choice((1, 1, 1, 2)),
                    bio="Interventional radiologist who enjoys teaching hands-on workshops.",
                    directory_opt_in=rng.random() < 0.7,
                )
            )
            profile_id = profile[0]["id"]
            for topic in rng.sample(topics, rng.randint(2, 4)):
                await Expertise.insert(
                    Expertise(profile=profile_id, topic=topic, proficiency=rng.choice((1, 2, 2, 3, 3)))
                )
            for start, end, preferred in _windows(rng, today, rng.randint(1, 3), 14):
                await AvailabilityWindow.insert(
                    AvailabilityWindow(profile=profile_id, start=start, end=end, preferred=preferred, source="manual")
                )

        hosting = rng.sample(list(societies), REQUESTS)
        await OrganizationClaim.insert(
            OrganizationClaim(
                person=host_id,
                organization=hosting[0]["id"],
                message="I chair the education committee.",
                status="approved",
                decided_at=datetime.now(UTC),
            )
        )
        for index, society in enumerate(hosting):
            needs = rng.sample(topics, rng.randint(1, 3))
            weights = {topic: rng.choice((1, 2, 3)) for topic in needs}
            primary = max(needs, key=lambda t: weights[t])
            country = society["country"]
            languages = [LOCAL_LANGUAGE[country]] if country in LOCAL_LANGUAGE else []
            languages += [code for code in AUDIENCE_LANGUAGES[society["region"]] if code not in languages][:2]
            duration = rng.randint(5, 14)
            request = await HostRequest.insert(
                HostRequest(
                    organization=society["id"],
                    created_by=host_id if index == 0 else None,
                    title=f"{society['short_name'] or society['name']}: {primary.replace('-', ' ')} teaching visit",
                    country=country,
                    advisory_level=rng.choice((1, 1, 1, 2, 2, 3)),
                    primary_need=primary,
                    languages=languages,
                    formats=rng.sample(["lectures", "hands-on", "case-reviews", "simulation"], rng.randint(1, 3)),
                    provides=rng.sample(["lodging", "local-transport", "invitation-letter"], rng.randint(1, 3)),
                    duration_days=duration,
                    team_size=2 if rng.random() < 0.15 else 1,
                    priority=rng.random() < 0.2,
                    status="submitted" if index == 0 else "accepted",
                )
            )
            request_id = request[0]["id"]
            for topic in needs:
                await RequestNeed.insert(RequestNeed(request=request_id, topic=topic, weight=weights[topic]))
            for start, end, preferred in _windows(rng, today, rng.randint(1, 3), duration):
                await HostingWindow.insert(HostingWindow(request=request_id, start=start, end=end, preferred=preferred))
        await load_demo_history(rng, today)


def describe_demo(summary: DemoSummary, *, base_url: str) -> str:
    """The lines printed after loading: where to go, what is there, and how to log in."""
    logins = "\n".join(f"  {role:<12} {email}" for role, email in DEMO_LOGINS.items())
    return "\n".join(
        [
            f"Giveback demo: {summary.organizations} host societies in {summary.countries} countries,"
            f" {summary.topics} topics, {summary.volunteers} volunteers, {summary.requests} host requests,"
            f" {summary.trips} trips since 2022.",
            f"Open {base_url}/ (host societies at {base_url}/organizations/, API at {base_url}/schema).",
            f"Log in with any of these (password: {DEMO_PASSWORD}):",
            logins,
            "The admin and the coordinator set up two-factor log-in when they first log in (their roles need it):"
            " any authenticator app scans the QR code shown, or takes the key printed under it.",
        ]
    )
