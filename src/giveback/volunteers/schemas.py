"""What the volunteer endpoints read and return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from giveback.text import Name

CareerStage = Literal["trainee", "early-career", "mid-career", "senior", "emeritus"]
CAREER_STAGES: tuple[CareerStage, ...] = ("trainee", "early-career", "mid-career", "senior", "emeritus")
TopicSlug = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Proficiency = Annotated[int, msgspec.Meta(ge=1, le=3, description="1 can discuss, 2 can teach, 3 expert, hands-on")]
AdvisoryLevel = Annotated[int, msgspec.Meta(ge=1, le=4, description="1 normal precautions … 4 do not travel")]
TripsPerYear = Annotated[int, msgspec.Meta(ge=1, le=6)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=20)]

PROFICIENCY_LABELS = {1: "can discuss", 2: "can teach", 3: "expert, hands-on"}
ADVISORY_LABELS = {
    1: "normal precautions",
    2: "increased caution",
    3: "reconsider travel",
    4: "do not travel",
}


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A whole volunteer profile (PUT replaces it; omitted fields take their defaults, ``name`` stays)."""

    name: Annotated[Name, msgspec.Meta(min_length=1, max_length=200)] | None = None
    institution: Annotated[Name, msgspec.Meta(max_length=300)] = ""
    country: Annotated[str, msgspec.Meta(max_length=2, description="ISO 3166-1 alpha-2, e.g. BR")] | None = None
    career_stage: CareerStage = "mid-career"
    expertise: Annotated[dict[TopicSlug, Proficiency], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=dict
    )
    languages: Annotated[list[Code], msgspec.Meta(max_length=30, description="ISO 639-1 codes, e.g. pt")] = (
        msgspec.field(default_factory=list)
    )
    max_advisory_level: AdvisoryLevel = 2
    excluded_countries: Annotated[list[Code], msgspec.Meta(max_length=250)] = msgspec.field(default_factory=list)
    preferred_regions: Annotated[list[Code], msgspec.Meta(max_length=6)] = msgspec.field(default_factory=list)
    trips_per_year: TripsPerYear = 1
    bio: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    directory_opt_in: bool = False


class ExpertiseOut(msgspec.Struct, kw_only=True):
    topic: str
    topic_name: str
    proficiency: int
    proficiency_label: str
    retired: bool = False


class LanguageOut(msgspec.Struct, kw_only=True):
    code: str
    name: str


class CvOut(msgspec.Struct, kw_only=True):
    """What is known about a stored CV (never its bytes)."""

    filename: str
    size_bytes: int
    uploaded_at: datetime


class ProfileOut(msgspec.Struct, kw_only=True):
    """A volunteer profile as its owner and the coordinators see it."""

    person_id: int
    name: str
    email: str
    institution: str
    country: str | None
    country_name: str | None
    region: str | None
    career_stage: str
    expertise: list[ExpertiseOut]
    languages: list[str]
    max_advisory_level: int
    excluded_countries: list[str]
    preferred_regions: list[str]
    trips_per_year: int
    bio: str
    directory_opt_in: bool
    cv: CvOut | None
    updated_at: datetime


class DirectoryEntry(msgspec.Struct, kw_only=True):
    """A volunteer as the public directory shows them: no contact, CV, travel limits or dates."""

    person_id: int
    name: str
    institution: str
    country: str | None
    country_name: str | None
    region: str | None
    career_stage: str
    expertise: list[ExpertiseOut]
    languages: list[LanguageOut]
    bio: str


class WindowIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Days the volunteer can travel, both ends included."""

    start: date
    end: date
    preferred: bool = False


class WindowOut(msgspec.Struct, kw_only=True):
    id: int
    start: date
    end: date
    preferred: bool
    source: str


class MatchingVolunteer(msgspec.Struct, kw_only=True):
    """What the matcher needs of one volunteer (``windows`` as (start, end, preferred))."""

    person_id: int
    expertise: dict[str, int]
    languages: list[str]
    trips_per_year: int
    windows: list[tuple[date, date, bool]]
    preferred_regions: list[str]
    excluded_countries: list[str]
    max_advisory_level: int


class CvFile(msgspec.Struct, kw_only=True):
    filename: str
    content: bytes
