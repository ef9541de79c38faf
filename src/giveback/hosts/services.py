"""Host contacts: claims on organizations, new organizations, and the requests they post with their lifecycle.

A person becomes a contact of an organization when a coordinator approves their claim on it. Only contacts
create and edit the organization's requests; coordinators accept or decline submitted ones. Accepted and
matched requests have a public summary (no notes, no contact data).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from itertools import combinations
from typing import Any

from piccolo.columns import Varchar
from piccolo.columns.combination import Where
from piccolo.engine.sqlite import SQLiteEngine

from giveback import geo
from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.hosts import notices
from giveback.hosts.schemas import (
    FORMATS,
    PROVISIONS,
    REQUEST_STATUSES,
    ClaimOut,
    MatchingRequest,
    NeedOut,
    NewOrganizationIn,
    PublicRequestOut,
    PublicTopic,
    RequestIn,
    RequestOut,
    WindowOut,
)
from giveback.hosts.tables import HostingWindow, HostRequest, OrganizationClaim, RequestNeed
from giveback.i18n import _
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.text import checked_reason
from giveback.topics.tables import Topic

EDITABLE = ("draft", "submitted")
PUBLIC = ("accepted", "matched")
WITHDRAWABLE = ("submitted", "accepted", "declined")
MAX_WINDOWS = 6
EN_DASH = "\u2013"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def today() -> date:
    return datetime.now(UTC).date()


def _now() -> datetime:
    return datetime.now(UTC)


def _in_two_years(day: date) -> date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


def _same_text(column: Varchar, text: str) -> Where:
    """Rows whose column equals ``text`` ignoring case, on SQLite and PostgreSQL alike."""
    if isinstance(column._meta.table._meta.db, SQLiteEngine):
        return column.like(text)
    return column.ilike(text)


async def _organization(organization_id: int) -> dict[str, Any]:
    row: dict[str, Any] | None = await Organization.select().where(Organization.id == organization_id).first()
    if row is None:
        raise NotFound(
            _("no organization %(organization_id)s", organization_id=organization_id), field="organization_id"
        )
    return row


# --- claims -------------------------------------------------------------------------------------------------


async def contact_organization_ids(person_id: int) -> list[int]:
    """The organizations a person represents (an approved claim)."""
    rows = await OrganizationClaim.select(OrganizationClaim.organization).where(
        (OrganizationClaim.person == person_id) & (OrganizationClaim.status == "approved")
    )
    return sorted({int(row["organization"]) for row in rows})


async def is_contact(person_id: int, organization_id: int) -> bool:
    return bool(
        await OrganizationClaim.exists().where(
            (OrganizationClaim.person == person_id)
            & (OrganizationClaim.organization == organization_id)
            & (OrganizationClaim.status == "approved")
        )
    )


async def _claim_outs(rows: list[dict[str, Any]]) -> list[ClaimOut]:
    person_ids = {row["person"] for row in rows}
    organization_ids = {row["organization"] for row in rows}
    people = (
        {
            p["id"]: p["name"]
            for p in await Person.select(Person.id, Person.name).where(Person.id.is_in(list(person_ids)))
        }
        if person_ids
        else {}
    )
    organizations = (
        {
            o["id"]: o["name"]
            for o in await Organization.select(Organization.id, Organization.name).where(
                Organization.id.is_in(list(organization_ids))
            )
        }
        if organization_ids
        else {}
    )
    return [
        ClaimOut(
            id=row["id"],
            person_id=row["person"],
            person_name=people.get(row["person"], ""),
            organization_id=row["organization"],
            organization_name=organizations.get(row["organization"], ""),
            status=row["status"],
            message=row["message"],
            reason=row["reason"],
            created_at=row["created_at"],
            decided_at=row["decided_at"],
        )
        for row in rows
    ]


async def _claim_out(claim_id: int) -> ClaimOut:
    rows = await OrganizationClaim.select().where(OrganizationClaim.id == claim_id)
    if not rows:
        raise NotFound(_("no claim %(claim_id)s", claim_id=claim_id), field="claim_id")
    return (await _claim_outs(rows))[0]


async def _insert_claim(person_id: int, organization_id: int, message: str, settings: Settings) -> int:
    duplicate = await locked(
        OrganizationClaim.select(OrganizationClaim.id).where(
            (OrganizationClaim.person == person_id)
            & (OrganizationClaim.organization == organization_id)
            & OrganizationClaim.status.is_in(["pending", "approved"])
        )
    ).first()
    if duplicate is not None:
        raise Conflict(_("you already have a pending or approved claim on this organization"), field="organization_id")
    row = (
        await OrganizationClaim.insert(
            OrganizationClaim(person=person_id, organization=organization_id, message=message.strip())
        )
    )[0]
    claim_id = int(row["id"])
    await audit(person_id, "claim.created", "organization_claim", claim_id, organization_id=organization_id)
    claim = await _claim_out(claim_id)
    await notices.tell_claim_waiting(
        settings, claim_id=claim_id, claimant=claim.person_name, organization=claim.organization_name
    )
    return claim_id


async def claim_organization(
    person_id: int, organization_id: int, message: str = "", *, settings: Settings
) -> ClaimOut:
    """A host contact asks to represent an organization; a coordinator decides (the coordinators are told)."""
    async with write_transaction(OrganizationClaim._meta.db):
        # locking the organization's row serializes claims on it, so a duplicate cannot slip in concurrently
        if await locked(Organization.select(Organization.id).where(Organization.id == organization_id)).first() is None:
            raise NotFound(
                _("no organization %(organization_id)s", organization_id=organization_id), field="organization_id"
            )
        claim_id = await _insert_claim(person_id, organization_id, message, settings)
    return await _claim_out(claim_id)


async def register_organization(person_id: int, data: NewOrganizationIn, *, settings: Settings) -> ClaimOut:
    """Create an organization that is not listed yet and a pending claim on it, in one transaction."""
    name = " ".join(data.name.split())
    if len(name) < 2:
        raise InvalidInput(_("name must have at least 2 characters"), field="name")
    country = data.country.strip().upper()
    if not geo.is_country(country):
        raise InvalidInput(_("country must be an ISO 3166-1 alpha-2 code such as BR"), field="country")
    region = geo.region_of(country)
    if region is None:
        raise InvalidInput(_("this country belongs to no region the program serves"), field="country")
    website = data.website.strip()
    if website and not website.startswith(("https://", "http://")):
        raise InvalidInput(_("website must start with https:// or http://"), field="website")
    async with write_transaction(Organization._meta.db):
        if await Organization.exists().where(_same_text(Organization.name, name)):
            raise Conflict(_("an organization with this name exists: claim it instead"), field="name")
        row = (
            await Organization.insert(
                Organization(
                    name=name,
                    short_name=data.short_name.strip(),
                    kind=data.kind,
                    country=country,
                    region=region,
                    website=website,
                )
            )
        )[0]
        organization_id = int(row["id"])
        await audit(person_id, "organization.registered", "organization", organization_id, name=name)
        claim_id = await _insert_claim(person_id, organization_id, data.message, settings)
    return await _claim_out(claim_id)


async def list_claims(user: SignedIn, *, status: str | None = None) -> list[ClaimOut]:
    """Coordinators see every claim, pending first; a host contact sees their own."""
    query = OrganizationClaim.select().order_by(OrganizationClaim.created_at).order_by(OrganizationClaim.id)
    if status:
        if status not in ("pending", "approved", "rejected"):
            raise InvalidInput(_("status must be pending, approved or rejected"), field="status")
        query = query.where(OrganizationClaim.status == status)
    if not user.has("coordinator"):
        query = query.where(OrganizationClaim.person == user.person_id)
    rows = await query
    rows.sort(key=lambda row: row["status"] != "pending")
    return await _claim_outs(rows)


async def _decide_claim(actor_id: int, claim_id: int, status: str, reason: str, settings: Settings) -> ClaimOut:
    async with write_transaction(OrganizationClaim._meta.db):
        row = await locked(OrganizationClaim.select().where(OrganizationClaim.id == claim_id)).first()
        if row is None:
            raise NotFound(_("no claim %(claim_id)s", claim_id=claim_id), field="claim_id")
        if row["status"] != "pending":
            raise Conflict(
                _("only a pending claim can be decided; this one is %(status)s", status=row["status"]), field="status"
            )
        await OrganizationClaim.update(
            {
                OrganizationClaim.status: status,
                OrganizationClaim.reason: reason,
                OrganizationClaim.decided_by: actor_id,
                OrganizationClaim.decided_at: _now(),
            }
        ).where(OrganizationClaim.id == claim_id)
        await audit(actor_id, f"claim.{status}", "organization_claim", claim_id, reason=reason)
        claim = await _claim_out(claim_id)
        await notices.tell_claim_decided(settings, claim)
    return claim


async def approve_claim(actor_id: int, claim_id: int, reason: str = "", *, settings: Settings) -> ClaimOut:
    """The claimant becomes a contact of the organization (and is told)."""
    return await _decide_claim(actor_id, claim_id, "approved", checked_reason(reason), settings)


async def reject_claim(actor_id: int, claim_id: int, reason: str, *, settings: Settings) -> ClaimOut:
    """The claim is refused, saying why (the claimant is told)."""
    text = checked_reason(reason, required=_("say why the claim is rejected"))
    return await _decide_claim(actor_id, claim_id, "rejected", text, settings)


async def organization_data_for(person_id: int) -> dict[str, Any]:
    """The person's claims, for their data export."""
    rows = await OrganizationClaim.select().where(OrganizationClaim.person == person_id).order_by(OrganizationClaim.id)
    return {
        "claims": [
            {
                "organization_id": claim.organization_id,
                "organization": claim.organization_name,
                "status": claim.status,
                "message": claim.message,
                "reason": claim.reason,
                "created_at": claim.created_at.isoformat(),
                "decided_at": claim.decided_at.isoformat() if claim.decided_at else None,
            }
            for claim in await _claim_outs(rows)
        ]
    }


