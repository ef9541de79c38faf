"""Letters of invitation and certificates: issued in the right state by the right person, read back from the PDF
(names in Latin, Arabic and Chinese script, dates, the code), confirmed by the public page, downloadable only by
the trip's people."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import httpx
import pypdf
import pytest
from trip_factory import volunteer_profile
from tripkit import GOOD_REPORT, actor, days, make_contact, make_trip, organization_id

from giveback.accounts.tables import Person
from giveback.i18n import use_locale
from giveback.i18n.formatting import format_date
from giveback.trips import pdf

pytestmark = pytest.mark.skipif(
    not pdf.available(), reason="WeasyPrint needs Pango and the Noto fonts: sh tests/trips/install-documents.sh"
)

Client = httpx.AsyncClient
ARABIC = "محمد عبد الله الفاسي"
CHINESE = "王小明"
LATIN = "Ægidius Ñúñez-Ölçer"


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())  # lines wrap anywhere


def pdf_fonts(content: bytes) -> set[str]:
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return fonts


def long_date(day: date, locale: str = "en") -> str:
    with use_locale(locale):
        return format_date(day, "long")


class World:
    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)

    host: Client
    volunteer: Client
    other: Client
    coordinator: Client
    anonymous: Client
    trip_id: int
    members: list[int]


async def world(client: Client, new_client: Callable[[], Client], *, status: str, start: date) -> World:
    """A trip in ``status`` with an Arabic-named and a Chinese-named volunteer (the first signed in on ``client``),
    a signed-in host contact of its organization, a coordinator, a volunteer of another trip and a stranger."""
    arabic = await actor(client, "arabic@example.org", ["volunteer"])
    await Person.update({Person.name: ARABIC}).where(Person.id == arabic)
    await volunteer_profile(arabic, country="MA")
    chinese = await actor(None, "chinese@example.org", ["volunteer"])
    await Person.update({Person.name: CHINESE, Person.locale: "zh_Hans"}).where(Person.id == chinese)
    host = new_client()
    host_id = await actor(host, "host@example.org", ["host"])
    await Person.update({Person.name: LATIN}).where(Person.id == host_id)
    await make_contact(host_id, await organization_id("SoBRICE"))
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    other = new_client()
    other_id = await actor(other, "other@example.org", ["volunteer"])
    await make_trip(status="confirmed", start=days(200), members=[other_id])
    trip_id, _ = await make_trip(status=status, start=start, length=5, members=[arabic, chinese])
    return World(
        host=host,
        volunteer=client,
        other=other,
        coordinator=coordinator,
        anonymous=new_client(),
        trip_id=trip_id,
        members=[arabic, chinese],
    )


async def test_a_letter_of_invitation_is_read_signed_issued_and_verified(
    client: Client, new_client: Callable[[], Client]
) -> None:
    w = await world(client, new_client, status="confirmed", start=days(40))
    url = f"/api/trips/{w.trip_id}/documents"
    letter = {"kind": "invitation", "person_id": w.members[0]}

    draft = await w.host.post(f"{url}/preview", json=letter)
    assert draft.status_code == 200, draft.text
    assert draft.headers["content-type"] == "application/pdf"
    assert "DRAFT" in pdf_text(draft.content)
    unsigned = await w.host.post(url, json=letter)
    assert unsigned.status_code == 400
    assert unsigned.json()["field"] == "signed"
    assert (await w.host.get(url)).json() == []  # nothing stored by a draft or a refusal

    purpose = "to teach uterine fibroid embolization and supervise our first cases"
    issued = await w.host.post(url, json={**letter, "signed": True, "purpose": purpose})
    assert issued.status_code == 201, issued.text
    document = issued.json()
    code = document["code"]
    assert (document["person_name"], document["signed_by_name"], document["locale"]) == (ARABIC, LATIN, "en")

    pdf = await w.volunteer.get(f"{url}/{document['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-disposition"].startswith("attachment")
    text = pdf_text(pdf.content)
    for expected in (
        ARABIC,
        LATIN,
        code,
        purpose,
        "Brazilian Society of Interventional Radiology",
        long_date(days(40)),
        long_date(days(44)),
        "lodging",
    ):
        assert expected in text, (expected, text)
    assert "DRAFT" not in text
    assert {"Noto-Sans", "Noto-Sans-Arabic"} <= pdf_fonts(pdf.content)

    page = await w.anonymous.get(f"/verify/{code.lower().replace('-', ' ')}", follow_redirects=True)
    assert page.status_code == 200
    assert "is genuine" in page.text and ARABIC in page.text and "lodging" in page.text
    confirmed = (await w.anonymous.get(f"/api/verify/{code}")).json()
    assert (confirmed["status"], confirmed["facts"]["visitor"], confirmed["facts"]["purpose"]) == (
        "valid",
        ARABIC,
        purpose,
    )

    # Issued again for the same volunteer (in Chinese this time): the first letter is withdrawn as replaced.
    again = await w.host.post(url, json={**letter, "signed": True, "locale": "zh_Hans"})
    assert again.status_code == 201
    chinese_text = pdf_text((await w.coordinator.get(f"{url}/{again.json()['id']}/pdf")).content)
    assert "邀请函" in chinese_text and ARABIC in chinese_text and again.json()["code"] in chinese_text
    listed = (await w.volunteer.get(url)).json()
    assert [d["withdrawn_at"] is None for d in listed] == [False, True]
    assert again.json()["code"] in listed[0]["withdrawn_reason"]
    old = await w.anonymous.get(f"/verify/{code}")
    assert "was withdrawn" in old.text and "genuine" not in old.text

    # New dates make the letter untrue: the step that changes them withdraws it.
    moved = await w.coordinator.post(
        f"/api/trips/{w.trip_id}/reschedule",
        json={"start": days(50).isoformat(), "end": days(54).isoformat(), "reason": "the host asked"},
    )
    assert moved.status_code == 200, moved.text
    latest = (await w.anonymous.get(f"/api/verify/{again.json()['code']}")).json()
    assert (latest["status"], latest["withdrawn_reason"]) == ("withdrawn", "the visit's dates changed")


async def test_who_may_issue_and_download_and_the_states_refused(
    client: Client, new_client: Callable[[], Client]
) -> None:
    w = await world(client, new_client, status="invited", start=days(40))
    url = f"/api/trips/{w.trip_id}/documents"
    early = await w.host.post(url, json={"kind": "invitation", "person_id": w.members[0], "signed": True})
    assert early.status_code == 409
    assert early.json()["field"] == "status" and "this trip is invited" in early.json()["detail"]
    coordinator = await w.coordinator.post(url, json={"kind": "invitation", "person_id": w.members[0], "signed": True})
    assert coordinator.status_code == 403  # a letter is signed by the host
    volunteer = await w.volunteer.post(url, json={"kind": "certificate", "person_id": w.members[0], "signed": True})
    assert volunteer.status_code == 403
    assert (await w.other.get(url)).status_code == 404  # another trip's volunteer does not learn it exists
    assert (await w.anonymous.get(url)).status_code == 401
    missing = await w.anonymous.get("/api/verify/AAAA-BBBB-CCCC")
    assert missing.status_code == 404 and missing.json()["field"] == "code"


async def test_a_certificate_states_the_teaching_from_the_report_in_the_volunteers_language(
    client: Client, new_client: Callable[[], Client]
) -> None:
    w = await world(client, new_client, status="completed", start=days(-10))
    url = f"/api/trips/{w.trip_id}/documents"
    refused = await w.host.post(url, json={"kind": "invitation", "person_id": w.members[0], "signed": True})
    assert refused.status_code == 409 and "this trip is completed" in refused.json()["detail"]
    filed = await w.volunteer.post(f"/api/trips/{w.trip_id}/reports/volunteer", json=GOOD_REPORT)
    assert filed.status_code == 201

    issued = await w.coordinator.post(url, json={"kind": "certificate", "person_id": w.members[1], "signed": True})
    assert issued.status_code == 201, issued.text
    document = issued.json()
    assert document["locale"] == "zh_Hans"  # the volunteer's own language
    pdf = await w.host.get(f"{url}/{document['id']}/pdf")
    text = pdf_text(pdf.content)
    for expected in (CHINESE, "参与证书", document["code"], long_date(days(-10), "zh_Hans"), "12"):
        assert expected in text, (expected, text)
    assert "Noto-Sans-CJK-SC" in pdf_fonts(pdf.content)

    assert (await w.other.get(f"{url}/{document['id']}/pdf")).status_code == 404
    assert (await w.anonymous.get(f"{url}/{document['id']}/pdf")).status_code == 401
    page = await w.volunteer.get(f"/trips/{w.trip_id}")
    assert document["code"] in page.text and f"{url}/{document['id']}/pdf" in page.text
    assert document["code"] not in (await w.other.get(f"/trips/{w.trip_id}")).text

    withdrawn = await w.host.post(f"{url}/{document['id']}/withdraw", json={"reason": "issued for the wrong dates"})
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_reason"] == "issued for the wrong dates"
    again = await w.host.post(f"{url}/{document['id']}/withdraw", json={"reason": "twice"})
    assert again.status_code == 409
    verified = (await w.anonymous.get(f"/api/verify/{document['code']}")).json()
    assert (verified["status"], verified["facts"]["lectures"], verified["facts"]["hours"]) == ("withdrawn", 6, 12)


@pytest.mark.parametrize("status", ["cancelled"])
async def test_no_document_for_a_trip_called_off(client: Client, new_client: Callable[[], Client], status: str) -> None:
    w = await world(client, new_client, status=status, start=days(40))
    for kind in ("invitation", "certificate"):
        refused = await w.host.post(
            f"/api/trips/{w.trip_id}/documents", json={"kind": kind, "person_id": w.members[0], "signed": True}
        )
        assert refused.status_code == 409 and f"this trip is {status}" in refused.json()["detail"]
