"""The volunteer's own pages: profile form, CV form and availability, without JavaScript."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from babel.dates import format_date

from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerCv, VolunteerProfile

Client = httpx.AsyncClient
HTML = {"accept": "text/html"}
TODAY = datetime.now(UTC).date()
PDF = b"%PDF-1.7\n%%EOF\n"


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


def good_form(**changes: str) -> dict[str, str]:
    form = {
        "name": "Ana Souza",
        "institution": "USP",
        "country": "BR",
        "career_stage": "senior",
        "expertise.interventional-oncology": "3",
        "expertise.venous": "0",
        "languages": "Portuguese, english",
        "excluded_countries": "",
        "preferred_regions": "latin-america",
        "max_advisory_level": "2",
        "trips_per_year": "2",
        "bio": "Hello",
        "directory_opt_in": "true",
    }
    form.update(changes)
    return form


def error_next_to(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', html)
    assert match, f"no message for {field}"
    return match.group(1)


async def test_anonymous_visitors_are_sent_to_log_in(client: Client) -> None:
    for path in ("/volunteer/profile", "/volunteer/availability"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


async def test_profile_form_saves_and_re_renders_refusals(make_person: Any) -> None:
    client, _ = await make_person("ana@example.org")
    form = await client.get("/volunteer/profile", headers=HTML)
    assert form.status_code == 200
    assert 'name="expertise.interventional-oncology"' in form.text
    assert "Save your profile first" in form.text

    token = client.headers.pop("X-CSRF-Token")
    assert (await client.post("/volunteer/profile", data=good_form(), headers=HTML)).status_code == 403
    client.headers["X-CSRF-Token"] = token

    for changes, field, words in (
        ({"languages": "pt, xx"}, "languages", "Choose a language from the list: “xx” is not one of them"),
        ({"excluded_countries": "Narnia"}, "excluded_countries", "Choose a country from the list"),
        ({"expertise.venous": "4"}, "expertise", ""),
        ({"trips_per_year": "0"}, "trips_per_year", ""),
        ({"country": "ZZ"}, "country", "Choose a country from the list"),
        ({"bio": "b" * 2001}, "bio", ""),
    ):
        refused = await client.post("/volunteer/profile", data=good_form(**changes), headers=HTML)
        assert refused.status_code == 400, (changes, refused.text[:300])
        assert words in error_next_to(refused.text, field)
        assert 'value="Ana Souza"' in refused.text
    assert await VolunteerProfile.count() == 0
    several = good_form(trips_per_year="9", bio="b" * 2001, languages="Elvish", name="")
    refused = await client.post("/volunteer/profile", data=several, headers=HTML)
    assert "please correct the 4 answers marked below" in refused.text
    assert error_next_to(refused.text, "trips_per_year") == "Choose from 1 to 6 trips a year"
    assert error_next_to(refused.text, "bio") == "Enter at most 2000 characters"
    assert error_next_to(refused.text, "name") == "Fill this in"
    assert "Elvish" in error_next_to(refused.text, "languages")

    saved = await client.post("/volunteer/profile", data=good_form(), headers=HTML)
    assert saved.status_code == 303
    profile = (await client.get("/api/volunteers/me")).json()
    assert profile["languages"] == ["pt", "en"]
    assert profile["preferred_regions"] == ["latin-america"]
    assert profile["directory_opt_in"] is True
    assert [(e["topic"], e["proficiency"]) for e in profile["expertise"]] == [("interventional-oncology", 3)]
    again = await client.get("/volunteer/profile?saved=1", headers=HTML)
    assert "Profile saved." in again.text
    assert 'value="Portuguese"' in again.text and 'value="English"' in again.text
    assert '<option value="Portuguese">' in again.text  # the names the pickers offer

    unticked = good_form()
    del unticked["directory_opt_in"]
    await client.post("/volunteer/profile", data=unticked, headers=HTML)
    assert (await client.get("/api/volunteers/me")).json()["directory_opt_in"] is False
    assert await Expertise.count() == 1


async def test_cv_form(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("cv@example.org", profile=profile_body())
    bad = await client.post("/volunteer/cv", files={"file": ("cv.pdf", b"GIF89a", "application/pdf")}, headers=HTML)
    assert bad.status_code == 400
    assert "PDF" in error_next_to(bad.text, "file")
    assert await VolunteerCv.count() == 0
    good = await client.post("/volunteer/cv", files={"file": ("cv.pdf", PDF, "application/pdf")}, headers=HTML)
    assert good.status_code == 303
    shown = await client.get("/volunteer/profile?cv=uploaded", headers=HTML)
    assert "cv.pdf" in shown.text and "Delete CV" in shown.text
    assert (await client.post("/volunteer/cv/delete", headers=HTML)).status_code == 303
    assert await VolunteerCv.count() == 0


async def test_availability_pages(make_person: Any, profile_body: Any) -> None:
    client, _ = await make_person("win@example.org", profile=profile_body())
    empty = await client.get("/volunteer/availability", headers=HTML)
    assert empty.status_code == 200
    assert "No availability window yet" in empty.text

    reversed_dates = await client.post(
        "/volunteer/availability", data={"start": days(10), "end": days(5)}, headers=HTML
    )
    assert reversed_dates.status_code == 400
    assert "on or after" in error_next_to(reversed_dates.text, "end")
    assert await AvailabilityWindow.count() == 0

    added = await client.post(
        "/volunteer/availability", data={"start": days(10), "end": days(20), "preferred": "true"}, headers=HTML
    )
    assert added.status_code == 303
    window = (await client.get("/api/volunteers/me/windows")).json()[0]
    assert window["preferred"] is True
    listed = await client.get("/volunteer/availability", headers=HTML)
    shown = format_date(date.fromisoformat(days(10)), "medium", locale="en")  # the page writes days as English does
    assert shown in listed.text and f"/volunteer/availability/{window['id']}/edit" in listed.text

    overlap = await client.post("/volunteer/availability", data={"start": days(15), "end": days(25)}, headers=HTML)
    assert overlap.status_code == 409
    assert format_date(date.fromisoformat(days(10)), "medium", locale="en") in error_next_to(overlap.text, "start")

    edit = await client.get(f"/volunteer/availability/{window['id']}/edit", headers=HTML)
    assert edit.status_code == 200 and f'value="{days(10)}"' in edit.text
    changed = await client.post(
        f"/volunteer/availability/{window['id']}", data={"start": days(11), "end": days(21)}, headers=HTML
    )
    assert changed.status_code == 303
    assert (await client.get("/api/volunteers/me/windows")).json()[0]["preferred"] is False

    deleted = await client.post(f"/volunteer/availability/{window['id']}/delete", headers=HTML)
    assert deleted.status_code == 303
    assert await AvailabilityWindow.count() == 0


async def test_a_host_has_no_volunteer_pages(make_person: Any) -> None:
    host, _ = await make_person("host@example.org", roles=["host"])
    assert (await host.get("/volunteer/profile", headers=HTML)).status_code == 403
    assert (await host.post("/volunteer/profile", data=good_form(), headers=HTML)).status_code == 403
    assert await VolunteerProfile.count() == 0
