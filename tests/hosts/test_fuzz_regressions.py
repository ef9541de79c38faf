"""Answers the API fuzzing (tests/fuzz) found wrong in the hosts domain."""

from __future__ import annotations

import httpx
from hostkit import World


async def test_an_id_beyond_32_bits_is_a_bad_request_not_a_server_error(world: World) -> None:
    # The id reached the database, where it overflowed the 32-bit column (PostgreSQL): 500 on both databases.
    huge = 2**70
    for client, method, path in [
        (world.host, "GET", f"/api/requests?organization_id={huge}"),
        (world.host, "GET", f"/api/requests/{huge}"),
        (world.host, "POST", f"/api/requests/{huge}/submit"),
        (world.coordinator, "POST", f"/api/claims/{huge}/approve"),
        (world.host, "GET", f"/api/organizations/{huge}"),
        (world.host, "GET", f"/api/organizations/{2**31}"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["extra"][0]["source"] in ("path", "query")
    assert (await world.host.get(f"/api/requests/{2**31 - 1}")).status_code == 404


async def test_ids_below_one_are_bad_requests(world: World) -> None:
    for path in ["/api/requests/0", "/api/requests?organization_id=0", "/api/organizations/-1"]:
        response: httpx.Response = await world.host.get(path)
        assert response.status_code == 400, (path, response.text)


async def test_an_organization_id_beyond_32_bits_in_a_body_is_a_bad_request(world: World) -> None:
    from hostkit import request_body

    from giveback.hosts.tables import HostRequest

    response = await world.host.post("/api/requests", json=request_body(2**40))
    assert response.status_code == 400, response.text
    assert response.json()["extra"][0]["key"] == "organization_id"
    assert await HostRequest.count() == 0