async def delete_host_data(person_id: int) -> None:
    """Delete the person's claims; their requests stay with the organization, without an author."""
    async with write_transaction(OrganizationClaim._meta.db):
        await OrganizationClaim.delete().where(OrganizationClaim.person == person_id)
        await HostRequest.update({HostRequest.created_by: None}).where(HostRequest.created_by == person_id)
        await audit(None, "host.data_deleted", "person", person_id)


# --- requests: validation -----------------------------------------------------------------------------------


async def _check_request(data: RequestIn, organization: dict[str, Any]) -> dict[str, Any]:
    """Apply every rule to a request; the normalized values, or InvalidInput naming the field."""
    title = " ".join(data.title.split())
    if not title:
        raise InvalidInput(_("title must not be empty"), field="title")
    country = (data.country or "").strip().upper() or organization["country"]
    if not country:
        raise InvalidInput(_("country is required: the organization has no country of its own"), field="country")
    if not geo.is_country(country):
        raise InvalidInput(_("country must be an ISO 3166-1 alpha-2 code such as BR"), field="country")
    if not 1 <= data.advisory_level <= 4:
        raise InvalidInput(_("advisory_level must be between 1 and 4"), field="advisory_level")
    if not 1 <= data.duration_days <= 60:
        raise InvalidInput(_("duration_days must be between 1 and 60"), field="duration_days")
    if not 1 <= data.team_size <= 4:
        raise InvalidInput(_("team_size must be between 1 and 4"), field="team_size")

    if not data.needs:
        raise InvalidInput(_("name at least one topic the visit should teach"), field="needs")
    slugs = [need.topic for need in data.needs]
    if len(set(slugs)) != len(slugs):
        raise InvalidInput(_("each topic may be listed once"), field="needs")
    known = {
        row["slug"] for row in await Topic.select(Topic.slug).where(Topic.slug.is_in(slugs) & Topic.retired.eq(False))
    }
    for need in data.needs:
        if need.topic not in known:
            raise InvalidInput(_("unknown or retired topic: %(topic)s", topic=need.topic), field="needs")
        if not 1 <= need.weight <= 3:
            raise InvalidInput(_("each need's weight must be 1, 2 or 3"), field="needs")
    if data.primary_need:
        if data.primary_need not in slugs:
            raise InvalidInput(_("primary_need must be one of the needs"), field="primary_need")
        primary = data.primary_need
    else:
        heaviest = max(need.weight for need in data.needs)
        primary = next(need.topic for need in data.needs if need.weight == heaviest)

    languages = [code.strip().lower() for code in data.languages if code.strip()]
    if not languages:
        raise InvalidInput(_("name at least one audience language"), field="languages")
    for code in languages:
        if not geo.is_language(code):
            raise InvalidInput(_("not an ISO 639-1 language code: %(code)s", code=code), field="languages")
    if len(set(languages)) != len(languages):
        raise InvalidInput(_("each language may be listed once"), field="languages")

    formats = list(dict.fromkeys(data.formats))
    if any(value not in FORMATS for value in formats):
        raise InvalidInput(_("formats must be among %(formats)s", formats=", ".join(FORMATS)), field="formats")
    provides = list(dict.fromkeys(data.provides))
    if any(value not in PROVISIONS for value in provides):
        raise InvalidInput(
            _("provides must be among %(provisions)s", provisions=", ".join(PROVISIONS)), field="provides"
        )

    if not data.windows:
        raise InvalidInput(_("give at least one hosting window"), field="windows")
    if len(data.windows) > MAX_WINDOWS:
        raise InvalidInput(_("give at most %(max_windows)s hosting windows", max_windows=MAX_WINDOWS), field="windows")
    first_day, last_day = today(), _in_two_years(today())
    for window in data.windows:
        if window.end < window.start:
            raise InvalidInput(_("a window must end on or after its start"), field="windows")
        if window.start < first_day:
            raise InvalidInput(_("a window must not start in the past"), field="windows")
        if window.end > last_day:
            raise InvalidInput(_("a window must end within two years from today"), field="windows")
        if (window.end - window.start).days + 1 < data.duration_days:
            raise InvalidInput(
                _(
                    "each window must be at least the visit's length (%(duration_days)s days) long",
                    duration_days=data.duration_days,
                ),
                field="windows",
            )
    ordered = sorted(data.windows, key=lambda window: window.start)
    for before, after in combinations(ordered, 2):
        if after.start <= before.end and not _preferred_inside(before, after):
            raise InvalidInput(
                _("hosting windows must not overlap (a preferred period may lie inside a window)"), field="windows"
            )

    return {
        "title": title,
        "country": country,
        "advisory_level": data.advisory_level,
        "primary_need": primary,
        "languages": languages,
        "formats": formats,
        "provides": provides,
        "duration_days": data.duration_days,
        "team_size": data.team_size,
        "notes": data.notes.strip(),
        "needs": [(need.topic, need.weight) for need in data.needs],
        "windows": [(window.start, window.end, window.preferred) for window in ordered],
    }


