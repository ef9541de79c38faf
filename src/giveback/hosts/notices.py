"""The notices of the hosts' steps, by e-mail through the outbox, each from its template (``giveback.mail``) in
its reader's language with a link to the page where they act: a claim or a request waits (to the coordinators),
a claim is approved or rejected (to the claimant), a request is accepted or declined (to the organization's
contacts). Each is queued inside the caller's transaction; a reader who turned a notice off does not get it.
"""

from __future__ import annotations

from typing import Any

from giveback.accounts.services import recipients, recipients_with_role
from giveback.hosts.tables import OrganizationClaim
from giveback.mail.outbox import Recipient, queue_templated
from giveback.settings import Settings


def _link(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


async def contacts_of(organization_id: int) -> list[Recipient]:
    """The organization's host contacts (approved claims) with a live account."""
    rows = await OrganizationClaim.select(OrganizationClaim.person).where(
        (OrganizationClaim.organization == organization_id) & (OrganizationClaim.status == "approved")
    )
    return await recipients(int(row["person"]) for row in rows)


async def tell_claim_waiting(settings: Settings, *, claim_id: int, claimant: str, organization: str) -> None:
    await queue_templated(
        settings=settings,
        message_name="claim-waiting",
        to=await recipients_with_role("coordinator"),
        values={
            "claimant": claimant,
            "organization": organization,
            "claims_link": _link(settings, "/coordinator/claims"),
        },
        about=f"claim:{claim_id}",
    )


async def tell_claim_decided(settings: Settings, claim: Any) -> None:
    to = await recipients([claim.person_id])
    if claim.status == "approved":
        link = _link(settings, f"/host/requests/new?organization_id={claim.organization_id}")
        name, values = "claim-approved", {"organization": claim.organization_name, "request_link": link}
    else:
        name = "claim-rejected"
        values = {
            "organization": claim.organization_name,
            "reason": claim.reason,
            "host_link": _link(settings, "/host"),
        }
    await queue_templated(settings=settings, message_name=name, to=to, values=values, about=f"claim:{claim.id}")


async def tell_request_waiting(settings: Settings, request: Any) -> None:
    await queue_templated(
        settings=settings,
        message_name="request-waiting",
        to=await recipients_with_role("coordinator"),
        values={
            "title": request.title,
            "organization": request.organization_short_name or request.organization_name,
            "review_link": _link(settings, f"/coordinator/requests/{request.id}"),
        },
        about=f"request:{request.id}",
    )


async def tell_request_decided(settings: Settings, request: Any) -> None:
    accepted = request.status == "accepted"
    values = {"title": request.title, "request_link": _link(settings, f"/host/requests/{request.id}/edit")}
    if not accepted:
        values["reason"] = request.decision_reason
    await queue_templated(
        settings=settings,
        message_name="request-accepted" if accepted else "request-declined",
        to=await contacts_of(request.organization_id),
        values=values,
        about=f"request:{request.id}",
    )
