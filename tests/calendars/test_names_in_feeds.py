"""Item 8 (security, second pass): a name stored before names were checked, with a line break and a bidi override,
no longer breaks its owner's feed (the feed's NAME is written on one line)."""

from __future__ import annotations

from calkit import make_world

from giveback.accounts.tables import Person


async def test_a_feed_still_answers_for_a_person_whose_stored_name_holds_a_newline(new_client, inbox, settings) -> None:
    world = await make_world(new_client, inbox, settings, volunteers=1, coordinator=False, logins=True)
    owner = world.volunteer_clients[0]
    await Person.update({Person.name: "Ana\nMaria \u202eevil"}).where(Person.id == world.volunteers[0])
    feed = (await owner.post("/api/calendar/feeds", json={"kind": "personal"})).json()
    polled = await new_client().get("/feeds/" + feed["url"].rsplit("/", 1)[1])
    assert polled.status_code == 200, polled.text
    assert "NAME:Giveback trips – Ana Maria evil\r\n" in polled.text
