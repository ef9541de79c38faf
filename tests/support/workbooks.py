"""A program's spreadsheets as people really keep them, generated: for the import's tests and its benchmark.

Shapes vary on purpose: accented, Arabic and Chinese names, names holding ':' or ','; countries and languages as
names or codes; date cells and ISO text; yes/no written every way; availability windows on extra rows; seed
societies named with other case and no accents; trips with several volunteers, cancelled trips, volunteers
named only on trips; reports of both kinds. ``expected_dashboard`` computes what the dashboard must show,
independently of the platform's code.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

Rows = list[dict[str, Any]]

# (how the program writes it, its country, short name) for seed societies, spelled unlike the seed
SEED_SOCIETIES = [
    ("british society of interventional radiology", "GB", "BSIR"),
    ("Federacion Argentina De Asociaciones De Radiologia", "AR", "FAARDIT"),
    ("JAPANESE SOCIETY OF INTERVENTIONAL RADIOLOGY", "JP", "JSIR"),
    ("Egyptian Society of Interventional Radiology", "EG", "ESIR"),
    ("Colegio Argentino de Radiologia Vascular e Intervencionista", "AR", "CARVI"),
    ("Chinese Society of Interventional Radiology", "CN", "CVIR"),
    ("Brazilian Society of Interventional Radiology and Endovascular Surgery", "BR", "SoBRICE"),
    ("Korean Society of Interventional Radiology", "KR", "KSIR"),
]
# (name root, country as written, ISO code)
NEW_PLACES = [
    ("Hôpital Saint-Élie", "France", "FR"),
    ("مستشفى النور", "EGY", "EG"),
    ("北京协和医院", "CN", "CN"),
    ("Hospital São Lucas", "Brazil", "BR"),
    ("Bệnh viện Chợ Rẫy", "Viet Nam", "VN"),
    ("Clínica Alemana", "chile", "CL"),
    ("Mulago Hospital", "UGA", "UG"),
    ("Tata Memorial: Radiology", "India", "IN"),
    ("King Faisal Hospital, Kigali", "Rwanda", "RW"),
    ("Hospital Universitario Ñuñoa", "Vietnam", "VN"),
]
FIRST = ["María", "José", "Zoë", "Łukasz", "محمد", "فاطمة", "李", "王芳", "Nguyễn", "Ana", "Søren", "Ngozi"]
LAST = ["García", "Müller", "Okafor", "العلي", "张伟", "Trần", "O'Brien", "Silva", "Kowalski", "Ибрагимов"]
# (as written in a sheet, slug) — shown names with ':' and ','
TOPICS = [
    ("venous", "venous"),
    ("Aortic and endovascular", "aortic"),
    ("Interventional oncology: TACE, Y-90, ablation", "interventional-oncology"),
    ("Women's health, UFE", "womens-health"),
    ("embolization", "embolization"),
    ("Dialysis and vascular access", "dialysis-access"),
    ("pediatric-ir", "pediatric-ir"),
    ("Portal hypertension: TIPS, BRTO", "portal-hypertension"),
]
PROFICIENCY = ["1", "2", "3", "discuss", "teach", "expert", "Expert", ""]
WEIGHTS = ["1", "2", "3", "nice", "wanted", "essential"]
LANGUAGES = [("Spanish", "es"), ("pt", "pt"), ("English", "en"), ("fr", "fr"), ("Arabic", "ar"), ("zh", "zh")]
YES = ["yes", "Yes", "TRUE", "1", "x", "X"]
NO = ["no", "No", "false", "0", ""]
CADRES = ("physicians", "trainees", "nurses", "technologists")


@dataclass
class Generated:
    sheets: dict[str, Rows]
    # what the program holds, for the checks
    trips: list[dict[str, Any]] = field(default_factory=list)  # external id, country, organization, dates, ...
    reports: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    volunteer_emails: list[str] = field(default_factory=list)
    trip_only_emails: set[str] = field(default_factory=set)


def _day(rng: random.Random, value: date) -> Any:
    """Half the dates as date cells, half as ISO text."""
    return value if rng.random() < 0.5 else value.isoformat()


def _topic_cell(rng: random.Random, count: int, levels: list[str]) -> tuple[str, list[str]]:
    chosen = rng.sample(TOPICS, count)
    items = []
    for written, _ in chosen:
        level = rng.choice(levels)
        items.append(f"{written}:{level}" if level else written)
    return "; ".join(items), [slug for _, slug in chosen]


def generate(
    seed: int = 7,
    *,
    volunteers: int = 30,
    organizations: int = 12,
    requests: int = 8,
    trips: int = 40,
    first_year: int = 2016,
    last_day: date | None = None,
) -> Generated:
    rng = random.Random(seed)
    last_day = last_day or date(2025, 6, 30)
    future = date.today() + timedelta(days=60)

    organization_rows: Rows = []
    places: list[tuple[str, str]] = []  # (name as written in requests/trips, ISO country)
    for index in range(organizations):
        if index < len(SEED_SOCIETIES):
            written, country, short = SEED_SOCIETIES[index]
            organization_rows.append({"name": written, "short_name": short, "country": country, "kind": "Society"})
            places.append((short if index % 2 else written, country))
            continue
        root, written_country, country = NEW_PLACES[index % len(NEW_PLACES)]
        name = f"{root} {index}"
        organization_rows.append(
            {
                "name": name,
                "short_name": "" if index % 3 else f"H{index}",
                "country": written_country,
                "kind": rng.choice(["hospital", "Hospital", "HOSPITAL"]),
                "website": f"https://h{index}.example.org" if index % 4 == 0 else "",
            }
        )
        places.append((name.upper() if index % 5 == 0 else name, country))

    volunteer_rows: Rows = []
    emails = []
    for index in range(volunteers):
        email = f"volunteer{index}.{rng.choice(['a', 'b', 'c'])}@example.{rng.choice(['org', 'com', 'edu'])}"
        emails.append(email)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if index % 7 == 3:
            name = f"{rng.choice(LAST)}, {rng.choice(FIRST)}"
        if index % 11 == 5:
            name = f"Dr. {rng.choice(FIRST)}: {rng.choice(LAST)}"
        expertise, _ = _topic_cell(rng, rng.randint(1, 3), PROFICIENCY)
        languages = rng.sample(LANGUAGES, rng.randint(1, 3))
        separator = rng.choice(["; ", ", ", ";"])
        start = future + timedelta(days=rng.randint(0, 200))
        row: dict[str, Any] = {
            "email": email.upper() if index % 13 == 0 else email,
            "name": name,
            "institution": rng.choice(["", "Hospital Clínic", "Charité", "جامعة القاهرة"]),
            "country": rng.choice(["US", "Spain", "DEU", "Brazil", "", "Viet Nam"]),
            "career_stage": rng.choice(["senior", "Early career", "mid-career", "TRAINEE", ""]),
            "expertise": expertise,
            "languages": separator.join(written for written, _ in languages),
            "trips_per_year": rng.choice([1, 2, 3, "", "2"]),
            "max_advisory_level": rng.choice([1, 2, 3, "", "increased caution"]),
            "excluded_countries": rng.choice(["", "Russia; Iran", "SY"]),
            "preferred_regions": rng.choice(["", "latin-america", "Asia Pacific; europe"]),
            "directory_opt_in": rng.choice(YES + NO),
            "bio": rng.choice(["", "Teaches TACE, Y-90 and more: ask.", "متطوع"]),
            "available_from": _day(rng, start),
            "available_to": _day(rng, start + timedelta(days=rng.randint(14, 60))),
        }
        volunteer_rows.append(row)
        if index % 4 == 0:
            extra = start + timedelta(days=100)
            volunteer_rows.append(
                {
                    "email": email,
                    "available_from": _day(rng, extra),
                    "available_to": _day(rng, extra + timedelta(days=20)),
                }
            )

    request_rows: Rows = []
    for index in range(requests):
        written, _ = places[index % len(places)]
        start = future + timedelta(days=rng.randint(0, 300))
        duration = rng.randint(5, 14)
        needs, _ = _topic_cell(rng, rng.randint(1, 3), WEIGHTS)
        preferred = rng.random() < 0.5
        request_rows.append(
            {
                "external_id": f"REQ-{1000 + index}",
                "organization": written,
                "title": rng.choice(["TIPS course", "Embolization workshop", "Curso de intervencionismo, básico"]),
                "needs": needs,
                "languages": rng.choice(["Spanish", "en", "pt, es", "Arabic; en"]),
                "duration_days": duration,
                "team_size": rng.choice(["", 1, 2]),
                "window_from": _day(rng, start),
                "window_to": _day(rng, start + timedelta(days=60)),
                "preferred_from": _day(rng, start + timedelta(days=10)) if preferred else "",
                "preferred_to": _day(rng, start + timedelta(days=10 + duration + 5)) if preferred else "",
                "priority": rng.choice(YES + NO),
                "advisory_level": rng.choice(["", 1, 2, "normal precautions"]),
                "provides": rng.choice(["", "lodging", "lodging; local transport; Invitation letter"]),
                "notes": rng.choice(["", "Airport pick-up: yes, hotel, dinner"]),
                "status": rng.choice(["", "accepted", "Submitted", "draft"]),
            }
        )

    generated = Generated(sheets={}, volunteer_emails=emails)
    trip_rows: Rows = []
    report_rows: Rows = []
    span = (last_day - date(first_year, 1, 1)).days
    busy: dict[str, list[tuple[date, date]]] = {email: [] for email in emails}
    for index in range(trips):
        written, country = places[rng.randrange(len(places))]
        start = date(first_year, 1, 1) + timedelta(days=rng.randrange(span))
        end = start + timedelta(days=rng.randint(4, 13))
        if end >= last_day:
            start, end = last_day - timedelta(days=10), last_day - timedelta(days=3)
        cancelled = index % 10 == 7
        # nobody is on two visits at once (the import refuses that): volunteers are drawn from those free then
        wanted = rng.choice([1, 1, 2, 3])
        candidates = rng.sample(emails, min(len(emails), 4 * wanted))
        free = [email for email in candidates if all(end < first or last < start for first, last in busy[email])]
        members = free[:wanted]
        if index % 9 == 4 or not members:
            outsider = f"guest{index}@example.net"
            members.append(outsider)
            generated.trip_only_emails.add(outsider)
        if not cancelled:
            for member in members:
                busy.setdefault(member, []).append((start, end))
        status = "cancelled" if cancelled else rng.choice(["completed", "reported", "Completed", ""])
        external_id = f"T{index:05d}"
        topics, slugs = _topic_cell(rng, rng.randint(0, 2), [""])
        written_members = [
            f"{rng.choice(FIRST)} <{member}>" if member in generated.trip_only_emails else member for member in members
        ]
        trip_rows.append(
            {
                "external_id": external_id,
                "organization": written,
                "start": _day(rng, start),
                "end": _day(rng, end),
                "volunteers": "; ".join(written_members),
                "topics": topics,
                "status": "Canceled" if cancelled and index % 20 == 7 else status,
                "notes": "Visa refused, trip called off" if cancelled else rng.choice(["", "Great visit, thanks"]),
            }
        )
        generated.trips.append(
            {
                "external_id": external_id,
                "country": country,
                "organization": written,
                "start": start,
                "end": end,
                "members": {member.lower() for member in members},
                "topics": slugs,
                "delivered": not cancelled,
            }
        )
        if cancelled:
            continue
        kinds = ["volunteer", "host"] if status.lower() == "reported" else rng.choice([[], ["host"], ["volunteer"]])
        for kind in kinds:
            numbers = {cadre: rng.randint(0, 40) for cadre in CADRES}
            numbers["lectures"] = rng.randint(0, 8)
            report_rows.append(
                {
                    "trip": external_id,
                    "kind": kind.title() if index % 3 == 0 else kind,
                    "lectures": numbers["lectures"],
                    "lecture_hours": rng.randint(0, 20),
                    **{cadre: numbers[cadre] for cadre in CADRES},
                    "rating_overall": rng.choice(["", 4, 5]),
                    "rating_teaching": rng.choice([3, 4, 5]),
                    "rating_logistics": rng.choice(["", 2, 5]),
                    "comments": rng.choice(["", "Excelente, gracias", "ممتاز"]),
                }
            )
            generated.reports[(external_id, kind)] = numbers
    generated.sheets = {
        "organizations": organization_rows,
        "volunteers": volunteer_rows,
        "requests": request_rows,
        "trips": trip_rows,
        "reports": report_rows,
    }
    return generated


def expected_dashboard(generated: Generated) -> dict[str, int]:
    """The dashboard's totals for the generated history, computed from the rows themselves."""
    delivered = [trip for trip in generated.trips if trip["delivered"]]
    volunteers = {member for trip in delivered for member in trip["members"]}
    attendees = 0
    lectures = 0
    for trip in delivered:
        counted = generated.reports.get((trip["external_id"], "host")) or generated.reports.get(
            (trip["external_id"], "volunteer")
        )
        if counted:
            attendees += sum(counted[cadre] for cadre in CADRES)
        own = generated.reports.get((trip["external_id"], "volunteer"))
        if own:
            lectures += own["lectures"]
    return {
        "trips": len(delivered),
        "countries": len({trip["country"] for trip in delivered}),
        "volunteers": len(volunteers),
        "volunteer_days": sum(len(trip["members"]) * ((trip["end"] - trip["start"]).days + 1) for trip in delivered),
        "attendees": attendees,
        "lectures": lectures,
        "trips_per_year": sum(Counter(trip["start"].year for trip in delivered).values()),
    }