async def _store_parts(request_id: int, checked: dict[str, Any]) -> None:
    await RequestNeed.delete().where(RequestNeed.request == request_id)
    await HostingWindow.delete().where(HostingWindow.request == request_id)
    await RequestNeed.insert(
        *[RequestNeed(request=request_id, topic=topic, weight=weight) for topic, weight in checked["needs"]]
    )
    await HostingWindow.insert(
        *[
            HostingWindow(request=request_id, start=start, end=end, preferred=preferred)
            for start, end, preferred in checked["windows"]
        ]
    )


def _preferred_inside(first: Any, second: Any) -> bool:
    """One window is a preferred period inside the other, acceptable one (matching.md's "preferred" windows)."""
    for inner, outer in ((first, second), (second, first)):
        if inner.preferred and not outer.preferred and outer.start <= inner.start and inner.end <= outer.end:
            return True
    return False


def _columns(checked: dict[str, Any]) -> dict[Any, Any]:
    return {getattr(HostRequest, name): value for name, value in checked.items() if name not in ("needs", "windows")}


# --- requests: reading --------------------------------------------------------------------------------------


async def _parts(request_ids: list[int]) -> tuple[dict[int, list[dict[str, Any]]], dict[int, list[dict[str, Any]]]]:
    needs: dict[int, list[dict[str, Any]]] = {request_id: [] for request_id in request_ids}
    windows: dict[int, list[dict[str, Any]]] = {request_id: [] for request_id in request_ids}
    if request_ids:
        for row in await RequestNeed.select().where(RequestNeed.request.is_in(request_ids)).order_by(RequestNeed.id):
            needs[row["request"]].append(row)
        for row in (
            await HostingWindow.select().where(HostingWindow.request.is_in(request_ids)).order_by(HostingWindow.start)
        ):
            windows[row["request"]].append(row)
    return needs, windows


