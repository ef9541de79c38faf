"""CV upload and download: PDFs only, size-limited, always an attachment, for the owner and coordinators."""

from __future__ import annotations

from typing import Any

import httpx

from giveback.accounts.tables import AuditEvent
from giveback.volunteers.tables import VolunteerCv

Client = httpx.AsyncClient
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MIB = 1024 * 1024


async def test_upload_and_download_a_cv(make_person: Any, profile_body: Any) -> None:
    client, person_id = await make_person("cv@example.org", profile=profile_body())
    uploaded = await client.post("/api/volunteers/me/cv", files={"file": ('../../my "cv".pdf', PDF, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["size_bytes"] == len(PDF)
    assert "/" not in uploaded.json()["filename"]
    assert (await client.get("/api/volunteers/me")).json()["cv"]["size_bytes"] == len(PDF)

    for path in ("/api/volunteers/me/cv", f"/api/volunteers/{person_id}/cv"):
        download = await client.get(path)
        assert download.status_code == 200
        assert download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-security-policy"].startswith("default-src 'none'")

    replaced = await client.post("/api/volunteers/me/cv", files={"file": ("new.pdf", PDF + b"x", "application/pdf")})
    assert replaced.status_code == 201
    assert await VolunteerCv.count() == 1

    assert (await client.delete("/api/volunteers/me/cv")).status_code == 204
    assert (await client.get("/api/volunteers/me/cv")).status_code == 404
    assert (await client.delete("/api/volunteers/me/cv")).status_code == 404
    assert await VolunteerCv.count() == 0


async def test_bad_cvs_are_refused(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("bad@example.org", profile=profile_body())
    cases = [
        ("cv.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", "PDF"),
        ("cv.pdf", PDF, "text/html", "PDF"),
        ("cv.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", "PDF"),
        ("cv.pdf", PDF + b"0" * (2 * MIB), "application/pdf", "2 MiB"),
    ]
    for filename, content, content_type, words in cases:
        response = await client.post("/api/volunteers/me/cv", files={"file": (filename, content, content_type)})
        assert response.status_code in (400, 413), response.text
        assert response.json()["field"] == "file"
        assert words in response.json()["detail"]
    exactly = PDF + b"0" * (2 * MIB - len(PDF))
    assert (
        await client.post("/api/volunteers/me/cv", files={"file": ("cv.pdf", exactly, "application/pdf")})
    ).status_code == 201
    assert await VolunteerCv.count() == 1


async def test_who_may_download_a_cv(make_person: Any, profile_body: Any, client: Client) -> None:
    owner, owner_id = await make_person("owner@example.org", profile=profile_body())
    await owner.post("/api/volunteers/me/cv", files={"file": ("cv.pdf", PDF, "application/pdf")})
    other, _ = await make_person("other@example.org", profile=profile_body())
    host, _ = await make_person("host@example.org", roles=["host"])
    coordinator, coordinator_id = await make_person("coord@example.org", roles=["coordinator"])
    assert (await other.get(f"/api/volunteers/{owner_id}/cv")).status_code == 404
    assert (await host.get(f"/api/volunteers/{owner_id}/cv")).status_code == 404
    assert (await client.get(f"/api/volunteers/{owner_id}/cv")).status_code == 401
    seen = await coordinator.get(f"/api/volunteers/{owner_id}/cv")
    assert seen.status_code == 200
    assert seen.content == PDF
    assert seen.headers["content-disposition"].startswith("attachment;")
    events = await AuditEvent.select(AuditEvent.actor).where(AuditEvent.action == "volunteer.cv_downloaded")
    assert [e["actor"] for e in events] == [coordinator_id]


async def test_uploads_need_the_csrf_token_and_a_profile(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("csrf@example.org", profile=profile_body())
    token = client.headers.pop("X-CSRF-Token")
    refused = await client.post("/api/volunteers/me/cv", files={"file": ("cv.pdf", PDF, "application/pdf")})
    assert refused.status_code == 403
    in_form = await client.post(
        "/api/volunteers/me/cv", data={"csrf_token": token}, files={"file": ("cv.pdf", PDF, "application/pdf")}
    )
    assert in_form.status_code == 201, in_form.text
    newcomer, _ = await make_person("new@example.org")
    early = await newcomer.post("/api/volunteers/me/cv", files={"file": ("cv.pdf", PDF, "application/pdf")})
    assert early.status_code == 409
    assert early.json()["field"] == "profile"
    window = await newcomer.post("/api/volunteers/me/windows", json={"start": "2099-01-01", "end": "2099-01-02"})
    assert window.status_code == 409
    assert window.json()["field"] == "profile"
    assert await VolunteerCv.count() == 1
