"""What other domains call: matching's view of requests, the later lifecycle steps, export and deletion."""

from __future__ import annotations

from datetime import date

import pytest
from hostkit import World

from giveback.errors import Conflict
from giveback.hosts import services
from giveback.hosts.tables import HostRequest, OrganizationClaim


async def test_matched_fulfilled_and_reopened(world: World) -> None:
    request = await world.accepted()
    with pytest.raises(Conflict):
        await services.mark_fulfilled(request["id"])
    with pytest.raises(Conflict):
        await services.reopen(request["id"])
    assert (await services.mark_matched(request["id"])).status == "matched"
    assert len((await world.host.get("/api/directory/requests")).json()) == 1
    assert await services.list_requests_for_matching() == []
    assert (await services.reopen(request["id"])).status == "accepted"
    await services.mark_matched(request["id"])
    assert (await services.mark_fulfilled(request["id"])).status == "fulfilled"
    assert (await world.host.get("/api/directory/requests")).json() == []
    with pytest.raises(Conflict):
        await services.mark_matched(request["id"])


async def test_requests_for_matching(world: World) -> None:
    await world.draft()
    request = await world.accepted()
    await world.coordinator.put(f"/api/requests/{request['id']}/priority", json={"priority": True})
    [matching] = await services.list_requests_for_matching()
    assert matching.id == request["id"]
    assert matching.organization_short_name == "SoBRICE"
    assert matching.country == "BR"
    assert matching.region == "latin-america"
    assert matching.needs == {"embolization": 3, "venous": 2}
    assert matching.primary_need == "embolization"
    assert matching.languages == ["pt", "en"]
    assert matching.duration_days == 5
    assert matching.team_size == 2
    assert matching.priority is True
    assert matching.advisory_level == 1
    assert [preferred for _, _, preferred in matching.windows] == [True, False]
    assert all(isinstance(start, date) for start, _, _ in matching.windows)


async def test_export_and_deletion_of_host_data(world: World) -> None:
    request = await world.draft()
    exported = await services.organization_data_for(world.host_id)
    assert [c["status"] for c in exported["claims"]] == ["approved"]
    assert exported["claims"][0]["organization_id"] == world.org_id
    await services.delete_host_data(world.host_id)
    assert await OrganizationClaim.count().where(OrganizationClaim.person == world.host_id) == 0
    row = await HostRequest.select().where(HostRequest.id == request["id"]).first()
    assert row["created_by"] is None
    assert await services.organization_data_for(world.host_id) == {"claims": []}


def test_windows_as_months() -> None:
    assert services.months_label(date(2027, 5, 3), date(2027, 6, 20)) == "May\u2013Jun 2027"
    assert services.months_label(date(2027, 5, 3), date(2027, 5, 20)) == "May 2027"
    assert services.months_label(date(2026, 12, 3), date(2027, 1, 20)) == "Dec 2026\u2013Jan 2027"
