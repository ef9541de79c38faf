"""The program dashboard: aggregates over delivered trips (completed or reported) and match rounds.

The public version has no filters and no names of people or organizations; the coordinator version filters
by year, region and topic and adds the organizations ranked by visits received.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from giveback import geo
from giveback.dashboard.schemas import DashboardOut, Series
from giveback.errors import InvalidInput
from giveback.hosts.tables import HostRequest, RequestNeed
from giveback.i18n import _
from giveback.rounds.tables import MatchRound
from giveback.topics.tables import Topic
from giveback.trips.report_tables import TripReport
from giveback.trips.tables import Trip, TripMember

DELIVERED = ("completed", "reported")
REGIONS = ("africa", "asia-pacific", "europe", "latin-america", "middle-east", "north-america")
CADRES = ("physicians", "trainees", "nurses", "technologists")


def _series(counter: dict[Any, int], *, label: Any = str) -> list[Series]:
    return [Series(label=label(key), value=int(value)) for key, value in counter.items()]


def _ranked(counter: Counter[str], labels: dict[str, str] | None = None) -> list[Series]:
    """Counts by key, largest first; with ``labels``, each key is a code shown by its label."""
    if labels is None:
        return [Series(label=key, value=n) for key, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], labels.get(kv[0], kv[0])))
    return [Series(label=labels.get(key, key), value=n, key=key) for key, n in ordered]


async def _topic_names() -> dict[str, str]:
    return {row["slug"]: row["name"] for row in await Topic.select(Topic.slug, Topic.name)}


async def _check_filters(year: int | None, region: str, topic: str) -> None:
    if year is not None and not 2000 <= year <= 2100:
        raise InvalidInput(_("year must be between 2000 and 2100"), field="year")
    if region and region not in REGIONS:
        raise InvalidInput(_("region must be one of %(regions)s", regions=", ".join(REGIONS)), field="region")
    if topic and topic not in await _topic_names():
        raise InvalidInput(_("no topic %(topic)s", topic=topic), field="topic")


async def dashboard(
    *, year: int | None = None, region: str = "", topic: str = "", coordinator: bool = False
) -> DashboardOut:
    """Every chart's numbers, computed from the delivered trips that pass the filters."""
    await _check_filters(year, region, topic)
    rows = await Trip.select(
        Trip.id,
        Trip.start,
        Trip.end,
        Trip.round,
        Trip.request,
        Trip.request.country.as_alias("country"),
        Trip.request.organization.as_alias("organization"),
        Trip.request._.organization._.name.as_alias("organization_name"),
        Trip.request._.organization._.region.as_alias("region"),
    ).where(Trip.status.is_in(list(DELIVERED)))
    request_ids = sorted({int(row["request"]) for row in rows})
    needs: dict[int, set[str]] = {}
    if request_ids:
        for need in await RequestNeed.select(RequestNeed.request, RequestNeed.topic).where(
            RequestNeed.request.is_in(request_ids)
        ):
            needs.setdefault(int(need["request"]), set()).add(need["topic"])
        for request in await HostRequest.select(HostRequest.id, HostRequest.primary_need).where(
            HostRequest.id.is_in(request_ids)
        ):
            if request["primary_need"]:  # a trip recorded from history may name no topic
                needs.setdefault(int(request["id"]), set()).add(request["primary_need"])

    def keep(row: dict[str, Any]) -> bool:
        row_region = row["region"] or geo.region_of(row["country"] or "") or ""
        return (
            (year is None or row["start"].year == year)
            and (not region or row_region == region)
            and (not topic or topic in needs.get(int(row["request"]), set()))
        )

    trips = sorted((row for row in rows if keep(row)), key=lambda row: (row["start"], row["id"]))
    trip_ids = [int(row["id"]) for row in trips]
    members: Counter[int] = Counter()
    volunteers: set[int] = set()
    reports: dict[int, dict[str, dict[str, Any]]] = {}
    if trip_ids:
        for member in await TripMember.select(TripMember.trip, TripMember.person).where(
            TripMember.trip.is_in(trip_ids) & (TripMember.response != "declined")
        ):
            members[int(member["trip"])] += 1
            volunteers.add(int(member["person"]))
        for report in await TripReport.select().output(load_json=True).where(TripReport.trip.is_in(trip_ids)):
            reports.setdefault(int(report["trip"]), {})[report["kind"]] = report

    per_year: Counter[int] = Counter()
    days_per_year: Counter[int] = Counter()
    attendees_per_year: Counter[int] = Counter()
    cadres: Counter[str] = Counter()
    countries_by_year: dict[int, set[str]] = {}
    organizations_by_year: dict[int, set[int]] = {}
    country_trips: Counter[str] = Counter()
    organization_trips: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    lectures = cases = 0
    for row in trips:
        y = row["start"].year
        per_year[y] += 1
        days_per_year[y] += members[int(row["id"])] * ((row["end"] - row["start"]).days + 1)
        if row["country"]:  # a trip recorded for a regional society has no country
            countries_by_year.setdefault(y, set()).add(row["country"])
        organizations_by_year.setdefault(y, set()).add(int(row["organization"]))
        country_trips[row["country"] or ""] += 1
        organization_trips[row["organization_name"] or ""] += 1
        for slug in needs.get(int(row["request"]), set()):
            topics[slug] += 1
        filed = reports.get(int(row["id"]), {})
        counted = filed.get("host") or filed.get("volunteer")
        if counted is not None:
            for cadre in CADRES:
                cadres[cadre] += int(counted[cadre])
                attendees_per_year[y] += int(counted[cadre])
        own = filed.get("volunteer")
        if own is not None:
            lectures += int(own["lectures"])
            cases += sum(int(case.get("count", 0)) for case in own["cases"] or [])

    years = sorted(per_year)
    if years:
        years = list(range(years[0], years[-1] + 1))
    countries_seen: set[str] = set()
    organizations_seen: set[int] = set()
    countries_cumulative: dict[int, int] = {}
    organizations_cumulative: dict[int, int] = {}
    for y in years:
        countries_seen |= countries_by_year.get(y, set())
        organizations_seen |= organizations_by_year.get(y, set())
        countries_cumulative[y] = len(countries_seen)
        organizations_cumulative[y] = len(organizations_seen)
    names = await _topic_names()
    filters = {"year": str(year) if year else "", "region": region, "topic": topic} if coordinator else {}
    return DashboardOut(
        filters=filters,
        totals={
            "trips": len(trips),
            "countries": len({row["country"] for row in trips if row["country"]}),
            "organizations": len({row["organization"] for row in trips}),
            "volunteers": len(volunteers),
            "volunteer_days": sum(days_per_year.values()),
            "attendees": sum(cadres.values()),
            "lectures": lectures,
            "hands_on_cases": cases,
        },
        trips_per_year=[Series(label=str(y), value=per_year.get(y, 0)) for y in years],
        countries_cumulative=_series(countries_cumulative),
        organizations_cumulative=_series(organizations_cumulative),
        volunteer_days_per_year=[Series(label=str(y), value=days_per_year.get(y, 0)) for y in years],
        attendees_per_year=[Series(label=str(y), value=attendees_per_year.get(y, 0)) for y in years],
        attendees_by_cadre=[Series(label=cadre, value=cadres.get(cadre, 0), key=cadre) for cadre in CADRES],
        topics_taught=_ranked(topics, names),
        countries_ranked=_ranked(
            country_trips, {code: geo.country_name(code) if code else "unknown" for code in country_trips}
        ),
        matched_share_per_round=await _matched_share(year),
        organizations_ranked=_ranked(organization_trips) if coordinator else None,
    )


async def _matched_share(year: int | None) -> list[Series]:
    """Per frozen round: the percentage of its requests that became a trip (whatever became of the trip)."""
    rounds = await (
        MatchRound.select(MatchRound.id, MatchRound.name, MatchRound.period_start, MatchRound.problem)
        .output(load_json=True)
        .where(MatchRound.problem.is_not_null())
        .order_by(MatchRound.period_start)
        .order_by(MatchRound.id)
    )
    trips: Counter[int] = Counter()
    if rounds:
        for row in await Trip.select(Trip.round, Trip.request).where(Trip.round.is_in([int(r["id"]) for r in rounds])):
            trips[int(row["round"])] += 1
    shares = []
    for round_row in rounds:
        start: date = round_row["period_start"]
        if year is not None and start.year != year:
            continue
        asked = len((round_row["problem"] or {}).get("requests", []))
        if asked:
            shares.append(
                Series(label=round_row["name"], value=round(100 * min(trips[int(round_row["id"])], asked) / asked))
            )
    return shares
