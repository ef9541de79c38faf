"""Reports from both sides: who may file, when, the ranges, and reported needing both."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from tripkit import GOOD_REPORT, actor, days, make_contact, make_trip, organization_id, request_status, trip

from giveback.trips.report_tables import TripReport

Client = httpx.AsyncClient


class Team:
    def __init__(self, volunteer: Client, host: Client, trip_id: int, request_id: int) -> None:
        self.volunteer, self.host, self.trip_id, self.request_id = volunteer, host, trip_id, request_id


@pytest.fixture
async def team(client: Client, new_client: Callable[[], Client]) -> Team:
    volunteer_id = await actor(client, "vol@example.org", ["volunteer"])
    host = new_client()
    host_id = await actor(host, "host@example.org", ["host"])
    await make_contact(host_id, await organization_id("SoBRICE"))
    trip_id, request_id = await make_trip(status="completed", start=days(-10), length=5, members=[volunteer_id])
    return Team(client, host, trip_id, request_id)


async def test_both_reports_make_the_trip_reported_and_the_request_fulfilled(team: Team) -> None:
    url = f"/api/trips/{team.trip_id}/reports"
    filed = await team.volunteer.post(f"{url}/volunteer", json=GOOD_REPORT)
    assert filed.status_code == 201, filed.text
    assert filed.json()["cases"][0] == {"topic": "embolization", "role": "performed", "count": 4}
    assert filed.json()["author_name"] == "Vol"
    assert (await trip(team.trip_id))["status"] == "completed"
    again = await team.volunteer.post(f"{url}/volunteer", json=GOOD_REPORT)
    assert again.status_code == 409
    assert again.json()["field"] == "kind"

    shown = (await team.host.get(f"/api/trips/{team.trip_id}")).json()
    assert shown["can_report_as"] == ["host"]
    evaluation = await team.host.post(f"{url}/host", json={**GOOD_REPORT, "cases": [], "rating_teaching": 5})
    assert evaluation.status_code == 201, evaluation.text
    detail = (await team.volunteer.get(f"/api/trips/{team.trip_id}")).json()
    assert detail["trip"]["status"] == "reported"
    assert (detail["trip"]["volunteer_report"], detail["trip"]["host_evaluation"]) == (True, True)
    assert detail["events"][-1]["to_status"] == "reported"
    assert await request_status(team.request_id) == "fulfilled"
    assert [r["kind"] for r in (await team.host.get(url)).json()] == ["volunteer", "host"]
    late = await team.host.post(f"{url}/host", json=GOOD_REPORT)
    assert late.status_code == 409


BAD_REPORTS: list[tuple[dict[str, Any], str]] = [
    ({"lecture_hours": 201}, "lecture_hours"),
    ({"lecture_hours": -1}, "lecture_hours"),
    ({"lectures": 501}, "lectures"),
    ({"physicians": 5001}, "physicians"),
    ({"trainees": -3}, "trainees"),
    ({"nurses": 5001}, "nurses"),
    ({"technologists": 5001}, "technologists"),
    ({"rating_overall": 0}, "rating_overall"),
    ({"rating_teaching": 6}, "rating_teaching"),
    ({"rating_logistics": None}, "rating_logistics"),
    ({"cases": [{"topic": "embolization", "role": "performed", "count": 501}]}, "count"),
    ({"cases": [{"topic": "embolization", "role": "watched", "count": 1}]}, "role"),
    ({"cases": [{"topic": "astrology", "role": "performed", "count": 1}]}, "cases"),
    ({"bribe": 1}, "bribe"),
]


async def test_numbers_out_of_range_are_refused_naming_the_field(team: Team) -> None:
    for change, field in BAD_REPORTS:
        response = await team.volunteer.post(
            f"/api/trips/{team.trip_id}/reports/volunteer", json={**GOOD_REPORT, **change}
        )
        assert response.status_code == 400, (change, response.text)
        assert field in response.text, (change, response.text)
    assert await TripReport.count() == 0


async def test_who_may_report(team: Team, new_client: Callable[[], Client]) -> None:
    url = f"/api/trips/{team.trip_id}/reports"
    # the volunteer is not the host, and the host is not on the team
    assert (await team.volunteer.post(f"{url}/host", json=GOOD_REPORT)).status_code == 403
    assert (await team.host.post(f"{url}/volunteer", json=GOOD_REPORT)).status_code == 403
    stranger = new_client()
    await actor(stranger, "other@example.org", ["volunteer", "host"])
    assert (await stranger.post(f"{url}/volunteer", json=GOOD_REPORT)).status_code == 404
    assert (await stranger.get(f"/api/trips/{team.trip_id}")).status_code == 404
    assert (await stranger.get(url)).status_code == 404
    other_host = new_client()
    other_id = await actor(other_host, "bsir@example.org", ["host"])
    await make_contact(other_id, await organization_id("BSIR"))
    assert (await other_host.post(f"{url}/host", json=GOOD_REPORT)).status_code == 404
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    assert (await coordinator.post(f"{url}/volunteer", json=GOOD_REPORT)).status_code == 403
    assert (await coordinator.post(f"{url}/summary", json=GOOD_REPORT)).status_code == 404
    anonymous = new_client()
    assert (await anonymous.post(f"{url}/volunteer", json=GOOD_REPORT)).status_code == 401
    assert await TripReport.count() == 0


async def test_no_report_before_the_trip_ended(client: Client) -> None:
    volunteer_id = await actor(client, "vol@example.org", ["volunteer"])
    for number, status in enumerate(("approved", "invited", "confirmed", "in_progress", "cancelled", "postponed")):
        # a month apart: the booked rule keeps one volunteer's trips 14 days apart
        trip_id, _ = await make_trip(status=status, start=days(30 * number - 1), members=[volunteer_id])
        response = await client.post(f"/api/trips/{trip_id}/reports/volunteer", json=GOOD_REPORT)
        assert response.status_code == 409, (status, response.text)
        assert response.json()["field"] == "status"
        assert "completed" in response.json()["detail"]
    assert await TripReport.count() == 0


async def test_trip_lists_show_each_person_their_trips(team: Team, new_client: Callable[[], Client]) -> None:
    foreign, _ = await make_trip(status="confirmed", org="BSIR")
    mine = [t["id"] for t in (await team.volunteer.get("/api/trips")).json()]
    theirs = [t["id"] for t in (await team.host.get("/api/trips")).json()]
    assert mine == [team.trip_id]
    assert theirs == [team.trip_id]
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    every = (await coordinator.get("/api/trips")).json()
    assert {t["id"] for t in every} == {team.trip_id, foreign}
    confirmed = (await coordinator.get("/api/trips", params={"status": "confirmed"})).json()
    assert [t["id"] for t in confirmed] == [foreign]
    assert (await coordinator.get("/api/trips", params={"status": "lost"})).status_code == 400
    assert (await team.volunteer.get(f"/api/trips/{foreign}")).status_code == 404
