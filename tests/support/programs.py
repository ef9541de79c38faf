"""A small program to match, written straight into the tables: volunteers with windows and accepted requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from giveback.accounts.passwords import hash_password
from giveback.accounts.tables import Person, RoleGrant
from giveback.hosts.tables import HostingWindow, HostRequest, OrganizationClaim, RequestNeed
from giveback.organizations.tables import Organization
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerProfile

PERIOD_START = date(2031, 1, 6)  # a Monday, far from "today" so no date rule of the present interferes
PERIOD_END = date(2031, 12, 28)


@dataclass
class Program:
    volunteers: list[int]
    requests: list[int]
    host_organization: int


async def _volunteer(email: str, topics: dict[str, int], languages: list[str], start: date, days: int) -> int:
    person = await Person.insert(
        Person(
            email=email,
            name=email.split("@")[0].title(),
            password_hash=await hash_password("x" * 12),
            email_confirmed_at=datetime.now(UTC),
        )
    )
    person_id = int(person[0]["id"])
    await RoleGrant.insert(RoleGrant(person=person_id, role="volunteer"))
    profile = await VolunteerProfile.insert(
        VolunteerProfile(
            person=person_id,
            country="US",
            languages=languages,
            excluded_countries=[],
            preferred_regions=[],
            trips_per_year=1,
            max_advisory_level=4,
        )
    )
    for topic, proficiency in topics.items():
        await Expertise.insert(Expertise(profile=profile[0]["id"], topic=topic, proficiency=proficiency))
    await AvailabilityWindow.insert(
        AvailabilityWindow(profile=profile[0]["id"], start=start, end=start + timedelta(days=days - 1), preferred=False)
    )
    return person_id


async def _request(
    organization: int, title: str, needs: dict[str, int], languages: list[str], start: date, days: int
) -> int:
    row = await HostRequest.insert(
        HostRequest(
            organization=organization,
            title=title,
            country="BR",
            advisory_level=1,
            primary_need=max(needs, key=needs.__getitem__),
            languages=languages,
            formats=["lectures"],
            provides=["lodging"],
            duration_days=7,
            team_size=1,
            status="accepted",
        )
    )
    request_id = int(row[0]["id"])
    for topic, weight in needs.items():
        await RequestNeed.insert(RequestNeed(request=request_id, topic=topic, weight=weight))
    await HostingWindow.insert(
        HostingWindow(request=request_id, start=start, end=start + timedelta(days=days - 1), preferred=True)
    )
    return request_id


async def small_program() -> Program:
    """Three volunteers and three requests: two can be matched, the third needs Japanese, which nobody speaks."""
    sobrice = await Organization.select(Organization.id).where(Organization.short_name == "SoBRICE").first()
    assert sobrice is not None
    volunteers = [
        await _volunteer("onco@example.org", {"interventional-oncology": 3}, ["en", "pt"], PERIOD_START, 120),
        await _volunteer("venous@example.org", {"venous": 3, "embolization": 2}, ["en", "es"], PERIOD_START, 120),
        await _volunteer("spare@example.org", {"venous": 1}, ["en"], PERIOD_START, 120),
    ]
    requests = [
        await _request(sobrice["id"], "Liver tumours", {"interventional-oncology": 3}, ["pt", "en"], PERIOD_START, 60),
        await _request(sobrice["id"], "Veins", {"venous": 3}, ["es", "en"], PERIOD_START, 60),
        await _request(sobrice["id"], "Japanese only", {"venous": 1}, ["ja"], PERIOD_START, 60),
    ]
    return Program(volunteers=volunteers, requests=requests, host_organization=sobrice["id"])


async def make_contact(person_id: int, organization: int) -> None:
    await OrganizationClaim.insert(OrganizationClaim(person=person_id, organization=organization, status="approved"))
