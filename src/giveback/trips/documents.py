"""Documents of a trip: the letter of invitation for a volunteer's visa and the certificate of participation.

* A letter of invitation is issued for a **confirmed** trip by a contact of the host organization, who reads the
  draft (``preview``), may put the purpose of the visit in their own words, and signs it off on the
  organization's behalf.
* A certificate of participation is issued for a **completed** (or reported) trip by a host contact or a
  coordinator; it states the lectures, hours and hands-on cases of the reports.

Each is a PDF in the volunteer's language (or one the issuer picks), stored with what it says (``facts``) and a
verification code; its QR code leads to the public page that confirms it, or says it was withdrawn. Issuing a
document again for the same volunteer withdraws the earlier one. Only the trip's volunteers, the host's contacts
and coordinators list and download a trip's documents.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

import structlog

from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.hosts import services as hosts
from giveback.hosts.tables import HostRequest, RequestNeed
from giveback.i18n import LOCALES, _
from giveback.organizations.tables import Organization
from giveback.settings import Settings
from giveback.text import checked_reason
from giveback.topics import services as topics
from giveback.trips import pdf, services
from giveback.trips.report_tables import TripReport
from giveback.trips.tables import Trip, TripMember
from giveback.trips.travel_schemas import DocumentIn, DocumentOut, VerificationOut
from giveback.trips.travel_tables import TripDocument
from giveback.volunteers.tables import VolunteerProfile

log = structlog.get_logger()

ISSUED_FOR: dict[str, tuple[str, ...]] = {"invitation": ("confirmed",), "certificate": ("completed", "reported")}
"""The trip states each kind of document is issued in."""
TEMPLATES = {"invitation": "invitation.html", "certificate": "certificate.html"}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
CODE_GROUPS = 3
NOT_COVERED = ("invitation-letter",)  # what a host "provides" that is not a cost it covers


def _now() -> datetime:
    return datetime.now(UTC)


def new_code() -> str:
    """A verification code: 12 random characters (60 bits) in groups of four, ``K7QM-2HXD-9TRA``."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4 * CODE_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normal_code(code: str) -> str:
    """A code as typed (lower case, spaces, without dashes) in its printed form."""
    chars = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{code}"


def kind_words(kind: str) -> str:
    return "a letter of invitation" if kind == "invitation" else "a certificate of participation"


# --- who may do what ----------------------------------------------------------------------------------------


async def _trip_row(trip_id: int) -> dict[str, Any]:
    row = await Trip.select().where(Trip.id == trip_id).first()
    if row is None:
        raise NotFound(f"no trip {trip_id}", field="trip_id")
    return row


async def _organization_of(row: dict[str, Any]) -> int:
    request = await HostRequest.select(HostRequest.organization).where(HostRequest.id == row["request"]).first()
    return int(request["organization"]) if request else 0


async def may_see(user: SignedIn, row: dict[str, Any]) -> bool:
    """The trip's volunteers (not those who declined), the host organization's contacts and coordinators."""
    if services.is_coordinator(user):
        return True
    if await TripMember.exists().where(
        (TripMember.trip == row["id"]) & (TripMember.person == user.person_id) & (TripMember.response != "declined")
    ):
        return True
    return await hosts.is_contact(user.person_id, await _organization_of(row))


async def seen(user: SignedIn, trip_id: int) -> dict[str, Any]:
    """The trip, when the person may see its documents; NotFound when they may not even see the trip."""
    row = await _trip_row(trip_id)
    if not await may_see(user, row):
        if await services.can_see_trip(user, trip_id):
            raise PermissionDenied(
                "only the trip's volunteers, the host's contacts and coordinators see its documents", field="trip_id"
            )
        raise NotFound(f"no trip {trip_id}", field="trip_id")
    return row


async def _check_issuer(user: SignedIn, kind: str, row: dict[str, Any]) -> bool:
    """Refuse a person who may not issue this kind; True when they issue it as a contact of the host."""
    is_contact = await hosts.is_contact(user.person_id, await _organization_of(row))
    if kind == "invitation" and not is_contact:
        raise PermissionDenied("a letter of invitation is signed by a contact of the host organization", field="kind")
    if kind == "certificate" and not (is_contact or services.is_coordinator(user)):
        raise PermissionDenied("a certificate is issued by a contact of the host or a coordinator", field="kind")
    return is_contact


