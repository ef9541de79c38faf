"""The travel checklist: each item set by the person responsible and seen by the others, reminders 60, 30 and 7
days before the first day for what is still open (once each), and the coordinator's view of open items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
from tripkit import actor, days, make_contact, make_trip, organization_id, today

from giveback.accounts.tables import Person
from giveback.mail.sender import drain_outbox
from giveback.settings import Settings
from giveback.trips.report_tables import ReminderSent
from giveback.trips.scheduler import run_scheduled_steps

Client = httpx.AsyncClient
BASE = "http://testserver.local"
VOLUNTEER_PART = {
    "visa_needed": "yes",
    "visa_applied_on": days(-3).isoformat(),
    "visa_granted_on": days(1).isoformat(),
    "arrival_at": "2031-03-02T14:35",
    "arrival_details": "TP 15 to Recife (REC)",
    "departure_at": "2031-03-09T22:10",
    "departure_details": "TP 16",
    "insurance": "Allianz Travel, policy 4471",
}
HOST_PART = {"lodging": "Hotel Atlante Plaza, Boa Viagem", "licence_needed": "no", "local_contact": "Dr. Lima, +55 81"}


class Team:
    volunteer: Client
    host: Client
    coordinator: Client
    other: Client
    volunteer_id: int
    trip_id: int


async def team(client: Client, new_client: Callable[[], Client], *, start_in: int, status: str = "confirmed") -> Team:
    t = Team()
    t.volunteer, t.host, t.coordinator, t.other = client, new_client(), new_client(), new_client()
    t.volunteer_id = await actor(t.volunteer, "vol@example.org", ["volunteer"])
    host_id = await actor(t.host, "host@example.org", ["host"])
    await make_contact(host_id, await organization_id("SoBRICE"))
    await actor(t.coordinator, "coord@example.org", ["coordinator"])
    await actor(t.other, "other@example.org", ["volunteer"])
    t.trip_id, _ = await make_trip(status=status, start=days(start_in), length=5, members=[t.volunteer_id])
    return t


async def test_each_item_is_set_by_the_person_responsible_and_seen_by_the_others(
    client: Client, new_client: Callable[[], Client]
) -> None:
    t = await team(client, new_client, start_in=50)
    url = f"/api/trips/{t.trip_id}/checklist"
    [fresh] = (await t.coordinator.get(url)).json()
    assert fresh["open_items"] == ["visa", "flights", "lodging", "insurance", "licence", "local_contact"]
    lodging = next(i for i in fresh["items"] if i["item"] == "lodging")
    assert (lodging["by"], lodging["provided"]) == ("host", True)  # the request provides lodging

    mine = f"{url}/{t.volunteer_id}"
    for who, part, field in (
        (t.host, {"visa_needed": "no"}, "visa_needed"),
        (t.volunteer, {"local_contact": "me"}, "local_contact"),
        (t.volunteer, {"lodging": "a tent"}, "lodging"),  # the host provides lodging
        (t.coordinator, {"insurance": "x"}, "insurance"),
    ):
        refused = await who.post(mine, json=part)
        assert refused.status_code == 403, refused.text
        assert refused.json()["field"] == field
    assert (await t.other.post(mine, json={"insurance": "x"})).status_code == 404
    backwards = await t.volunteer.post(
        mine, json={"arrival_at": "2031-03-09T10:00", "departure_at": "2031-03-02T10:00"}
    )
    assert backwards.status_code == 400 and backwards.json()["field"] == "departure_at"

    done = await t.volunteer.post(mine, json=VOLUNTEER_PART)
    assert done.status_code == 200, done.text
    assert done.json()["open_items"] == ["lodging", "licence", "local_contact"]
    hosted = await t.host.post(mine, json=HOST_PART)
    assert hosted.json()["open_items"] == []
    [seen] = (await t.volunteer.get(url)).json()
    states = {i["item"]: i["state"] for i in seen["items"]}
    assert states == {
        "visa": "done",
        "flights": "done",
        "lodging": "done",
        "insurance": "done",
        "licence": "not_needed",
        "local_contact": "done",
    }
    flights = next(i for i in seen["items"] if i["item"] == "flights")
    assert flights["values"]["arrival_at"] == "2031-03-02T14:35:00"
    assert seen["updated_by_name"] == "Host"
    cleared = await t.volunteer.post(mine, json={"visa_granted_on": None})
    assert cleared.json()["open_items"] == ["visa"]

    page = await t.host.get(f"/trips/{t.trip_id}")
    assert "Hotel Atlante Plaza" in page.text and "TP 15 to Recife" in page.text
    assert "part for Vol" in page.text and "Your travel checklist" not in page.text
    form = await t.volunteer.post(
        f"/trips/{t.trip_id}/checklist/{t.volunteer_id}",
        data={"visa_needed": "yes", "visa_granted_on": "", "departure_at": "2031-03-01T08:00"},
    )
    assert form.status_code == 400 and "the departure cannot be before the arrival" in form.text
    assert "Your travel checklist" in form.text

    assert (await t.other.get(url)).status_code == 404


async def test_reminders_go_out_60_30_and_7_days_before_once_each(
    client: Client, new_client: Callable[[], Client], settings: Settings, inbox
) -> None:
    t = await team(client, new_client, start_in=75)
    await Person.update({Person.locale: "es"}).where(Person.id == t.volunteer_id)
    first_day = days(75)
    await drain_outbox(settings)  # the trip's invites
    inbox.messages.clear()

    async def run(day: int) -> int:
        done = await run_scheduled_steps(first_day - timedelta(days=day), settings=settings, base_url=BASE)
        await drain_outbox(settings)
        return done["travel_reminders"]

    assert await run(61) == 0
    assert await run(60) == 2  # the volunteer (visa, flights, insurance) and the host contact (its part)
    assert await run(60) == 0
    assert await run(45) == 0
    to_volunteer = inbox.last_to("vol@example.org")
    text = to_volunteer.get_body(preferencelist=("plain",)).get_content()
    assert "60" in str(to_volunteer["Subject"]) and "visado" in text and "seguro" in text  # in her language
    assert f"/trips/{t.trip_id}#checklist" in text
    to_host = inbox.last_to("host@example.org").get_body(preferencelist=("plain",)).get_content()
    assert "Vol: lodging, medical licence, and local contact" in to_host

    await t.volunteer.post(f"/api/trips/{t.trip_id}/checklist/{t.volunteer_id}", json=VOLUNTEER_PART)
    assert await run(30) == 1  # the host's part only
    assert inbox.last_to("host@example.org")["Subject"].startswith("Giveback: 30 days")
    await t.host.post(f"/api/trips/{t.trip_id}/checklist/{t.volunteer_id}", json=HOST_PART)
    assert await run(7) == 0  # nothing open
    assert await run(0) == 0  # the first day: travel has begun
    kinds = sorted(r["kind"] for r in await ReminderSent.select(ReminderSent.kind))
    assert kinds == ["travel_30", "travel_60", "travel_60"]


async def test_a_trip_made_late_gets_the_latest_reminder_only_and_the_coordinator_sees_it(
    client: Client, new_client: Callable[[], Client], settings: Settings
) -> None:
    t = await team(client, new_client, start_in=20)
    done = await run_scheduled_steps(today(), settings=settings, base_url=BASE)
    assert done["travel_reminders"] == 2
    assert {r["kind"] for r in await ReminderSent.select(ReminderSent.kind)} == {"travel_30"}
    assert (await run_scheduled_steps(today(), settings=settings, base_url=BASE))["travel_reminders"] == 0

    [row] = (await t.coordinator.get("/api/travel/open")).json()
    assert (row["trip_id"], row["days_to_go"]) == (t.trip_id, 20)
    assert row["open_items"] == {"Vol": ["visa", "flights", "lodging", "insurance", "licence", "local_contact"]}
    page = await t.coordinator.get("/coordinator/travel")
    assert page.status_code == 200 and "medical licence" in page.text
    assert (await t.volunteer.get("/api/travel/open")).status_code == 403

    await t.volunteer.post(f"/api/trips/{t.trip_id}/checklist/{t.volunteer_id}", json=VOLUNTEER_PART)
    await t.host.post(f"/api/trips/{t.trip_id}/checklist/{t.volunteer_id}", json=HOST_PART)
    assert (await t.coordinator.get("/api/travel/open")).json() == []


async def test_no_checklist_after_the_trip(client: Client, new_client: Callable[[], Client]) -> None:
    t = await team(client, new_client, start_in=-10, status="completed")
    refused = await t.volunteer.post(f"/api/trips/{t.trip_id}/checklist/{t.volunteer_id}", json={"insurance": "x"})
    assert refused.status_code == 409 and "this trip is completed" in refused.json()["detail"]
