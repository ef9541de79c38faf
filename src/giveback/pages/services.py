"""Each role's home: the coordinator's work list, and the first steps every new person is walked through.

A coordinator's home counts what waits for them (claims, requests, reports, rounds, free places after declines),
each with the page to act on. A volunteer's and a host's checklists show the first steps until they are done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from giveback.accounts.sessions import SignedIn
from giveback.calendars import feeds, imports
from giveback.hosts.tables import HostRequest, OrganizationClaim
from giveback.i18n import Text, _, _n
from giveback.rounds import replacements
from giveback.rounds.tables import MatchRound
from giveback.trips import services as trips
from giveback.trips.schemas import TripOut
from giveback.trips.tables import Trip, TripMember
from giveback.volunteers import services as volunteers

LIVE_ROUNDS = ("open", "frozen", "approved")


@dataclass(frozen=True)
class WorkItem:
    """One kind of work: how many wait, what they are, and where to act on them (with the rows named)."""

    key: str
    count: int
    title: Text
    link: str
    action: Text
    entries: list[tuple[str, str]] = field(default_factory=list)  # (name, link) of the first few


@dataclass(frozen=True)
class Step:
    """A first step of a checklist: done or not, and where to take it."""

    key: str
    title: Text
    link: str
    done: bool
    note: str = ""


async def work_list(user: SignedIn) -> list[WorkItem]:
    """What waits for a coordinator now, in the order they usually take it."""
    claims = await OrganizationClaim.count().where(OrganizationClaim.status == "pending")
    requests = (
        await HostRequest.select(HostRequest.id, HostRequest.title)
        .where(HostRequest.status == "submitted")
        .order_by(HostRequest.created_at)
    )
    rounds = (
        await MatchRound.select(MatchRound.id, MatchRound.name, MatchRound.status)
        .where(MatchRound.status.is_in(list(LIVE_ROUNDS)))
        .order_by(MatchRound.period_start)
    )
    places: list[tuple[str, str]] = []
    for row in rounds:
        for place in await replacements.open_places(int(row["id"])):
            places.append((f"{place.title} ({place.host})", f"/coordinator/rounds/{row['id']}#places"))
    waiting = await TripMember.select(TripMember.trip).where(
        (TripMember.response == "pending") & TripMember.trip.status.is_in(["invited"])
    )
    unanswered = sorted({int(r["trip"]) for r in waiting})
    reports = await trips.outstanding(user)
    in_progress = [r for r in rounds if r["status"] in ("open", "frozen")]
    return [
        WorkItem(
            "claims",
            claims,
            _n("claim waits for a decision", "claims wait for a decision", claims),
            "/coordinator/claims",
            _("Decide the claims"),
        ),
        WorkItem(
            "requests",
            len(requests),
            _n("request waits for a decision", "requests wait for a decision", len(requests)),
            "/coordinator/requests",
            _("Review the requests"),
            [(r["title"], f"/coordinator/requests/{r['id']}") for r in requests[:5]],
        ),
        WorkItem(
            "rounds",
            len(in_progress),
            _n("round in progress", "rounds in progress", len(in_progress)),
            "/coordinator/rounds/",
            _("Open the rounds"),
            [(r["name"], f"/coordinator/rounds/{r['id']}") for r in in_progress[:5]],
        ),
        WorkItem(
            "places",
            len(places),
            _n("place to fill after a decline", "places to fill after declines", len(places)),
            places[0][1] if len(places) == 1 else "/coordinator/rounds/",
            _("Find replacements"),
            places[:5],
        ),
        WorkItem(
            "invites",
            len(unanswered),
            _n("trip waits for a volunteer's answer", "trips wait for volunteers' answers", len(unanswered)),
            "/trips/?status=invited",
            _("See the invited trips"),
        ),
        WorkItem(
            "reports",
            len(reports),
            _n("trip waits for its reports", "trips wait for their reports", len(reports)),
            "/coordinator/reports",
            _("Remind those who owe reports"),
            [(r.request_title, f"/trips/{r.trip_id}") for r in reports[:5]],
        ),
    ]


async def volunteer_steps(user: SignedIn) -> list[Step]:
    """A new volunteer's first steps: the profile, then availability, then a calendar (imported or subscribed)."""
    profile = await volunteers.find_profile(user)
    windows = await volunteers.list_windows(user) if profile else []
    imported = await imports.import_status(user)
    own_feeds = await feeds.list_feeds(user)
    return [
        Step(
            "profile",
            _("Fill in your profile: expertise, languages, where you travel"),
            "/volunteer/profile",
            bool(profile),
        ),
        Step("availability", _("Add the dates you could travel"), "/volunteer/availability", bool(windows)),
        Step(
            "calendar",
            _("Link your calendar, or subscribe to your trips' feed"),
            "/calendar",
            imported.linked or any(f.kind == "personal" for f in own_feeds),
        ),
    ]


async def waiting_invites(user: SignedIn) -> list[TripOut]:
    """The volunteer's trips whose invite waits for their answer."""
    return await trips.waiting_answers(user)


async def upcoming_trips(user: SignedIn) -> list[TripOut]:
    """The volunteer's trips still to come or under way, first day first."""
    rows = await TripMember.select(TripMember.trip).where(
        (TripMember.person == user.person_id) & (TripMember.response != "declined")
    )
    ids = [int(r["trip"]) for r in rows]
    if not ids:
        return []
    live = await Trip.select().where(
        Trip.id.is_in(ids) & Trip.status.is_in(["approved", "invited", "confirmed", "in_progress", "postponed"])
    )
    return sorted(await trips.trip_outs(live), key=lambda t: (t.start, t.id))
