"""Volunteers: profiles with expertise, availability windows, CVs, and the public directory.

A volunteer is named by their person id everywhere. Only people holding the ``volunteer`` role have a
profile; coordinators and admins may read every profile, a volunteer only their own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from piccolo.columns import Column

from giveback import geo
from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person, RoleGrant
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied, Problems
from giveback.i18n import _
from giveback.i18n.formatting import Day
from giveback.topics.tables import Topic
from giveback.volunteers.schemas import (
    PROFICIENCY_LABELS,
    CvFile,
    CvOut,
    DirectoryEntry,
    ExpertiseOut,
    LanguageOut,
    MatchingVolunteer,
    ProfileIn,
    ProfileOut,
    WindowIn,
    WindowOut,
)
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerCv, VolunteerProfile

STAFF_ROLES = ("coordinator",)
CV_MAX_BYTES = 2 * 1024 * 1024
CV_CONTENT_TYPE = "application/pdf"
PDF_MAGIC = b"%PDF-"
WINDOW_MAX_YEARS_AHEAD = 2
NO_PROFILE = _("save your volunteer profile first")

_PROFILE_COLUMNS = (
    VolunteerProfile.id,
    VolunteerProfile.person,
    VolunteerProfile.institution,
    VolunteerProfile.country,
    VolunteerProfile.career_stage,
    VolunteerProfile.languages,
    VolunteerProfile.max_advisory_level,
    VolunteerProfile.excluded_countries,
    VolunteerProfile.preferred_regions,
    VolunteerProfile.trips_per_year,
    VolunteerProfile.bio,
    VolunteerProfile.directory_opt_in,
    VolunteerProfile.updated_at,
)


def today() -> date:
    return datetime.now(UTC).date()


def _years_ahead(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


# --- access ---------------------------------------------------------------------------------------------


def _require_volunteer(user: SignedIn) -> None:
    if not user.has("volunteer"):
        raise PermissionDenied(_("only a person with the volunteer role has a volunteer profile"), field="role")


def _may_read(user: SignedIn, person_id: int) -> bool:
    return user.person_id == person_id or user.has(*STAFF_ROLES)


async def _profile_id(person_id: int) -> int | None:
    row = await VolunteerProfile.select(VolunteerProfile.id).where(VolunteerProfile.person == person_id).first()
    return int(row["id"]) if row else None


async def _lock_person(person_id: int) -> None:
    """Serialize one volunteer's writes: concurrent first saves or overlapping windows queue here."""
    await locked(Person.select(Person.id).where(Person.id == person_id)).first()


# --- validation -----------------------------------------------------------------------------------------


async def _topics() -> dict[str, dict[str, Any]]:
    rows = await Topic.select(Topic.slug, Topic.name, Topic.retired).order_by(Topic.position).order_by(Topic.slug)
    return {row["slug"]: row for row in rows}


def _clean_profile(data: ProfileIn, topics: dict[str, dict[str, Any]], current_topics: set[str]) -> dict[str, Any]:
    """The profile's columns from valid input; one ``InvalidInput`` naming every broken field."""
    problems = Problems()
    for slug in data.expertise:
        topic = topics.get(slug)
        if topic is None:
            problems.add("expertise", _("Choose topics from the list: there is no topic '%(slug)s'", slug=slug))
        elif topic["retired"] and slug not in current_topics:
            problems.add("expertise", _("The topic %(name)s is retired and cannot be chosen", name=topic["name"]))
    languages = _unique(code.strip().lower() for code in data.languages if code.strip())
    if not all(geo.is_language(code) for code in languages):
        problems.add("languages", _("Choose languages from the list (ISO 639-1 codes such as en, es or pt)"))
    country = data.country.strip().upper() if data.country and data.country.strip() else None
    if country is not None and not geo.is_country(country):
        problems.add("country", _("Choose a country from the list (an ISO 3166-1 code such as BR)"))
    excluded = _unique(code.strip().upper() for code in data.excluded_countries if code.strip())
    if not all(geo.is_country(code) for code in excluded):
        problems.add("excluded_countries", _("Choose countries from the list (ISO 3166-1 codes such as BR)"))
    regions = _unique(code.strip().lower() for code in data.preferred_regions if code.strip())
    if any(code not in geo.REGIONS for code in regions):
        problems.add("preferred_regions", _("Choose regions from the list"))
    problems.refuse()
    return {
        "institution": data.institution.strip(),
        "country": country,
        "career_stage": data.career_stage,
        "languages": languages,
        "max_advisory_level": data.max_advisory_level,
        "excluded_countries": excluded,
        "preferred_regions": regions,
        "trips_per_year": data.trips_per_year,
        "bio": data.bio.strip(),
        "directory_opt_in": data.directory_opt_in,
    }


