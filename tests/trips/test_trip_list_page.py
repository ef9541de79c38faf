"""The trips page: sorted by date through header links, filtered by status; timeline moments in the viewer's zone."""

from __future__ import annotations

import html
import re

import httpx
from tripkit import actor, days, make_trip

Client = httpx.AsyncClient
HTML = {"accept": "text/html"}


async def trip_ids(client: Client, query: str = "") -> list[int]:
    page = await client.get(f"/trips/{query}", headers=HTML)
    assert page.status_code == 200, page.text
    return [int(found) for found in re.findall(r'<th scope="row"><a href="/trips/(\d+)">', page.text)]


async def test_trips_sort_by_start_day_and_filter_by_status(client: Client) -> None:
    await actor(client, "coord@example.org", ["coordinator"])
    late, _ = await make_trip(start=days(100))
    ninth, _ = await make_trip(start=days(9), status="completed")
    tenth, _ = await make_trip(start=days(10))

    assert await trip_ids(client) == [ninth, tenth, late]
    assert await trip_ids(client, "?sort=-start") == [late, tenth, ninth]
    assert await trip_ids(client, "?sort=start%3B") == [ninth, tenth, late]  # unknown key: the default order
    assert await trip_ids(client, "?status=confirmed&sort=-start") == [late, tenth]
    page = (await client.get("/trips/?status=confirmed&sort=-start", headers=HTML)).text
    assert '<input type="hidden" name="sort" value="-start">' in page
    assert 'href="?status=confirmed&amp;sort=start"' in page

    unknown = await client.get("/trips/?status=lost", headers=HTML)
    assert unknown.status_code == 200
    assert "“lost” is not a trip status, so the list is not filtered" in html.unescape(unknown.text)
    assert await trip_ids(client, "?status=lost") == [ninth, tenth, late]
    none = html.unescape((await client.get("/trips/?status=cancelled", headers=HTML)).text)
    assert 'No trips with status cancelled: <a href="/trips/">show every trip</a>.' in none


async def test_the_timeline_marks_each_moment_for_the_viewers_time_zone(client: Client) -> None:
    await actor(client, "coord@example.org", ["coordinator"])
    trip_id, _ = await make_trip(start=days(-10), length=3)
    done = await client.post(f"/trips/{trip_id}/actions", data={"action": "complete", "reason": "Went well"})
    assert done.status_code == 303, done.text
    page = (await client.get(f"/trips/{trip_id}", headers=HTML)).text
    timeline = page.split("<h2>Timeline</h2>")[1]
    assert re.search(
        r'<td><time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00" data-local="moment">'
        r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\s[AP]M UTC</time></td>",
        timeline,
    )