def check_state(kind: str, status: str) -> None:
    """Refuse a document for a trip in the wrong state, naming the state it is in."""
    if status not in ISSUED_FOR[kind]:
        states = " or ".join(s.replace("_", " ") for s in ISSUED_FOR[kind])
        raise Conflict(
            f"{kind_words(kind)} is issued for a {states} trip; this trip is {status.replace('_', ' ')}",
            field="status",
        )


# --- what a document says -----------------------------------------------------------------------------------


async def _traveller(trip_id: int, person_id: int) -> dict[str, Any]:
    member = (
        await TripMember.select(
            TripMember.response, TripMember.person.name.as_alias("name"), TripMember.person.locale.as_alias("locale")
        )
        .where((TripMember.trip == trip_id) & (TripMember.person == person_id))
        .first()
    )
    if member is None or member["response"] == "declined":
        raise InvalidInput("a document is issued for a volunteer travelling on this trip", field="person_id")
    return member


async def compose_facts(
    row: dict[str, Any],
    person_id: int,
    kind: str,
    *,
    purpose: str,
    signer_id: int,
    for_host: bool,
    settings: Settings,
) -> dict[str, Any]:
    """What the document says, in values that every language writes its own way (days, codes, numbers)."""
    member = await _traveller(int(row["id"]), person_id)
    request = await HostRequest.select().where(HostRequest.id == row["request"]).first()
    assert request is not None
    organization = await Organization.select().where(Organization.id == request["organization"]).first()
    assert organization is not None
    profile = (
        await VolunteerProfile.select(VolunteerProfile.institution, VolunteerProfile.country)
        .where(VolunteerProfile.person == person_id)
        .first()
    )
    signer = await Person.select(Person.name).where(Person.id == signer_id).first()
    needs = (
        await RequestNeed.select(RequestNeed.topic)
        .where(RequestNeed.request == request["id"])
        .order_by(RequestNeed.weight, ascending=False)
    )
    facts: dict[str, Any] = {
        "visitor": member["name"] or "",
        "institution": (profile or {}).get("institution") or "",
        "visitor_country": (profile or {}).get("country") or "",
        "organization": organization["name"],
        "organization_country": organization["country"] or request["country"],
        "country": request["country"],
        "visit": request["title"],
        "topics": [need["topic"] for need in needs],
        "purpose": purpose,
        "first_day": row["start"].isoformat(),
        "last_day": row["end"].isoformat(),
        "covers": [p for p in request["provides"] or [] if p not in NOT_COVERED],
        "signer": signer["name"] if signer else "",
        "signed_for": organization["name"] if for_host else settings.program_name,
        "program": settings.program_name,
        "issued_on": _now().date().isoformat(),
    }
    if kind == "certificate":
        facts.update(await _teaching(int(row["id"])))
    return facts


async def _teaching(trip_id: int) -> dict[str, Any]:
    """The lectures, hours and hands-on cases of the volunteers' report (the host's evaluation without it)."""
    reports = {
        r["kind"]: r
        for r in await TripReport.select(
            TripReport.kind, TripReport.lectures, TripReport.lecture_hours, TripReport.cases
        )
        .where(TripReport.trip == trip_id)
        .output(load_json=True)
    }
    report = reports.get("volunteer") or reports.get("host")
    if report is None:
        return {"reported": False, "lectures": 0, "hours": 0, "cases": []}
    cases = [{"topic": c["topic"], "role": c["role"], "count": int(c["count"])} for c in report["cases"] or []]
    return {"reported": True, "lectures": report["lectures"], "hours": report["lecture_hours"], "cases": cases}


def _locale(wanted: str, person_locale: str | None) -> str:
    if wanted:
        if wanted not in LOCALES:
            raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
        return wanted
    return person_locale if person_locale in LOCALES else "en"


async def _render(kind: str, facts: dict[str, Any], locale: str, code: str, settings: Settings) -> bytes:
    url = verify_url(settings.base_url, code) if code else ""
    names = await topics.names_in(locale)
    english = {t.slug: t.name for t in await topics.list_topics(include_retired=True)}
    topic_names = {slug: names.get(slug) or english.get(slug, slug) for slug in {*facts["topics"], *english}}
    return await pdf.render_pdf(
        TEMPLATES[kind],
        locale,
        facts=facts,
        code=code,
        verify_url=url,
        qr=pdf.qr_code(url) if url else "",
        topic_names=topic_names,
        topic_list=[topic_names.get(slug, slug) for slug in facts["topics"]],
        draft=not code,
    )


