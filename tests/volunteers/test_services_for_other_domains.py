"""What the privacy export, account deletion and the matcher call: volunteer_data, delete_volunteer_data,
list_volunteers_for_matching."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec

from giveback.db.engine import write_transaction
from giveback.volunteers import services
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerCv, VolunteerProfile

TODAY = datetime.now(UTC).date()
PDF = b"%PDF-1.4\n%%EOF\n"


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


async def test_export_matching_and_deletion(make_person: Any, profile_body: Any) -> None:
    client, ana = await make_person("ana@example.org", profile=profile_body(directory_opt_in=False))
    await client.post(
        "/api/volunteers/me/windows", json={"start": str(day(30)), "end": str(day(40)), "preferred": True}
    )
    await client.post("/api/volunteers/me/windows", json={"start": str(day(5)), "end": str(day(9))})
    await client.post("/api/volunteers/me/cv", files={"file": ("cv.pdf", PDF, "application/pdf")})
    _, jean = await make_person("jean@example.org", profile=profile_body(country="FR", languages=["fr"]))
    await make_person("nobody@example.org")  # a volunteer without a profile

    data = await services.volunteer_data(ana)
    msgspec.json.encode(data)  # ready for a JSON export
    assert data["profile"]["country"] == "BR"
    assert data["profile"]["excluded_countries"] == ["RU"]
    assert data["expertise"] == {"interventional-oncology": 3, "embolization": 2}
    assert [w["start"] for w in data["availability_windows"]] == [str(day(5)), str(day(30))]
    assert data["cv"]["filename"] == "cv.pdf"
    assert "content" not in data["cv"]
    assert await services.volunteer_data(999999) == {}

    matching = await services.list_volunteers_for_matching()
    assert [v.person_id for v in matching] == sorted([ana, jean])
    first = next(v for v in matching if v.person_id == ana)
    assert first.expertise == {"interventional-oncology": 3, "embolization": 2}
    assert first.languages == ["pt", "en"]
    assert first.trips_per_year == 2
    assert first.windows == [(day(5), day(9), False), (day(30), day(40), True)]
    assert first.preferred_regions == ["latin-america"]
    assert first.excluded_countries == ["RU"]
    assert first.max_advisory_level == 2

    async with write_transaction(VolunteerProfile._meta.db):  # as account deletion calls it
        await services.delete_volunteer_data(ana)
    assert await services.volunteer_data(ana) == {}
    assert await VolunteerProfile.count() == 1
    assert await Expertise.count() == 2
    assert await AvailabilityWindow.count() == 0
    assert await VolunteerCv.count() == 0
    assert [v.person_id for v in await services.list_volunteers_for_matching()] == [jean]
    await services.delete_volunteer_data(ana)  # nothing left: no error
