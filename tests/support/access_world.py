"""Two of everything, so that every endpoint can be called on one's own record and on someone else's."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import httpx
from helpers import VOLUNTEER_PROFILE, log_in, member

from giveback.hosts.tables import OrganizationClaim
from giveback.organizations.tables import Organization
from giveback.trips import lifecycle

ROLES = ("anonymous", "volunteer", "host", "coordinator", "admin")
NEXT_YEAR = date.today().year + 1


@dataclass
class World:
    """Clients signed in as each role (``…-other`` for a second person of the same role) and record ids."""

    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    own: dict[str, dict[str, str]] = field(default_factory=dict)
    foreign: dict[str, dict[str, str]] = field(default_factory=dict)

    def path(self, template: str, role: str, *, foreign: bool = False) -> str:
        """The template with each parameter replaced by the role's own record (or another person's)."""
        ids = (self.foreign if foreign else self.own).get(role) or self.own["coordinator"]

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            return ids.get(name) or self.own["coordinator"][name]

        return re.sub(r"\{(\w+)(?::\w+)?\}", value, template)

    async def ensure_signed_in(self, role: str) -> None:
        client = self.clients[role]
        if role != "anonymous" and (await client.get("/api/me")).status_code != 200:
            await log_in(client, self.emails[role])


async def _volunteer_with_window(client: httpx.AsyncClient, inbox, email: str) -> tuple[int, int]:
    person_id = await member(client, inbox, email, ["volunteer"])
    assert (await client.put("/api/volunteers/me", json=VOLUNTEER_PROFILE)).status_code in (200, 201)
    window = await client.post(
        "/api/volunteers/me/windows",
        json={"start": f"{NEXT_YEAR}-03-01", "end": f"{NEXT_YEAR}-04-30", "preferred": False},
    )
    assert window.status_code == 201, window.text
    return person_id, int(window.json()["id"])


async def _host_with_request(
    client: httpx.AsyncClient, inbox, email: str, organization: str
) -> tuple[int, int, int, int]:
    person_id = await member(client, inbox, email, ["host"])
    org = await Organization.select(Organization.id).where(Organization.short_name == organization).first()
    assert org is not None
    claim = await OrganizationClaim.insert(
        OrganizationClaim(person=person_id, organization=org["id"], status="approved")
    )
    request = await client.post(
        "/api/requests",
        json={
            "organization_id": org["id"],
            "title": f"{organization} visit",
            "needs": [{"topic": "venous", "weight": 3}],
            "languages": ["en"],
            "formats": ["lectures"],
            "provides": ["lodging"],
            "windows": [{"start": f"{NEXT_YEAR}-03-01", "end": f"{NEXT_YEAR}-05-30", "preferred": True}],
            "duration_days": 7,
            "team_size": 1,
            "advisory_level": 1,
        },
    )
    assert request.status_code == 201, request.text
    return person_id, int(org["id"]), int(request.json()["id"]), int(claim[0]["id"])


async def _trip(request_id: int, volunteer_id: int) -> int:
    """A trip that has happened, to the request, with the volunteer (taken over from history by the lifecycle)."""
    return await lifecycle.record_past_trip(
        request_id=request_id,
        start=date(NEXT_YEAR - 2, 3, 1),
        end=date(NEXT_YEAR - 2, 3, 7),
        people=[volunteer_id],
        uid=f"matrix-{request_id}@testserver.local",
    )


async def build_world(new_client, inbox) -> World:
    world = World()
    for role in ROLES:
        world.clients[role] = new_client()
        world.clients[f"{role}-other"] = new_client()
    volunteer, window = await _volunteer_with_window(world.clients["volunteer"], inbox, "vol@example.org")
    other_volunteer, other_window = await _volunteer_with_window(
        world.clients["volunteer-other"], inbox, "vol2@example.org"
    )
    host, org, request, claim = await _host_with_request(world.clients["host"], inbox, "host@example.org", "BSIR")
    _, other_org, other_request, other_claim = await _host_with_request(
        world.clients["host-other"], inbox, "host2@example.org", "JSIR"
    )
    await member(world.clients["coordinator"], inbox, "coord@example.org", ["coordinator"])
    admin = await member(world.clients["admin"], inbox, "admin@example.org", ["admin"])
    world.emails = {
        "volunteer": "vol@example.org",
        "host": "host@example.org",
        "coordinator": "coord@example.org",
        "admin": "admin@example.org",
    }
    coordinator = world.clients["coordinator"]
    for host_client, request_id in ((world.clients["host"], request), (world.clients["host-other"], other_request)):
        submitted = await host_client.post(f"/api/requests/{request_id}/submit")
        assert submitted.status_code in (200, 201), submitted.text
        accepted = await coordinator.post(f"/api/requests/{request_id}/accept")
        assert accepted.status_code in (200, 201), accepted.text
    round_ = await coordinator.post(
        "/api/rounds", json={"name": "matrix", "period_start": f"{NEXT_YEAR}-01-04", "period_end": f"{NEXT_YEAR}-12-31"}
    )
    round_id = round_.json()["id"]
    assert (await coordinator.post(f"/api/rounds/{round_id}/freeze")).status_code == 201
    exclusion = await coordinator.post(
        f"/api/rounds/{round_id}/exclusions",
        json={"volunteer": f"v-{other_volunteer}", "request": f"r-{other_request}"},
    )
    assert exclusion.status_code == 201, exclusion.text
    run = await coordinator.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})
    trip = await _trip(request, volunteer)
    other_trip = await _trip(other_request, other_volunteer)
    feeds = {}
    for role in ("volunteer", "volunteer-other", "host", "coordinator"):
        made = await world.clients[role].post("/api/calendar/feeds", json={"kind": "personal"})
        assert made.status_code == 201, made.text
        feeds[role] = str(made.json()["feed"]["id"])
    tokens = {}
    for role in ("volunteer", "volunteer-other", "host", "coordinator", "admin"):
        made = await world.clients[role].post("/api/account/tokens", json={"name": f"{role} script"})
        assert made.status_code == 201, made.text
        tokens[role] = str(made.json()["token"]["id"])
    common = {
        "round_id": str(round_id),
        "run_id": str(run.json()["id"]),
        "adjustment_id": str(exclusion.json()["id"]),
        "slug": "venous",
        "path": "openapi.json",
        "file_path": "giveback.css",
        "what": "trips",
        "kind": "volunteer",  # a report's kind; the search has no such kind and answers 400
        "token": "not-a-valid-token",
        "name": "not-a-valid-token.ics",  # also no message's name: the e-mail templates answer 404
        "language": "all",
        "job_id": "2147483000",  # no such upload: a coordinator is answered 404, anyone else refused first
        "endpoint_id": "2147483000",  # no such webhook endpoint or delivery: the same
        "delivery_id": "2147483000",
        "role": "admin",  # granting it to the admin changes nothing; revoking their own is refused
        "document_id": "2147483000",  # no such document: those who may see the trip's documents get 404
        "code": "AAAA-BBBB-CCCC",  # no document has it: the verification page says so (404)
    }
    world.own = {
        "coordinator": {
            **common,
            "person_id": str(volunteer),
            "window_id": str(window),
            "organization_id": str(org),
            "request_id": str(request),
            "claim_id": str(claim),
            "trip_id": str(trip),
            "feed_id": feeds["coordinator"],
            "token_id": tokens["coordinator"],
        },
        "volunteer": {
            **common,
            "person_id": str(volunteer),
            "window_id": str(window),
            "trip_id": str(trip),
            "feed_id": feeds["volunteer"],
            "token_id": tokens["volunteer"],
        },
        "host": {
            **common,
            "organization_id": str(org),
            "request_id": str(request),
            "claim_id": str(claim),
            "person_id": str(host),
            "trip_id": str(trip),
            "feed_id": feeds["host"],
            "token_id": tokens["host"],
        },
        "admin": {**common, "person_id": str(admin), "token_id": tokens["admin"]},
    }
    world.foreign = {
        "volunteer": {
            "person_id": str(other_volunteer),
            "window_id": str(other_window),
            "trip_id": str(other_trip),
            "feed_id": feeds["volunteer-other"],
            "token_id": tokens["volunteer-other"],
        },
        "host": {
            "organization_id": str(other_org),
            "request_id": str(other_request),
            "claim_id": str(other_claim),
            "trip_id": str(other_trip),
            "feed_id": feeds["volunteer-other"],
            "token_id": tokens["volunteer-other"],
        },
    }
    return world