def _filename(kind: str, facts: dict[str, Any], code: str) -> str:
    """``invitation-2027-02-15-K7QM-2HXD-9TRA.pdf``: the kind, the first day, the code."""
    return f"{kind}-{facts['first_day']}-{code}.pdf"


# --- issuing, previewing, withdrawing -----------------------------------------------------------------------


async def _prepared(user: SignedIn, trip_id: int, data: DocumentIn, settings: Settings) -> tuple[dict[str, Any], str]:
    """What the document would say, and its language, once the issuer, the state and the volunteer pass."""
    row = await seen(user, trip_id)
    for_host = await _check_issuer(user, data.kind, row)
    check_state(data.kind, row["status"])
    member = await _traveller(trip_id, data.person_id)
    locale = _locale(data.locale, member["locale"])
    purpose = checked_reason(data.purpose) if data.kind == "invitation" else ""
    facts = await compose_facts(
        row, data.person_id, data.kind, purpose=purpose, signer_id=user.person_id, for_host=for_host, settings=settings
    )
    return facts, locale


async def preview(user: SignedIn, trip_id: int, data: DocumentIn, *, settings: Settings) -> bytes:
    """The document as it would be issued, marked as a draft and without a code: for the issuer to read."""
    facts, locale = await _prepared(user, trip_id, data, settings)
    return await _render(data.kind, facts, locale, "", settings)


async def issue(user: SignedIn, trip_id: int, data: DocumentIn, *, settings: Settings) -> DocumentOut:
    """Issue and store the document (the issuer signed it off: ``signed``); an earlier one of the same kind for
    the same volunteer is withdrawn as replaced. Refused (Conflict naming the state) for a trip in the wrong
    state, with nothing stored."""
    facts, locale = await _prepared(user, trip_id, data, settings)
    if not data.signed:
        raise InvalidInput(
            _("read the document and confirm that you sign it on behalf of %(who)s", who=facts["signed_for"]),
            field="signed",
        )
    code = new_code()
    content = await _render(data.kind, facts, locale, code, settings)
    async with write_transaction(TripDocument._meta.db):
        current = await locked(Trip.select(Trip.status).where(Trip.id == trip_id)).first()
        assert current is not None
        check_state(data.kind, current["status"])  # the trip may have moved while the PDF was laid out
        now = _now()
        await TripDocument.update(
            {
                TripDocument.withdrawn_at: now,
                TripDocument.withdrawn_by: user.person_id,
                TripDocument.withdrawn_reason: f"replaced by the document {code}",
            }
        ).where(
            (TripDocument.trip == trip_id)
            & (TripDocument.person == data.person_id)
            & (TripDocument.kind == data.kind)
            & TripDocument.withdrawn_at.is_null()
        )
        inserted = await TripDocument.insert(
            TripDocument(
                code=code,
                trip=trip_id,
                person=data.person_id,
                kind=data.kind,
                locale=locale,
                facts=facts,
                signed_by=user.person_id,
                issued_at=now,
                filename=_filename(data.kind, facts, code),
                content=content,
            )
        )
        document_id = int(inserted[0]["id"])
        await audit(
            user.person_id,
            "trip.document_issued",
            "trip",
            trip_id,
            kind=data.kind,
            person=data.person_id,
            code=code,
        )
    log.info("trips.document_issued", trip=trip_id, kind=data.kind, code=code, size=len(content))
    (document,) = [d for d in await _document_outs(trip_id, settings) if d.id == document_id]
    return document


async def withdraw(user: SignedIn, trip_id: int, document_id: int, reason: str, *, settings: Settings) -> DocumentOut:
    """Withdraw a document (a host contact or a coordinator, reason required): its page then says so."""
    text = checked_reason(reason, required="say why the document is withdrawn")
    row = await seen(user, trip_id)
    if not (services.is_coordinator(user) or await hosts.is_contact(user.person_id, await _organization_of(row))):
        raise PermissionDenied("a document is withdrawn by a contact of the host or a coordinator", field="role")
    async with write_transaction(TripDocument._meta.db):
        document = await locked(
            TripDocument.select(TripDocument.id, TripDocument.withdrawn_at, TripDocument.code).where(
                (TripDocument.id == document_id) & (TripDocument.trip == trip_id)
            )
        ).first()
        if document is None:
            raise NotFound(f"no document {document_id} on this trip", field="document_id")
        if document["withdrawn_at"] is not None:
            raise Conflict("this document is withdrawn already", field="document_id")
        await TripDocument.update(
            {
                TripDocument.withdrawn_at: _now(),
                TripDocument.withdrawn_by: user.person_id,
                TripDocument.withdrawn_reason: text,
            }
        ).where(TripDocument.id == document_id)
        await audit(user.person_id, "trip.document_withdrawn", "trip", trip_id, code=document["code"], reason=text)
    (document_out,) = [d for d in await _document_outs(trip_id, settings) if d.id == document_id]
    return document_out


