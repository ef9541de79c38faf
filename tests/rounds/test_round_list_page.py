"""The coordinator's list of rounds: sorted by any column by its type, filtered by status, without scripts."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import httpx
from helpers import member

from giveback.rounds.tables import MatchRound

HTML = {"accept": "text/html"}


async def _round(name: str, start: date, volunteers: int | None) -> None:
    """A round as a freeze leaves it (``volunteers`` in its problem), or still open when ``volunteers`` is None."""
    frozen = volunteers is not None
    problem = {"volunteers": [{"id": f"v-{n}"} for n in range(volunteers or 0)], "requests": []}
    await MatchRound.insert(
        MatchRound(
            name=name,
            period_start=start,
            period_end=start.replace(year=start.year + 1),
            status="frozen" if frozen else "open",
            problem=problem if frozen else None,
            frozen_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC) if frozen else None,
        )
    )


async def names(client: httpx.AsyncClient, query: str = "") -> list[str]:
    page = await client.get(f"/coordinator/rounds/{query}", headers=HTML)
    assert page.status_code == 200, page.text
    return re.findall(r'<a href="/coordinator/rounds/\d+">([^<]+)</a>', page.text)


async def test_rounds_sort_by_number_and_date_with_empty_values_last(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    await _round("Round 9", date(2027, 3, 1), 9)
    await _round("Round 10", date(2026, 12, 1), 10)
    await _round("Round 100", date(2027, 1, 15), 100)
    await _round("Draft", date(2026, 11, 2), None)

    # Numbers compare as numbers, not as text ("10" < "9"); the unfrozen round has none and comes last both ways.
    assert await names(client, "?sort=volunteers") == ["Round 9", "Round 10", "Round 100", "Draft"]
    assert await names(client, "?sort=-volunteers") == ["Round 100", "Round 10", "Round 9", "Draft"]
    # Days compare in time order; the default is the latest travel period first.
    assert await names(client, "?sort=period") == ["Draft", "Round 10", "Round 100", "Round 9"]
    newest_first = ["Round 9", "Round 100", "Round 10", "Draft"]
    assert await names(client) == newest_first
    # Text ignores case; an unknown or malformed sort key falls back to the default order.
    assert await names(client, "?sort=-name") == ["Round 9", "Round 100", "Round 10", "Draft"]
    for bad in ("nonsense", "--period", "-", "PERIOD"):
        assert await names(client, f"?sort={bad}") == newest_first, bad


async def test_headers_link_to_the_other_direction_and_keep_the_filter(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    await _round("Round 9", date(2027, 3, 1), 9)
    await _round("Draft", date(2026, 11, 2), None)

    page = (await client.get("/coordinator/rounds/?status=frozen&sort=volunteers", headers=HTML)).text
    headers = {
        label: (sort, html.unescape(link))
        for sort, link, label in re.findall(
            r'<th scope="col"(?: aria-sort="(\w+)")?><a class="sort" href="([^"]+)">([^<]+)<', page
        )
    }
    assert headers["Volunteers"] == ("ascending", "?status=frozen&sort=-volunteers")
    assert headers["Period"] == ("", "?status=frozen&sort=period")
    # The filter form keeps the sort, and the filter applies.
    assert '<input type="hidden" name="sort" value="volunteers">' in page
    assert re.findall(r'<a href="/coordinator/rounds/\d+">([^<]+)</a>', page) == ["Round 9"]
    assert '<option value="frozen" selected>' in page

    assert await names(client, "?status=open") == ["Draft"]
    assert await names(client, "?status=") == ["Round 9", "Draft"]
    refused = await client.get("/coordinator/rounds/?status=closed", headers=HTML)
    assert refused.status_code == 200
    assert "“closed” is not a round status, so the list is not filtered" in html.unescape(refused.text)
    assert await names(client, "?status=closed") == ["Round 9", "Draft"]

    empty = (await client.get("/coordinator/rounds/?status=open&sort=name", headers=HTML)).text
    assert "Draft" in empty
    await MatchRound.delete().where(MatchRound.status == "open")
    nothing = (await client.get("/coordinator/rounds/?status=open", headers=HTML)).text
    assert 'No open round. <a href="/coordinator/rounds/">Show every round</a>' in nothing


async def test_the_frozen_moment_is_marked_up_for_the_viewers_time_zone(client: httpx.AsyncClient, inbox) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    await _round("Round 9", date(2027, 3, 1), 9)
    row = await MatchRound.select(MatchRound.id).first()
    assert row is not None
    page = (await client.get(f"/coordinator/rounds/{row['id']}", headers=HTML)).text
    # UTC in the page (what stays without scripts); /static/local-time.js, loaded by every page, rewrites it.
    assert '<time datetime="2026-01-05T09:30:00+00:00" data-local="moment">Jan 5, 2026, 9:30\u202fAM UTC</time>' in page
    assert '<script src="/static/local-time.js" defer></script>' in page
    script = await client.get("/static/local-time.js")
    assert script.status_code == 200
    assert "time[data-local]" in script.text
