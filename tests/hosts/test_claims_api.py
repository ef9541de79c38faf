"""Claims on organizations and new organizations through the JSON API."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from hostkit import World, actor, organization_id

from giveback.hosts.tables import OrganizationClaim
from giveback.organizations.tables import Organization

Client = httpx.AsyncClient


async def test_a_host_claims_and_a_coordinator_approves(
    client: Client, new_client: Callable[[], Client], inbox
) -> None:
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    host_id = await actor(client, "host@example.org", ["host"])
    org_id = await organization_id("BSIR")

    claim = await client.post(f"/api/organizations/{org_id}/claims", json={"message": "Secretary of BSIR"})
    assert claim.status_code == 201, claim.text
    assert claim.json()["status"] == "pending"
    assert claim.json()["person_id"] == host_id
    again = await client.post(f"/api/organizations/{org_id}/claims", json={})
    assert again.status_code == 409
    assert again.json()["field"] == "organization_id"

    pending = await coordinator.get("/api/claims", params={"status": "pending"})
    assert [c["organization_name"] for c in pending.json()] == ["British Society of Interventional Radiology"]
    # a host creating a request before approval is refused
    assert (await client.get("/api/requests")).json() == []

    approved = await coordinator.post(f"/api/claims/{claim.json()['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    twice = await coordinator.post(f"/api/claims/{claim.json()['id']}/approve")
    assert twice.status_code == 409
    assert (await client.post(f"/api/organizations/{org_id}/claims", json={})).status_code == 409
    mine = await client.get("/api/claims")
    assert [c["status"] for c in mine.json()] == ["approved"]


async def test_rejecting_needs_a_reason_and_pending_claims_come_first(
    client: Client, new_client: Callable[[], Client], inbox
) -> None:
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    await actor(client, "host@example.org", ["host"])
    first = (await client.post(f"/api/organizations/{await organization_id('BSIR')}/claims", json={})).json()
    second = (await client.post(f"/api/organizations/{await organization_id('CIRSE')}/claims", json={})).json()

    no_reason = await coordinator.post(f"/api/claims/{first['id']}/reject", json={"reason": "  "})
    assert no_reason.status_code == 400
    assert no_reason.json()["field"] == "reason"
    assert (await OrganizationClaim.select().where(OrganizationClaim.id == first["id"]).first())["status"] == "pending"
    rejected = await coordinator.post(f"/api/claims/{first['id']}/reject", json={"reason": "Not a member"})
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "Not a member"

    listed = (await coordinator.get("/api/claims")).json()
    assert [c["id"] for c in listed] == [second["id"], first["id"]]
    # after a rejection the person may claim again
    assert (await client.post(f"/api/organizations/{first['organization_id']}/claims", json={})).status_code == 201


async def test_register_a_new_organization_with_a_pending_claim(
    client: Client, new_client: Callable[[], Client], inbox
) -> None:
    await actor(client, "host@example.org", ["host"])
    body = {"kind": "hospital", "name": "Hospital Central de Maputo", "country": "MZ", "website": "https://hcm.mz"}
    response = await client.post("/api/organizations/register", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    organization = await Organization.select().where(Organization.name == "Hospital Central de Maputo").first()
    assert organization["region"] == "africa"
    assert organization["kind"] == "hospital"

    duplicate = await client.post("/api/organizations/register", json={**body, "name": "hospital central de MAPUTO"})
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "name"


async def test_bad_new_organizations_name_the_field_and_store_nothing(client: Client, inbox) -> None:
    await actor(client, "host@example.org", ["host"])
    organizations, claims = await Organization.count(), await OrganizationClaim.count()
    good = {"kind": "society", "name": "Kenyan IR Society", "country": "KE"}
    cases = [
        ({**good, "kind": "club"}, "kind"),
        ({**good, "name": ""}, "name"),
        ({**good, "country": "XX"}, "country"),
        ({**good, "country": "AQ"}, "country"),
        ({**good, "website": "ftp://x"}, "website"),
        ({**good, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        response = await client.post("/api/organizations/register", json=body)
        assert response.status_code == 400, (body, response.text)
        assert field in response.text
    assert await Organization.count() == organizations
    assert await OrganizationClaim.count() == claims


async def test_claim_access(client: Client, new_client: Callable[[], Client], inbox) -> None:
    org_id = await organization_id("BSIR")
    assert (await client.post(f"/api/organizations/{org_id}/claims", json={})).status_code == 401
    assert (await client.get("/api/claims")).status_code == 401
    volunteer = new_client()
    await actor(volunteer, "vol@example.org", ["volunteer"])
    assert (await volunteer.post(f"/api/organizations/{org_id}/claims", json={})).status_code == 403
    assert (await volunteer.post("/api/organizations/register", json={})).status_code == 403
    host = new_client()
    await actor(host, "host@example.org", ["host"])
    claim = (await host.post(f"/api/organizations/{org_id}/claims", json={})).json()
    assert (await host.post(f"/api/claims/{claim['id']}/approve")).status_code == 403
    assert (await host.post("/api/organizations/999999/claims", json={})).status_code == 404
    other = new_client()
    await actor(other, "other@example.org", ["host"])
    assert (await other.get("/api/claims")).json() == []


async def test_contact_of_an_organization(world: World) -> None:
    claims = (await world.host.get("/api/claims")).json()
    assert claims[0]["organization_id"] == world.org_id
    assert claims[0]["status"] == "approved"
