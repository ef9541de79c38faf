"""The coordinators' request and claim lists: sorted by dates, filtered by status, moments in the viewer's zone."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from hostkit import World, in_days

from giveback.hosts.tables import HostRequest, OrganizationClaim

HTML = {"accept": "text/html"}


async def submitted(world: World, title: str, first_day: int, written: datetime) -> int:
    """A submitted request whose first window starts ``first_day`` days from now, written at ``written``."""
    window = {"start": in_days(first_day), "end": in_days(first_day + 20), "preferred": False}
    draft = await world.draft(title=title, windows=[window])
    assert (await world.host.post(f"/api/requests/{draft['id']}/submit")).status_code == 200
    await HostRequest.update({HostRequest.created_at: written}).where(HostRequest.id == draft["id"])
    return int(draft["id"])


async def titles(world: World, query: str) -> list[str]:
    page = await world.coordinator.get(f"/coordinator/requests{query}", headers=HTML)
    assert page.status_code == 200, page.text
    return re.findall(r"<tr[^>]*>\s*<td>(?:<a [^>]*>)?([^<]+)<", page.text)  # the linked title


async def test_requests_sort_by_first_window_and_by_when_they_were_written(world: World) -> None:
    await submitted(world, "Autumn", 300, datetime(2026, 1, 9, 8, 0, tzinfo=UTC))
    await submitted(world, "Spring", 40, datetime(2025, 12, 31, 23, 45, tzinfo=UTC))
    await submitted(world, "Summer", 120, datetime(2026, 1, 10, 6, 5, tzinfo=UTC))

    # Newest written first by default; days and moments compare in time order.
    assert await titles(world, "") == ["Summer", "Autumn", "Spring"]
    assert await titles(world, "?sort=submitted") == ["Spring", "Autumn", "Summer"]
    assert await titles(world, "?sort=windows") == ["Spring", "Summer", "Autumn"]
    assert await titles(world, "?sort=-windows") == ["Autumn", "Summer", "Spring"]
    assert await titles(world, "?sort=no-such-column") == ["Summer", "Autumn", "Spring"]

    page = (await world.coordinator.get("/coordinator/requests?sort=windows", headers=HTML)).text
    # The moment a request was written: UTC in the page, rewritten in the viewer's zone by /static/local-time.js.
    assert (
        '<time datetime="2025-12-31T23:45:00+00:00" data-local="moment">Dec 31, 2025, 11:45\u202fPM UTC</time>' in page
    )
    assert 'aria-sort="ascending"><a class="sort" href="?sort=-windows">Windows' in page
    # The status filter keeps the sort, and marking a priority comes back to the same list.
    assert '<input type="hidden" name="sort" value="windows">' in page
    spring = await HostRequest.select(HostRequest.id).where(HostRequest.title == "Spring").first()
    assert spring is not None
    marked = await world.coordinator.post(
        f"/coordinator/requests/{spring['id']}/priority",
        data={"priority": "1", "status": "submitted", "sort": "-windows"},
    )
    assert marked.headers["location"] == "/coordinator/requests?status=submitted&sort=-windows&done=priority"
    # The notice shows once: the sort links keep the filter, not the notice.
    after = (await world.coordinator.get(marked.headers["location"], headers=HTML)).text
    assert 'href="?status=submitted&amp;sort=windows">Windows' in after
    assert "done=priority" not in after


async def test_a_status_the_list_does_not_know_is_ignored_with_a_message(world: World) -> None:
    await submitted(world, "Spring", 40, datetime(2025, 12, 31, 23, 45, tzinfo=UTC))
    await world.draft(title="Still a draft")

    assert await titles(world, "") == ["Spring"]  # the coordinators' queue: submitted requests
    assert await titles(world, "?status=draft") == ["Still a draft"]
    page = await world.coordinator.get("/coordinator/requests?status=approved-ish", headers=HTML)
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "“approved-ish” is not a request status, so the list is not filtered" in text
    assert sorted(await titles(world, "?status=approved-ish")) == ["Spring", "Still a draft"]
    # "All statuses" is an empty value, which the sort links keep (no value would mean the submitted queue).
    every = (await world.coordinator.get("/coordinator/requests?status=", headers=HTML)).text
    assert 'href="?status=&amp;sort=title"' in every
    nothing = html.unescape((await world.coordinator.get("/coordinator/requests?status=declined", headers=HTML)).text)
    assert "No declined request. " in nothing

    claims = await world.coordinator.get("/coordinator/claims?status=maybe", headers=HTML)
    assert claims.status_code == 200
    assert "“maybe” is not a claim status" in html.unescape(claims.text)


async def test_claims_show_when_they_were_sent(world: World) -> None:
    await OrganizationClaim.update({OrganizationClaim.created_at: datetime(2026, 2, 1, 22, 10, tzinfo=UTC)}).where(
        OrganizationClaim.person == world.host_id
    )
    page = (await world.coordinator.get("/coordinator/claims?status=approved", headers=HTML)).text
    assert (
        '<time datetime="2026-02-01T22:10:00+00:00" data-local="moment">Feb 1, 2026, 10:10\u202fPM UTC</time>' in page
    )
    home = (await world.host.get("/host", headers=HTML)).text
    assert '<time datetime="2026-02-01T22:10:00+00:00" data-local="moment">' in home
