"""The coordinator's import over HTTP: upload, preview, confirm; bad files each named; the template and the export;
inviting imported volunteers, and one of them claiming the account through "forgot password"."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl
from helpers import PASSWORD, member
from workbooks import Generated, expected_dashboard, generate

from giveback.accounts.tables import Person
from giveback.imports.export import workbook_bytes
from giveback.imports.services import wait_for_jobs
from giveback.mail.sender import drain_outbox
from giveback.mail.tables import OutboxMessage
from giveback.trips.tables import Trip

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _upload(client: httpx.AsyncClient, name: str, content: bytes) -> dict[str, Any]:
    """Upload through the API and wait for the check; the job as the API shows it."""
    response = await client.post("/api/imports/", files={"file": (name, content, XLSX)})
    assert response.status_code == 202, response.text
    await wait_for_jobs()
    job = (await client.get(f"/api/imports/{response.json()['id']}")).json()
    assert job["status"] == "checked", job
    return job


async def _import(client: httpx.AsyncClient, content: bytes) -> dict[str, Any]:
    job = await _upload(client, "program.xlsx", content)
    assert not job["report"]["problems"], job["report"]["problems"]
    assert (await client.post(f"/api/imports/{job['id']}/confirm")).status_code == 202
    await wait_for_jobs()
    done = (await client.get(f"/api/imports/{job['id']}")).json()
    assert done["status"] == "imported", done
    return done


async def test_upload_preview_and_confirm_on_the_page(
    coordinator: httpx.AsyncClient, program: Generated, program_xlsx: bytes, new_client: Any, inbox: object
) -> None:
    home = await coordinator.get("/coordinator/import/", headers={"accept": "text/html"})
    assert home.status_code == 200 and "Download the template workbook" in home.text

    uploaded = await coordinator.post(
        "/coordinator/import/",
        files={"file": ("program.xlsx", program_xlsx, XLSX)},
        headers={"accept": "text/html"},
    )
    assert uploaded.status_code == 303
    job_page = uploaded.headers["location"]
    await wait_for_jobs()
    preview = await coordinator.get(job_page, headers={"accept": "text/html"})
    assert "What the import would do" in preview.text and "Import now" in preview.text
    assert await Trip.count() == 0  # a preview writes nothing

    confirmed = await coordinator.post(f"{job_page}/confirm", headers={"accept": "text/html"})
    assert confirmed.status_code == 303
    await wait_for_jobs()
    outcome = await coordinator.get(job_page, headers={"accept": "text/html"})
    assert "What was imported" in outcome.text
    totals = (await coordinator.get("/api/dashboard")).json()["totals"]
    assert totals["trips"] == expected_dashboard(program)["trips"]
    assert totals["attendees"] == expected_dashboard(program)["attendees"]

    again = await _upload(coordinator, "program.xlsx", program_xlsx)
    assert all(sheet["created"] == 0 and sheet["updated"] == 0 for sheet in again["report"]["sheets"])

    template = await coordinator.get("/coordinator/import/template.xlsx")
    assert template.status_code == 200 and "attachment" in template.headers["content-disposition"]
    titles = openpyxl.load_workbook(io.BytesIO(template.content), read_only=True).sheetnames
    assert titles == ["organizations", "volunteers", "requests", "trips", "reports", "read me"]
    exported = await coordinator.get("/coordinator/import/export.xlsx")
    trips = openpyxl.load_workbook(io.BytesIO(exported.content), read_only=True)["trips"]
    assert sum(1 for _ in trips.iter_rows()) == 1 + len(program.sheets["trips"])
    as_csv = await coordinator.get("/coordinator/import/export.zip")
    from_csv = await _upload(coordinator, "program.zip", as_csv.content)  # the .csv files read back the same
    assert not from_csv["report"]["problems"], from_csv["report"]["problems"]
    assert all(sheet["created"] == 0 and sheet["updated"] == 0 for sheet in from_csv["report"]["sheets"])

    volunteer = new_client()
    await member(volunteer, inbox, "vera@volunteers.example", ["volunteer"])
    assert (await volunteer.get("/api/imports/")).status_code == 403
    assert (await volunteer.get("/coordinator/import/export.zip")).status_code == 403


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


VOLUNTEER_HEADER = ["email", "name", "expertise", "languages", "trips_per_year"]


async def test_bad_files_each_get_a_clear_message_and_write_nothing(
    coordinator: httpx.AsyncClient, program_xlsx: bytes
) -> None:
    people = await Person.count()
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 600
    cases = {
        "the file is empty": ("empty.xlsx", b""),
        "no sheet the import knows": ("other.xlsx", _workbook({"Data": [["a", "b"], [1, 2]]})),
        "is protected with a password": ("secret.xlsx", encrypted),
        "is damaged": ("broken.xlsx", program_xlsx[: len(program_xlsx) // 2]),
        "volunteers row 2, trips_per_year: holds a formula (=1+1)": (
            "formula.xlsx",
            _workbook({"Volunteers": [VOLUNTEER_HEADER, ["a@example.org", "Ana", "venous", "es", "=1+1"]]}),
        ),
        'volunteers row 3, email: "a@example.org" is also on row 2': (
            "twice.xlsx",
            _workbook(
                {
                    "volunteers": [
                        VOLUNTEER_HEADER,
                        ["a@example.org", "Ana", "venous", "es", 1],
                        ["A@Example.org ", "Ana Again", "aortic", "pt", 2],
                    ]
                }
            ),
        ),
        "the known sheets hold no rows": (
            "headers.xlsx",
            _workbook({"trips": [["external_id", "organization", "start", "end", "volunteers"]]}),
        ),
    }
    for expected, (name, content) in cases.items():
        job = await _upload(coordinator, name, content)
        texts = [problem["text"] for problem in job["report"]["problems"]]
        assert any(expected in text for text in texts), (expected, texts)
        refused = await coordinator.post(f"/api/imports/{job['id']}/confirm")
        assert refused.status_code == 409
    # The preview's problems are shown in the reader's language (stored with their message and values).
    await Person.update({Person.locale: None}).where(Person.email == "carla@coordinators.example")
    spanish = await coordinator.get(
        f"/coordinator/import/{job['id']}", headers={"accept": "text/html", "accept-language": "es"}
    )
    assert '<html lang="es"' in spanish.text
    assert "las hojas conocidas no tienen filas" in spanish.text and "there is nothing to import" not in spanish.text
    too_big = await coordinator.post("/api/imports/", files={"file": ("big.csv", b"x" * (20 * 1024 * 1024 + 1))})
    assert too_big.status_code == 400 and "the limit is 20.0 MiB" in too_big.json()["detail"]
    assert await Person.count() == people and await Trip.count() == 0


async def _invitations() -> int:
    """The account invitations queued (the coordinator's own confirmation e-mail is in the outbox too)."""
    return int(await OutboxMessage.count().where(OutboxMessage.kind == "invitation"))


async def test_an_imported_volunteer_is_invited_and_claims_the_account(
    coordinator: httpx.AsyncClient, new_client: Any, inbox: Any, settings: Any
) -> None:
    small = generate(seed=3, volunteers=4, organizations=3, requests=1, trips=6)
    await _import(coordinator, workbook_bytes(small.sheets))
    email = small.volunteer_emails[0]
    stranger = new_client()
    for guess in ("no account has this password", PASSWORD, ""):
        refused = await stranger.post("/api/auth/login", json={"email": email, "password": guess})
        assert refused.status_code in (400, 401), refused.text
    assert await _invitations() == 0  # nobody is e-mailed before a coordinator invites them

    waiting = (await coordinator.get("/api/imports/invitations")).json()
    assert waiting["waiting"] == len(small.volunteer_emails) + len(small.trip_only_emails)
    invited = (await coordinator.post("/api/imports/invitations")).json()
    assert invited["waiting"] == 0 and invited["invited"] == waiting["waiting"]
    assert await _invitations() == waiting["waiting"]
    await coordinator.post("/api/imports/invitations")
    assert await _invitations() == waiting["waiting"]  # pressed twice: nobody invited twice
    await drain_outbox(settings)
    claim_page = inbox.link_to(email, "/forgot-password")
    assert (await stranger.get(claim_page, headers={"accept": "text/html"})).status_code == 200

    assert (await stranger.post("/api/auth/password-reset", json={"email": email})).status_code == 202
    token = inbox.link_to(email, "/reset-password").split("token=", 1)[1]
    new_password = "my own claimed password"
    reset = await stranger.post("/api/auth/password-reset/confirm", json={"token": token, "password": new_password})
    assert reset.status_code == 200, reset.text
    logged_in = await stranger.post("/api/auth/login", json={"email": email, "password": new_password})
    assert logged_in.status_code == 201, logged_in.text
    mine = (await stranger.get("/api/trips/")).json()
    assert len(mine) == sum(1 for trip in small.trips if email in trip["members"])
    assert (await coordinator.get("/api/imports/invitations")).json()["claimed"] == 1