# --- reading ------------------------------------------------------------------------------------------------


async def _document_outs(trip_id: int, settings: Settings) -> list[DocumentOut]:
    rows = await (
        TripDocument.select(
            TripDocument.id,
            TripDocument.code,
            TripDocument.kind,
            TripDocument.person,
            TripDocument.person.name.as_alias("person_name"),
            TripDocument.locale,
            TripDocument.facts,
            TripDocument.issued_at,
            TripDocument.withdrawn_at,
            TripDocument.withdrawn_reason,
            TripDocument.filename,
        )
        .where(TripDocument.trip == trip_id)
        .order_by(TripDocument.id)
        .output(load_json=True)
    )
    return [
        DocumentOut(
            id=int(r["id"]),
            code=r["code"],
            kind=r["kind"],
            trip_id=trip_id,
            person_id=int(r["person"]),
            person_name=r["person_name"] or r["facts"].get("visitor", ""),
            locale=r["locale"],
            signed_by_name=r["facts"].get("signer", ""),
            issued_at=r["issued_at"],
            withdrawn_at=r["withdrawn_at"],
            withdrawn_reason=r["withdrawn_reason"],
            filename=r["filename"],
            verify_url=verify_url(settings.base_url, r["code"]),
        )
        for r in rows
    ]


async def list_documents(user: SignedIn, trip_id: int, *, settings: Settings) -> list[DocumentOut]:
    await seen(user, trip_id)
    return await _document_outs(trip_id, settings)


async def visible_documents(user: SignedIn, trip_id: int, *, settings: Settings) -> list[DocumentOut]:
    """The trip page's list: the documents, for those who may see them; nothing for anyone else."""
    return await _document_outs(trip_id, settings) if await may_see(user, await _trip_row(trip_id)) else []


async def download(user: SignedIn, trip_id: int, document_id: int) -> tuple[str, bytes]:
    """The stored PDF (its file name and bytes), for those who may see the trip's documents."""
    await seen(user, trip_id)
    row = (
        await TripDocument.select(TripDocument.filename, TripDocument.content)
        .where((TripDocument.id == document_id) & (TripDocument.trip == trip_id))
        .first()
    )
    if row is None:
        raise NotFound(f"no document {document_id} on this trip", field="document_id")
    return row["filename"], bytes(row["content"])


async def verification(code: str) -> VerificationOut:
    """What the document with this code says and whether it stands (public: the QR code leads here)."""
    printed = normal_code(code)
    row = await (
        TripDocument.select(
            TripDocument.code,
            TripDocument.kind,
            TripDocument.facts,
            TripDocument.issued_at,
            TripDocument.withdrawn_at,
            TripDocument.withdrawn_reason,
            TripDocument.trip.status.as_alias("trip_status"),
        )
        .where(TripDocument.code == printed)
        .output(load_json=True)
        .first()
    )
    if row is None:
        raise NotFound(_("no document has the code %(code)s", code=printed or code), field="code")
    return VerificationOut(
        code=row["code"],
        kind=row["kind"],
        status="withdrawn" if row["withdrawn_at"] is not None else "valid",
        issued_at=row["issued_at"],
        withdrawn_at=row["withdrawn_at"],
        withdrawn_reason=row["withdrawn_reason"],
        trip_status=row["trip_status"],
        facts=row["facts"],
    )


async def issue_choices(user: SignedIn, trip_id: int) -> list[str]:
    """The kinds of document this person could issue for the trip now (for the trip page's forms)."""
    row = await _trip_row(trip_id)
    kinds = []
    for kind in ("invitation", "certificate"):
        if row["status"] not in ISSUED_FOR[kind]:
            continue
        try:
            await _check_issuer(user, kind, row)
        except PermissionDenied:
            continue
        kinds.append(kind)
    return kinds