# --- reading --------------------------------------------------------------------------------------------


async def _people(person_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not person_ids:
        return {}
    rows = await Person.select(Person.id, Person.name, Person.email).where(Person.id.is_in(person_ids))
    return {int(row["id"]): row for row in rows}


async def _expertise_of(profile_ids: list[int], topics: dict[str, dict[str, Any]]) -> dict[int, list[ExpertiseOut]]:
    result: dict[int, list[ExpertiseOut]] = {profile_id: [] for profile_id in profile_ids}
    if not profile_ids:
        return result
    order = {slug: index for index, slug in enumerate(topics)}
    rows = await Expertise.select(Expertise.profile, Expertise.topic, Expertise.proficiency).where(
        Expertise.profile.is_in(profile_ids)
    )
    for row in sorted(rows, key=lambda r: (-r["proficiency"], order.get(r["topic"], len(order)), r["topic"])):
        topic = topics.get(row["topic"], {"name": row["topic"], "retired": True})
        result[int(row["profile"])].append(
            ExpertiseOut(
                topic=row["topic"],
                topic_name=topic["name"],
                proficiency=row["proficiency"],
                proficiency_label=PROFICIENCY_LABELS.get(row["proficiency"], str(row["proficiency"])),
                retired=bool(topic["retired"]),
            )
        )
    return result


async def _cvs_of(profile_ids: list[int]) -> dict[int, CvOut]:
    if not profile_ids:
        return {}
    rows = await VolunteerCv.select(
        VolunteerCv.profile, VolunteerCv.filename, VolunteerCv.size_bytes, VolunteerCv.uploaded_at
    ).where(VolunteerCv.profile.is_in(profile_ids))
    return {
        int(row["profile"]): CvOut(
            filename=row["filename"], size_bytes=row["size_bytes"], uploaded_at=row["uploaded_at"]
        )
        for row in rows
    }


async def _volunteer_ids() -> set[int]:
    rows = await RoleGrant.select(RoleGrant.person).where(RoleGrant.role == "volunteer")
    return {int(row["person"]) for row in rows}


async def _profiles(
    *,
    person_ids: list[int] | None = None,
    topic: str | None = None,
    language: str | None = None,
    region: str | None = None,
    opted_in_only: bool = False,
) -> tuple[list[dict[str, Any]], dict[int, list[ExpertiseOut]], dict[int, dict[str, Any]]]:
    """Profile rows of current volunteers with their expertise and person rows, filtered."""
    topics = await _topics()
    if topic is not None and topic not in topics:
        raise InvalidInput(_("there is no topic '%(topic)s'; see /api/topics", topic=topic), field="topic")
    if language is not None and not geo.is_language(language):
        raise InvalidInput(_("language must be an ISO 639-1 code such as pt"), field="language")
    if region is not None and region not in geo.REGIONS:
        raise InvalidInput(_("region must be one of %(regions)s", regions=", ".join(geo.REGIONS)), field="region")
    query = VolunteerProfile.select(*_PROFILE_COLUMNS)
    if person_ids is not None:
        query = query.where(VolunteerProfile.person.is_in(person_ids or [-1]))
    if opted_in_only:
        query = query.where(VolunteerProfile.directory_opt_in.eq(True))
    if topic is not None:
        query = query.where(
            VolunteerProfile.id.is_in(Expertise.select(Expertise.profile).where(Expertise.topic == topic))
        )
    rows = await query
    volunteers = await _volunteer_ids()
    people = await _people([int(row["person"]) for row in rows])
    alive = await Person.select(Person.id).where(
        Person.id.is_in(list(people) or [-1]) & Person.deleted_at.is_null() & Person.disabled_at.is_null()
    )
    alive_ids = {int(row["id"]) for row in alive}
    rows = [
        row
        for row in rows
        if int(row["person"]) in volunteers
        and int(row["person"]) in alive_ids
        and (language is None or language in (row["languages"] or []))
        and (region is None or (row["country"] and geo.region_of(row["country"]) == region))
    ]
    rows.sort(key=lambda row: (people[int(row["person"])]["name"].lower(), int(row["person"])))
    expertise = await _expertise_of([int(row["id"]) for row in rows], topics)
    return rows, expertise, people


def _profile_out(
    row: dict[str, Any], expertise: list[ExpertiseOut], person: dict[str, Any], cv: CvOut | None
) -> ProfileOut:
    country = row["country"]
    return ProfileOut(
        person_id=int(row["person"]),
        name=person["name"],
        email=person["email"],
        institution=row["institution"],
        country=country,
        country_name=geo.country_name(country) if country else None,
        region=geo.region_of(country) if country else None,
        career_stage=row["career_stage"],
        expertise=expertise,
        languages=list(row["languages"] or []),
        max_advisory_level=row["max_advisory_level"],
        excluded_countries=list(row["excluded_countries"] or []),
        preferred_regions=list(row["preferred_regions"] or []),
        trips_per_year=row["trips_per_year"],
        bio=row["bio"],
        directory_opt_in=bool(row["directory_opt_in"]),
        cv=cv,
        updated_at=row["updated_at"],
    )


def _directory_entry(row: dict[str, Any], expertise: list[ExpertiseOut], person: dict[str, Any]) -> DirectoryEntry:
    country = row["country"]
    return DirectoryEntry(
        person_id=int(row["person"]),
        name=person["name"],
        institution=row["institution"],
        country=country,
        country_name=geo.country_name(country) if country else None,
        region=geo.region_of(country) if country else None,
        career_stage=row["career_stage"],
        expertise=expertise,
        languages=[LanguageOut(code=code, name=geo.language_name(code)) for code in row["languages"] or []],
        bio=row["bio"],
    )


async def get_profile(user: SignedIn, person_id: int) -> ProfileOut:
    """One volunteer's profile, for that volunteer or a coordinator; anyone else learns nothing."""
    if not _may_read(user, person_id):
        raise NotFound(_("no volunteer profile %(person_id)s", person_id=person_id), field="person_id")
    rows, expertise, people = await _profiles(person_ids=[person_id])
    if not rows:
        if user.person_id == person_id:
            raise NotFound(
                _("you have no volunteer profile yet: %(no_profile)s", no_profile=NO_PROFILE), field="profile"
            )
        raise NotFound(_("no volunteer profile %(person_id)s", person_id=person_id), field="person_id")
    row = rows[0]
    cvs = await _cvs_of([int(row["id"])])
    return _profile_out(row, expertise[int(row["id"])], people[person_id], cvs.get(int(row["id"])))


async def find_profile(user: SignedIn) -> ProfileOut | None:
    """The signed-in volunteer's own profile, or None before the first save."""
    _require_volunteer(user)
    try:
        return await get_profile(user, user.person_id)
    except NotFound:
        return None


async def list_profiles(
    user: SignedIn, *, topic: str | None = None, language: str | None = None, region: str | None = None
) -> list[ProfileOut]:
    """Every volunteer profile (coordinators), optionally with a topic, a language, or a home region."""
    if not user.has(*STAFF_ROLES):
        raise PermissionDenied(_("listing volunteer profiles needs the coordinator role"), field="role")
    rows, expertise, people = await _profiles(topic=topic, language=language, region=region)
    cvs = await _cvs_of([int(row["id"]) for row in rows])
    return [
        _profile_out(row, expertise[int(row["id"])], people[int(row["person"])], cvs.get(int(row["id"])))
        for row in rows
    ]


async def directory(
    *, topic: str | None = None, language: str | None = None, region: str | None = None
) -> list[DirectoryEntry]:
    """The public speakers bureau: volunteers who opted in, by name."""
    rows, expertise, people = await _profiles(topic=topic, language=language, region=region, opted_in_only=True)
    return [_directory_entry(row, expertise[int(row["id"])], people[int(row["person"])]) for row in rows]


async def directory_entry(person_id: int) -> DirectoryEntry:
    """One opted-in volunteer's public profile; any other id is simply not found."""
    rows, expertise, people = await _profiles(person_ids=[person_id], opted_in_only=True)
    if not rows:
        raise NotFound(_("no volunteer %(person_id)s in the directory", person_id=person_id), field="person_id")
    return _directory_entry(rows[0], expertise[int(rows[0]["id"])], people[person_id])


# --- writing the profile --------------------------------------------------------------------------------


async def save_profile(user: SignedIn, data: ProfileIn) -> ProfileOut:
    """Create (first save) or replace the signed-in volunteer's profile and expertise, in one transaction."""
    _require_volunteer(user)
    topics = await _topics()
    async with write_transaction(VolunteerProfile._meta.db):
        await _lock_person(user.person_id)
        existing = await locked(
            VolunteerProfile.select(VolunteerProfile.id).where(VolunteerProfile.person == user.person_id)
        ).first()
        current_topics: set[str] = set()
        if existing is not None:
            rows = await Expertise.select(Expertise.topic).where(Expertise.profile == existing["id"])
            current_topics = {row["topic"] for row in rows}
        values = _clean_profile(data, topics, current_topics)
        if existing is None:
            inserted = await VolunteerProfile.insert(VolunteerProfile(person=user.person_id, **values))
            profile_id = int(inserted[0]["id"])
        else:
            profile_id = int(existing["id"])
            changes: dict[Column | str, Any] = {key: value for key, value in values.items()}
            changes["updated_at"] = datetime.now(UTC)
            await VolunteerProfile.update(changes).where(VolunteerProfile.id == profile_id)
        await Expertise.delete().where(Expertise.profile == profile_id)
        if data.expertise:
            await Expertise.insert(
                *[
                    Expertise(profile=profile_id, topic=slug, proficiency=level)
                    for slug, level in sorted(data.expertise.items())
                ]
            )
        if data.name is not None and data.name.strip():
            await Person.update({Person.name: data.name.strip()}).where(Person.id == user.person_id)
        await audit(
            user.person_id,
            "volunteer.profile_created" if existing is None else "volunteer.profile_updated",
            "volunteer_profile",
            profile_id,
            directory_opt_in=values["directory_opt_in"],
        )
    return await get_profile(user, user.person_id)


async def _own_profile_id(user: SignedIn, *, lock: bool = False) -> int:
    _require_volunteer(user)
    query = VolunteerProfile.select(VolunteerProfile.id).where(VolunteerProfile.person == user.person_id)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise Conflict(NO_PROFILE, field="profile")
    return int(row["id"])


# --- availability windows -------------------------------------------------------------------------------


def _window_out(row: dict[str, Any]) -> WindowOut:
    return WindowOut(
        id=int(row["id"]), start=row["start"], end=row["end"], preferred=bool(row["preferred"]), source=row["source"]
    )


async def list_windows(user: SignedIn) -> list[WindowOut]:
    """The signed-in volunteer's windows in date order (none before the profile exists)."""
    _require_volunteer(user)
    profile_id = await _profile_id(user.person_id)
    if profile_id is None:
        return []
    rows = (
        await AvailabilityWindow.select()
        .where(AvailabilityWindow.profile == profile_id)
        .order_by(AvailabilityWindow.start)
        .order_by(AvailabilityWindow.id)
    )
    return [_window_out(row) for row in rows]


async def get_window(user: SignedIn, window_id: int) -> WindowOut:
    _require_volunteer(user)
    profile_id = await _profile_id(user.person_id)
    row = (
        await AvailabilityWindow.select()
        .where((AvailabilityWindow.id == window_id) & (AvailabilityWindow.profile == (profile_id or -1)))
        .first()
    )
    if row is None:
        raise NotFound(_("you have no availability window %(window_id)s", window_id=window_id), field="window_id")
    return _window_out(row)


async def _check_window(profile_id: int, data: WindowIn, *, keep_start: date | None, window_id: int | None) -> None:
    first_day = today()
    problems = Problems()
    if data.end < data.start:
        problems.add("end", _("The last day must be on or after the first day"))
    if data.start < first_day and data.start != keep_start:
        problems.add(
            "start", _("The first day must not be in the past (today is %(first_day)s)", first_day=Day(first_day))
        )
    last_day = _years_ahead(first_day, WINDOW_MAX_YEARS_AHEAD)
    if data.end > last_day:
        problems.add(
            "end", _("The last day must be at most two years ahead (on or before %(last_day)s)", last_day=Day(last_day))
        )
    problems.refuse()
    query = AvailabilityWindow.select(AvailabilityWindow.id, AvailabilityWindow.start, AvailabilityWindow.end).where(
        (AvailabilityWindow.profile == profile_id)
        & (AvailabilityWindow.start <= data.end)
        & (AvailabilityWindow.end >= data.start)
    )
    if window_id is not None:
        query = query.where(AvailabilityWindow.id != window_id)
    other = await query.order_by(AvailabilityWindow.start).first()
    if other is not None:
        raise Conflict(
            _(
                "These dates overlap your window from %(start)s to %(end)s: change that window or choose other dates",
                start=Day(other["start"]),
                end=Day(other["end"]),
            ),
            field="start",
        )


async def add_window(user: SignedIn, data: WindowIn) -> WindowOut:
    """Add a manual availability window; overlaps with another window are refused."""
    async with write_transaction(AvailabilityWindow._meta.db):
        await _lock_person(user.person_id)
        profile_id = await _own_profile_id(user)
        await _check_window(profile_id, data, keep_start=None, window_id=None)
        row = (
            await AvailabilityWindow.insert(
                AvailabilityWindow(
                    profile=profile_id, start=data.start, end=data.end, preferred=data.preferred, source="manual"
                )
            )
        )[0]
        window_id = int(row["id"])
        await audit(
            user.person_id,
            "volunteer.window_added",
            "availability_window",
            window_id,
            start=str(data.start),
            end=str(data.end),
        )
    return await get_window(user, window_id)


async def change_window(user: SignedIn, window_id: int, data: WindowIn) -> WindowOut:
    """Change one of the volunteer's own windows (someone else's is not found)."""
    async with write_transaction(AvailabilityWindow._meta.db):
        _require_volunteer(user)
        await _lock_person(user.person_id)
        profile_id = await _profile_id(user.person_id)
        row = await locked(
            AvailabilityWindow.select().where(
                (AvailabilityWindow.id == window_id) & (AvailabilityWindow.profile == (profile_id or -1))
            )
        ).first()
        if row is None or profile_id is None:
            raise NotFound(_("you have no availability window %(window_id)s", window_id=window_id), field="window_id")
        await _check_window(profile_id, data, keep_start=row["start"], window_id=window_id)
        await AvailabilityWindow.update(
            {
                AvailabilityWindow.start: data.start,
                AvailabilityWindow.end: data.end,
                AvailabilityWindow.preferred: data.preferred,
            }
        ).where(AvailabilityWindow.id == window_id)
        await audit(
            user.person_id,
            "volunteer.window_changed",
            "availability_window",
            window_id,
            start=str(data.start),
            end=str(data.end),
        )
    return await get_window(user, window_id)


async def delete_window(user: SignedIn, window_id: int) -> None:
    """Delete one of the volunteer's own windows (someone else's is not found)."""
    _require_volunteer(user)
    async with write_transaction(AvailabilityWindow._meta.db):
        profile_id = await _profile_id(user.person_id)
        deleted = (
            await AvailabilityWindow.delete()
            .where((AvailabilityWindow.id == window_id) & (AvailabilityWindow.profile == (profile_id or -1)))
            .returning(AvailabilityWindow.id)
        )
        if not deleted:
            raise NotFound(_("you have no availability window %(window_id)s", window_id=window_id), field="window_id")
        await audit(user.person_id, "volunteer.window_deleted", "availability_window", window_id)


# --- CV -------------------------------------------------------------------------------------------------


def safe_filename(filename: str | None) -> str:
    """A plain file name for the stored CV: no folders, no control or quoting characters, ending in .pdf."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = unicodedata.normalize("NFKC", base)
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:;|?*%')
    base = base.strip(" .")[:150] or "cv"
    return base if base.lower().endswith(".pdf") else f"{base}.pdf"


async def upload_cv(user: SignedIn, *, filename: str | None, content_type: str | None, content: bytes) -> CvOut:
    """Store (or replace) the volunteer's CV: a PDF of at most 2 MiB."""
    _require_volunteer(user)
    if len(content) > CV_MAX_BYTES:
        raise InvalidInput(_("file: the CV must be at most 2 MiB (2097152 bytes)"), field="file")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != CV_CONTENT_TYPE or not content.startswith(PDF_MAGIC):
        raise InvalidInput(_("file: the CV must be a PDF file (application/pdf)"), field="file")
    name = safe_filename(filename)
    async with write_transaction(VolunteerCv._meta.db):
        await _lock_person(user.person_id)
        profile_id = await _own_profile_id(user)
        await VolunteerCv.delete().where(VolunteerCv.profile == profile_id)
        row = (
            await VolunteerCv.insert(
                VolunteerCv(
                    profile=profile_id,
                    filename=name,
                    content=content,
                    size_bytes=len(content),
                    uploaded_at=datetime.now(UTC),
                )
            )
        )[0]
        await audit(user.person_id, "volunteer.cv_uploaded", "volunteer_cv", int(row["id"]), size_bytes=len(content))
    cvs = await _cvs_of([profile_id])
    return cvs[profile_id]


async def delete_cv(user: SignedIn) -> None:
    _require_volunteer(user)
    async with write_transaction(VolunteerCv._meta.db):
        profile_id = await _profile_id(user.person_id)
        deleted = await VolunteerCv.delete().where(VolunteerCv.profile == (profile_id or -1)).returning(VolunteerCv.id)
        if not deleted:
            raise NotFound(_("you have no CV stored"), field="cv")
        await audit(user.person_id, "volunteer.cv_deleted", "volunteer_cv", int(deleted[0]["id"]))


async def cv_file(user: SignedIn, person_id: int) -> CvFile:
    """The CV's bytes, for its owner or a coordinator; anyone else learns nothing."""
    if not _may_read(user, person_id):
        raise NotFound(_("no CV for volunteer %(person_id)s", person_id=person_id), field="person_id")
    profile_id = await _profile_id(person_id)
    row = (
        await VolunteerCv.select(VolunteerCv.filename, VolunteerCv.content)
        .where(VolunteerCv.profile == (profile_id or -1))
        .first()
    )
    if row is None:
        raise NotFound(_("no CV for volunteer %(person_id)s", person_id=person_id), field="person_id")
    if user.person_id != person_id:
        await audit(user.person_id, "volunteer.cv_downloaded", "volunteer_profile", profile_id)
    return CvFile(filename=row["filename"], content=bytes(row["content"]))


# --- for other domains: export, deletion, matching ------------------------------------------------------


async def volunteer_data(person_id: int) -> dict[str, Any]:
    """Everything stored about a volunteer (profile, expertise, windows, CV metadata, not its bytes)."""
    profile = (
        await VolunteerProfile.select(*_PROFILE_COLUMNS, VolunteerProfile.calendar_url)
        .where(VolunteerProfile.person == person_id)
        .first()
    )
    if profile is None:
        return {}
    profile_id = int(profile["id"])
    expertise = await Expertise.select(Expertise.topic, Expertise.proficiency).where(Expertise.profile == profile_id)
    windows = (
        await AvailabilityWindow.select(
            AvailabilityWindow.start, AvailabilityWindow.end, AvailabilityWindow.preferred, AvailabilityWindow.source
        )
        .where(AvailabilityWindow.profile == profile_id)
        .order_by(AvailabilityWindow.start)
    )
    cv = await _cvs_of([profile_id])
    data = {
        "profile": {key: value for key, value in profile.items() if key not in ("id", "person")},
        "expertise": {row["topic"]: row["proficiency"] for row in expertise},
        "availability_windows": windows,
        "cv": cv.get(profile_id),
    }
    result: dict[str, Any] = msgspec.to_builtins(data)
    return result


async def delete_volunteer_data(person_id: int) -> None:
    """Remove the profile, expertise, windows and CV; joins the caller's transaction (account deletion)."""
    async with write_transaction(VolunteerProfile._meta.db):
        profile_id = await _profile_id(person_id)
        if profile_id is None:
            return
        await VolunteerCv.delete().where(VolunteerCv.profile == profile_id)
        await AvailabilityWindow.delete().where(AvailabilityWindow.profile == profile_id)
        await Expertise.delete().where(Expertise.profile == profile_id)
        await VolunteerProfile.delete().where(VolunteerProfile.id == profile_id)


async def list_volunteers_for_matching() -> list[MatchingVolunteer]:
    """Every current volunteer with a profile, as the matcher needs them (person id order)."""
    rows = (await _profiles())[0]
    profile_ids = [int(row["id"]) for row in rows]
    expertise: dict[int, dict[str, int]] = {profile_id: {} for profile_id in profile_ids}
    windows: dict[int, list[tuple[date, date, bool]]] = {profile_id: [] for profile_id in profile_ids}
    if profile_ids:
        for row in await Expertise.select(Expertise.profile, Expertise.topic, Expertise.proficiency).where(
            Expertise.profile.is_in(profile_ids)
        ):
            expertise[int(row["profile"])][row["topic"]] = int(row["proficiency"])
        for row in (
            await AvailabilityWindow.select(
                AvailabilityWindow.profile,
                AvailabilityWindow.start,
                AvailabilityWindow.end,
                AvailabilityWindow.preferred,
            )
            .where(AvailabilityWindow.profile.is_in(profile_ids))
            .order_by(AvailabilityWindow.start)
        ):
            windows[int(row["profile"])].append((row["start"], row["end"], bool(row["preferred"])))
    result = [
        MatchingVolunteer(
            person_id=int(row["person"]),
            expertise=expertise[int(row["id"])],
            languages=list(row["languages"] or []),
            trips_per_year=int(row["trips_per_year"]),
            windows=windows[int(row["id"])],
            preferred_regions=list(row["preferred_regions"] or []),
            excluded_countries=list(row["excluded_countries"] or []),
            max_advisory_level=int(row["max_advisory_level"]),
        )
        for row in rows
    ]
    return sorted(result, key=lambda volunteer: volunteer.person_id)