async def _organizations(ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {row["id"]: row for row in await Organization.select().where(Organization.id.is_in(wanted))}


def _region(row: dict[str, Any], organization: dict[str, Any]) -> str | None:
    region: str | None = geo.region_of(row["country"]) or organization.get("region")
    return region


async def _request_outs(rows: list[dict[str, Any]]) -> list[RequestOut]:
    needs, windows = await _parts([row["id"] for row in rows])
    organizations = await _organizations(row["organization"] for row in rows)
    outs = []
    for row in rows:
        organization = organizations[row["organization"]]
        outs.append(
            RequestOut(
                id=row["id"],
                organization_id=row["organization"],
                organization_name=organization["name"],
                organization_short_name=organization["short_name"],
                title=row["title"],
                country=row["country"],
                region=_region(row, organization),
                advisory_level=row["advisory_level"],
                needs=[NeedOut(topic=n["topic"], weight=n["weight"]) for n in needs[row["id"]]],
                primary_need=row["primary_need"],
                languages=list(row["languages"]),
                formats=list(row["formats"]),
                provides=list(row["provides"]),
                windows=[
                    WindowOut(start=w["start"], end=w["end"], preferred=w["preferred"]) for w in windows[row["id"]]
                ],
                duration_days=row["duration_days"],
                team_size=row["team_size"],
                priority=row["priority"],
                notes=row["notes"],
                status=row["status"],
                decision_reason=row["decision_reason"],
                created_by=row["created_by"],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
            )
        )
    return outs


async def _request_out(request_id: int) -> RequestOut:
    rows = await HostRequest.select().where(HostRequest.id == request_id)
    return (await _request_outs(rows))[0]


async def request_by_id(request_id: int) -> RequestOut | None:
    """A request as stored, for the domains that show it to the people of its trips (None when deleted)."""
    rows = await HostRequest.select().where(HostRequest.id == request_id)
    return (await _request_outs(rows))[0] if rows else None


async def _visible_row(user: SignedIn, request_id: int) -> dict[str, Any]:
    """The request if the caller may read it: coordinators all, host contacts their organizations'."""
    row: dict[str, Any] | None = await HostRequest.select().where(HostRequest.id == request_id).first()
    if row is None:
        raise NotFound(_("no request %(request_id)s", request_id=request_id), field="request_id")
    if user.has("coordinator"):
        return row
    if user.has("host") and await is_contact(user.person_id, row["organization"]):
        return row
    raise NotFound(_("no request %(request_id)s", request_id=request_id), field="request_id")


async def get_request(user: SignedIn, request_id: int) -> RequestOut:
    row = await _visible_row(user, request_id)
    return (await _request_outs([row]))[0]


async def author_name(request: RequestOut) -> str:
    """The name of the contact who wrote the request ("" when the account is gone)."""
    if request.created_by is None:
        return ""
    row = (
        await Person.select(Person.name).where((Person.id == request.created_by) & Person.deleted_at.is_null()).first()
    )
    return str(row["name"]) if row else ""


async def list_requests(
    user: SignedIn,
    *,
    status: str | None = None,
    region: str | None = None,
    topic: str | None = None,
    organization_id: int | None = None,
) -> list[RequestOut]:
    """Coordinators see every request; host contacts their organizations' requests. Newest first."""
    query = HostRequest.select().order_by(HostRequest.created_at, ascending=False).order_by(HostRequest.id)
    if status:
        if status not in REQUEST_STATUSES:
            raise InvalidInput(
                _("status must be one of %(request_statuses)s", request_statuses=", ".join(REQUEST_STATUSES)),
                field="status",
            )
        query = query.where(HostRequest.status == status)
    if region and region not in geo.REGIONS:
        raise InvalidInput(_("region must be one of %(regions)s", regions=", ".join(geo.REGIONS)), field="region")
    if topic:
        query = query.where(
            HostRequest.id.is_in(RequestNeed.select(RequestNeed.request).where(RequestNeed.topic == topic))
        )
    if organization_id is not None:
        query = query.where(HostRequest.organization == organization_id)
    if not user.has("coordinator"):
        query = query.where(HostRequest.organization.is_in(await contact_organization_ids(user.person_id) or [0]))
    outs = await _request_outs(await query)
    return [out for out in outs if not region or out.region == region]


# --- requests: writing --------------------------------------------------------------------------------------


async def _editable_row(user: SignedIn, request_id: int) -> dict[str, Any]:
    """Lock the request for a change by one of its organization's contacts."""
    row: dict[str, Any] | None = await locked(HostRequest.select().where(HostRequest.id == request_id)).first()
    if row is None:
        raise NotFound(_("no request %(request_id)s", request_id=request_id), field="request_id")
    if not await is_contact(user.person_id, row["organization"]):
        if user.has("coordinator"):
            raise PermissionDenied(_("only contacts of the organization change its requests"), field="organization_id")
        raise NotFound(_("no request %(request_id)s", request_id=request_id), field="request_id")
    return row


async def create_request(user: SignedIn, data: RequestIn) -> RequestOut:
    """A contact of the organization drafts a request."""
    organization = await _organization(data.organization_id)
    if not await is_contact(user.person_id, data.organization_id):
        raise PermissionDenied(
            _("only contacts of the organization (an approved claim) post its requests"), field="organization_id"
        )
    checked = await _check_request(data, organization)
    async with write_transaction(HostRequest._meta.db):
        row = (
            await HostRequest.insert(
                HostRequest(
                    organization=data.organization_id,
                    created_by=user.person_id,
                    status="draft",
                    **{k: v for k, v in checked.items() if k not in ("needs", "windows")},
                )
            )
        )[0]
        request_id = int(row["id"])
        await _store_parts(request_id, checked)
        await audit(user.person_id, "request.created", "host_request", request_id)
    return await _request_out(request_id)


async def update_request(user: SignedIn, request_id: int, data: RequestIn) -> RequestOut:
    """Edit a draft or submitted request (a submitted one stays submitted)."""
    async with write_transaction(HostRequest._meta.db):
        row = await _editable_row(user, request_id)
        if data.organization_id != row["organization"]:
            raise InvalidInput(_("a request cannot move to another organization"), field="organization_id")
        if row["status"] not in EDITABLE:
            raise Conflict(
                _("only a draft or submitted request can be edited; this one is %(status)s", status=row["status"]),
                field="status",
            )
        checked = await _check_request(data, await _organization(row["organization"]))
        await HostRequest.update({**_columns(checked), HostRequest.updated_at: _now()}).where(
            HostRequest.id == request_id
        )
        await _store_parts(request_id, checked)
        await audit(user.person_id, "request.edited", "host_request", request_id)
    return await _request_out(request_id)


async def delete_request(user: SignedIn, request_id: int) -> None:
    async with write_transaction(HostRequest._meta.db):
        row = await _editable_row(user, request_id)
        if row["status"] != "draft":
            raise Conflict(
                _("only a draft can be deleted; this request is %(status)s", status=row["status"]), field="status"
            )
        await RequestNeed.delete().where(RequestNeed.request == request_id)
        await HostingWindow.delete().where(HostingWindow.request == request_id)
        await HostRequest.delete().where(HostRequest.id == request_id)
        await audit(user.person_id, "request.deleted", "host_request", request_id)


async def _move(
    actor_id: int | None,
    request_id: int,
    allowed_from: tuple[str, ...],
    to: str,
    rule: str,
    extra: dict[Any, Any] | None = None,
    row: dict[str, Any] | None = None,
) -> RequestOut:
    if row is None:
        row = await locked(HostRequest.select().where(HostRequest.id == request_id)).first()
        if row is None:
            raise NotFound(_("no request %(request_id)s", request_id=request_id), field="request_id")
    if row["status"] not in allowed_from:
        raise Conflict(_("%(rule)s; this request is %(status)s", rule=rule, status=row["status"]), field="status")
    await HostRequest.update({HostRequest.status: to, HostRequest.updated_at: _now(), **(extra or {})}).where(
        HostRequest.id == request_id
    )
    await audit(actor_id, f"request.{to}", "host_request", request_id, previous=row["status"])
    return await _request_out(request_id)


async def submit_request(user: SignedIn, request_id: int, *, settings: Settings) -> RequestOut:
    """A draft goes to the coordinators for a decision (they are told)."""
    async with write_transaction(HostRequest._meta.db):
        row = await _editable_row(user, request_id)
        out = await _move(user.person_id, request_id, ("draft",), "submitted", "only a draft can be submitted", row=row)
        await notices.tell_request_waiting(settings, out)
    return out


async def withdraw_request(user: SignedIn, request_id: int) -> RequestOut:
    async with write_transaction(HostRequest._meta.db):
        row = await _editable_row(user, request_id)
        return await _move(
            user.person_id,
            request_id,
            WITHDRAWABLE,
            "draft",
            "only a submitted, accepted or declined request can be withdrawn to draft",
            row=row,
        )


async def accept_request(
    actor_id: int, request_id: int, priority: bool | None = None, *, settings: Settings
) -> RequestOut:
    """A submitted request joins the pool for matching (its contacts are told)."""
    extra: dict[Any, Any] = {HostRequest.decision_reason: ""}
    if priority is not None:
        extra[HostRequest.priority] = priority
    async with write_transaction(HostRequest._meta.db):
        out = await _move(
            actor_id, request_id, ("submitted",), "accepted", "only a submitted request can be accepted", extra
        )
        await notices.tell_request_decided(settings, out)
    return out


async def decline_request(actor_id: int, request_id: int, reason: str, *, settings: Settings) -> RequestOut:
    """A submitted request is refused, saying why (its contacts are told)."""
    reason = checked_reason(reason, required=_("say why the request is declined"))
    async with write_transaction(HostRequest._meta.db):
        out = await _move(
            actor_id,
            request_id,
            ("submitted",),
            "declined",
            "only a submitted request can be declined",
            {HostRequest.decision_reason: reason.strip()},
        )
        await notices.tell_request_decided(settings, out)
    return out


async def set_priority(actor_id: int, request_id: int, priority: bool) -> RequestOut:
    async with write_transaction(HostRequest._meta.db):
        row = await locked(HostRequest.select(HostRequest.id).where(HostRequest.id == request_id)).first()
        if row is None:
            raise NotFound(_("no request %(request_id)s", request_id=request_id), field="request_id")
        await HostRequest.update({HostRequest.priority: priority}).where(HostRequest.id == request_id)
        await audit(actor_id, "request.priority", "host_request", request_id, priority=priority)
    return await _request_out(request_id)


async def mark_matched(request_id: int, actor_id: int | None = None) -> RequestOut:
    """A visit was proposed for an accepted request."""
    async with write_transaction(HostRequest._meta.db):
        return await _move(actor_id, request_id, ("accepted",), "matched", "only an accepted request can be matched")


async def mark_fulfilled(request_id: int, actor_id: int | None = None) -> RequestOut:
    async with write_transaction(HostRequest._meta.db):
        return await _move(actor_id, request_id, ("matched",), "fulfilled", "only a matched request can be fulfilled")


async def reopen(request_id: int, actor_id: int | None = None) -> RequestOut:
    """The visit for a matched request was declined or cancelled: it is open for matching again."""
    async with write_transaction(HostRequest._meta.db):
        return await _move(actor_id, request_id, ("matched",), "accepted", "only a matched request can be reopened")


# --- public summaries and matching --------------------------------------------------------------------------


def months_label(start: date, end: date) -> str:
    """A window as months with an en dash: ``May 2027``, ``May-Jun 2027``, ``Dec 2026-Jan 2027``."""
    first, last = MONTHS[start.month - 1], MONTHS[end.month - 1]
    if start.year != end.year:
        return f"{first} {start.year}{EN_DASH}{last} {end.year}"
    if start.month == end.month:
        return f"{first} {start.year}"
    return f"{first}{EN_DASH}{last} {end.year}"


async def public_requests(
    *, region: str | None = None, topic: str | None = None, organization_id: int | None = None
) -> list[PublicRequestOut]:
    """Accepted and matched requests as the public sees them."""
    if region and region not in geo.REGIONS:
        raise InvalidInput(_("region must be one of %(regions)s", regions=", ".join(geo.REGIONS)), field="region")
    query = HostRequest.select().where(HostRequest.status.is_in(list(PUBLIC))).order_by(HostRequest.id)
    if topic:
        query = query.where(
            HostRequest.id.is_in(RequestNeed.select(RequestNeed.request).where(RequestNeed.topic == topic))
        )
    if organization_id is not None:
        query = query.where(HostRequest.organization == organization_id)
    rows = await query
    needs, windows = await _parts([row["id"] for row in rows])
    organizations = await _organizations(row["organization"] for row in rows)
    names = {row["slug"]: row["name"] for row in await Topic.select(Topic.slug, Topic.name)}
    outs = []
    for row in rows:
        organization = organizations[row["organization"]]
        out = PublicRequestOut(
            id=row["id"],
            organization_id=row["organization"],
            organization_name=organization["name"],
            country=row["country"],
            country_name=geo.country_name(row["country"]),
            region=_region(row, organization),
            title=row["title"],
            topics=[
                PublicTopic(topic=n["topic"], name=names.get(n["topic"], n["topic"]), weight=n["weight"])
                for n in sorted(needs[row["id"]], key=lambda n: -int(n["weight"]))
            ],
            primary_need=row["primary_need"],
            languages=list(row["languages"]),
            formats=list(row["formats"]),
            duration_days=row["duration_days"],
            team_size=row["team_size"],
            windows=[months_label(w["start"], w["end"]) for w in windows[row["id"]]],
            window_months=[(f"{w['start']:%Y-%m}", f"{w['end']:%Y-%m}") for w in windows[row["id"]]],
        )
        if not region or out.region == region:
            outs.append(out)
    return outs


async def list_requests_for_matching() -> list[MatchingRequest]:
    """Accepted requests with what matching needs: needs, languages, windows, priority, advisory level."""
    rows = await HostRequest.select().where(HostRequest.status == "accepted").order_by(HostRequest.id)
    needs, windows = await _parts([row["id"] for row in rows])
    organizations = await _organizations(row["organization"] for row in rows)
    return [
        MatchingRequest(
            id=row["id"],
            organization_id=row["organization"],
            organization_short_name=organizations[row["organization"]]["short_name"],
            organization_name=organizations[row["organization"]]["name"],
            country=row["country"],
            region=_region(row, organizations[row["organization"]]),
            needs={n["topic"]: n["weight"] for n in needs[row["id"]]},
            primary_need=row["primary_need"],
            languages=list(row["languages"]),
            duration_days=row["duration_days"],
            team_size=row["team_size"],
            windows=[(w["start"], w["end"], w["preferred"]) for w in windows[row["id"]]],
            priority=row["priority"],
            advisory_level=row["advisory_level"],
        )
        for row in rows
    ]
