"""The notices of the hosts' steps, by e-mail through the outbox, each in its reader's language with a link to the
page where they act: a claim or a request waits (to the coordinators), a claim is approved or rejected (to the
claimant), a request is accepted or declined (to the organization's contacts).

Each notice's words are one function (``*_text``) returning its subject and text in the current language; the
``tell_*`` functions queue it inside the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from giveback.accounts.services import recipients, recipients_with_role
from giveback.hosts.tables import OrganizationClaim
from giveback.i18n import _, translate
from giveback.mail.outbox import Recipient, queue_notice
from giveback.settings import Settings


def _link(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def claim_waiting_text(reader: Recipient, *, claimant: str, organization: str, link: str) -> tuple[str, str]:
    subject = _("Claim waiting: %(person)s for %(organization)s", person=claimant, organization=organization)
    text = _(
        "Hello %(reader)s,\n\n%(person)s asks to represent %(organization)s as its host contact.\n\n"
        "Approve or reject the claim here:\n%(link)s\n",
        reader=reader.name,
        person=claimant,
        organization=organization,
        link=link,
    )
    return translate(subject), translate(text)


def claim_decided_text(
    reader: Recipient, *, approved: bool, organization: str, reason: str, link: str
) -> tuple[str, str]:
    if approved:
        subject = _("You are a host contact of %(organization)s", organization=organization)
        text = _(
            "Hello %(reader)s,\n\na coordinator approved your claim: you represent %(organization)s now.\n\n"
            "Post your first request for a visiting professor here:\n%(link)s\n",
            reader=reader.name,
            organization=organization,
            link=link,
        )
    else:
        subject = _("Your claim on %(organization)s was not approved", organization=organization)
        text = _(
            "Hello %(reader)s,\n\na coordinator did not approve your claim on %(organization)s.\n\n"
            "The reason given: %(reason)s\n\nYou can claim another organization or register a new one here:\n"
            "%(link)s\n",
            reader=reader.name,
            organization=organization,
            reason=reason,
            link=link,
        )
    return translate(subject), translate(text)


def request_waiting_text(reader: Recipient, *, title: str, organization: str, link: str) -> tuple[str, str]:
    subject = _("Request waiting: “%(title)s” (%(organization)s)", title=title, organization=organization)
    text = _(
        "Hello %(reader)s,\n\n%(organization)s submitted the request “%(title)s” for a visiting professor.\n\n"
        "Read it and accept or decline it here:\n%(link)s\n",
        reader=reader.name,
        title=title,
        organization=organization,
        link=link,
    )
    return translate(subject), translate(text)


def request_decided_text(reader: Recipient, *, accepted: bool, title: str, reason: str, link: str) -> tuple[str, str]:
    if accepted:
        subject = _("Request accepted: “%(title)s”", title=title)
        text = _(
            "Hello %(reader)s,\n\na coordinator accepted your request “%(title)s”. It is listed publicly now and "
            "takes part in the next match round; you will be told when a visit is proposed.\n\n"
            "Your request:\n%(link)s\n",
            reader=reader.name,
            title=title,
            link=link,
        )
    else:
        subject = _("Request declined: “%(title)s”", title=title)
        text = _(
            "Hello %(reader)s,\n\na coordinator declined your request “%(title)s”.\n\nThe reason given: %(reason)s\n\n"
            "You can withdraw it to a draft, change it and submit it again here:\n%(link)s\n",
            reader=reader.name,
            title=title,
            reason=reason,
            link=link,
        )
    return translate(subject), translate(text)


async def contacts_of(organization_id: int) -> list[Recipient]:
    """The organization's host contacts (approved claims) with a live account."""
    rows = await OrganizationClaim.select(OrganizationClaim.person).where(
        (OrganizationClaim.organization == organization_id) & (OrganizationClaim.status == "approved")
    )
    return await recipients(int(row["person"]) for row in rows)


async def tell_claim_waiting(settings: Settings, *, claim_id: int, claimant: str, organization: str) -> None:
    link = _link(settings, "/coordinator/claims")
    await queue_notice(
        settings=settings,
        to=await recipients_with_role("coordinator"),
        compose=lambda r: claim_waiting_text(r, claimant=claimant, organization=organization, link=link),
        about=f"claim:{claim_id}",
    )


async def tell_claim_decided(settings: Settings, claim: Any) -> None:
    approved = claim.status == "approved"
    path = f"/host/requests/new?organization_id={claim.organization_id}" if approved else "/host"
    link = _link(settings, path)
    await queue_notice(
        settings=settings,
        to=await recipients([claim.person_id]),
        compose=lambda r: claim_decided_text(
            r, approved=approved, organization=claim.organization_name, reason=claim.reason, link=link
        ),
        about=f"claim:{claim.id}",
    )


async def tell_request_waiting(settings: Settings, request: Any) -> None:
    link = _link(settings, f"/coordinator/requests/{request.id}")
    organization = request.organization_short_name or request.organization_name
    await queue_notice(
        settings=settings,
        to=await recipients_with_role("coordinator"),
        compose=lambda r: request_waiting_text(r, title=request.title, organization=organization, link=link),
        about=f"request:{request.id}",
    )


async def tell_request_decided(settings: Settings, request: Any) -> None:
    accepted = request.status == "accepted"
    link = _link(settings, f"/host/requests/{request.id}/edit")
    await queue_notice(
        settings=settings,
        to=await contacts_of(request.organization_id),
        compose=lambda r: request_decided_text(
            r, accepted=accepted, title=request.title, reason=request.decision_reason, link=link
        ),
        about=f"request:{request.id}",
    )
