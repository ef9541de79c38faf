"""A run's proposals as a coordinator reads them: names linked to pages, dates with weekdays, the score term by
term, why each pair fits, unmatched reasons naming people and requests, the capacity sortable and filterable."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from helpers import member
from programs import PERIOD_START, Program, _request, _volunteer, make_contact
from round_steps import open_and_freeze, run_round

from giveback.accounts.tables import Person
from giveback.mail.tables import OutboxMessage

HTML = {"accept": "text/html"}
PROBLEM_ID = re.compile(r"\b[vr]-\d+\b")


def visible(html: str) -> str:
    """The text a reader sees (no tags, so no ids in attributes)."""
    return re.sub(r"<[^>]+>", " ", html)


def section(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


async def test_the_round_page_explains_every_proposal_in_words(
    client: httpx.AsyncClient, inbox, program: Program
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    # Two requests only the one Spanish-speaking venous expert can serve, once a year: one stays unmatched.
    spanish = [
        await _request(program.host_organization, title, {"venous": 2}, ["es"], PERIOD_START + timedelta(days=7), 60)
        for title in ("Veins in Spanish", "Veins in Spanish again")
    ]
    idle_id = await _volunteer("idle@example.org", {"venous": 1}, ["fr"], PERIOD_START, 120)  # no French audience
    host = await Person.insert(Person(email="hugo@example.org", name="Hugo Host", password_hash="-", locale="pt_BR"))
    await make_contact(int(host[0]["id"]), program.host_organization)
    round_id = await open_and_freeze(client)
    await run_round(client, round_id)
    page = (await client.get(f"/coordinator/rounds/{round_id}", headers=HTML)).text
    onco, _, japanese = program.requests

    assert "visits start on Mondays" in page
    assert "request served 1,000" in page  # the weights in words

    liver = section(page, f'id="proposal-{onco}"', "</tr>")
    assert f'<a href="/coordinator/requests/{onco}">Liver tumours</a>' in liver
    assert f'<a href="/coordinator/volunteers/{program.volunteers[0]}">Onco</a>' in liver
    assert "speaks Portuguese, the audience&#39;s first language" in liver
    assert "expert in Interventional oncology" in liver and "the primary need" in liver
    assert "inside the host&#39;s preferred window" in liver
    assert "Mon," in liver  # the first day with its weekday
    assert "request served 1,000 + expertise 600" in liver
    assert not PROBLEM_ID.search(visible(liver))

    unmatched = section(page, "Unmatched requests", 'id="capacity"')
    assert f'<a href="/coordinator/requests/{japanese}">Japanese only</a>' in unmatched
    assert "Japanese" in unmatched
    assert sum(f'href="/coordinator/requests/{r}"' in unmatched for r in spanish) == 2, visible(unmatched)
    assert f'href="/coordinator/volunteers/{program.volunteers[1]}">Venous</a>' in unmatched
    assert not PROBLEM_ID.search(visible(unmatched)), unmatched

    idle = (await client.get(f"/coordinator/rounds/{round_id}?use=idle", headers=HTML)).text
    capacity = section(idle, 'id="capacity"', "</table>")
    assert f'href="/coordinator/volunteers/{idle_id}">Idle' in capacity
    assert "Onco" not in capacity
    by_name = (await client.get(f"/coordinator/rounds/{round_id}?capacity_sort=-name", headers=HTML)).text
    names = re.findall(r'/coordinator/volunteers/\d+">(\w+)</a></td>', section(by_name, 'id="capacity"', "</table>"))
    assert names == ["Venous", "Spare", "Onco", "Idle"]
    found = (await client.get(f"/coordinator/rounds/{round_id}?who=ven", headers=HTML)).text
    assert re.findall(r'/coordinator/volunteers/\d+">(\w+)</a></td>', section(found, 'id="capacity"', "</table>")) == [
        "Venous"
    ]

    # The host contacts are told of each proposed visit, in their language, with the page to review it.
    told = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.content).where(
        (OutboxMessage.recipient == "hugo@example.org") & (OutboxMessage.about == f"request:{onco}")
    )
    assert [row["subject"] for row in told] == ["Uma visita foi proposta para “Liver tumours”"]
    assert "/host/proposals/" in told[0]["content"]
    before = await OutboxMessage.count().where(OutboxMessage.recipient == "hugo@example.org")
    assert before == 3  # one per proposed visit (every request here is SoBRICE's)
    await run_round(client, round_id)  # the same proposals again: nobody is told twice
    assert await OutboxMessage.count().where(OutboxMessage.recipient == "hugo@example.org") == before
    profile = await client.get(f"/coordinator/volunteers/{program.volunteers[0]}", headers=HTML)
    assert profile.status_code == 200 and "onco@example.org" in profile.text
