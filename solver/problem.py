"""The match problem of matching.md: typed objects, a validating loader and its JSON form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

PROBLEM_FORMAT = "giveback-match/1"

DEFAULT_WEIGHTS: dict[str, int] = {
    "served": 1000,
    "expertise": 600,
    "primary_need": 100,
    "first_language": 150,
    "preferred_region": 50,
    "host_priority": 100,
    "host_preferred_dates": 60,
    "volunteer_preferred_dates": 40,
}
DEFAULT_START_WEEKDAYS = (0,)
DEFAULT_MIN_GAP_DAYS = 14


class ProblemError(ValueError):
    """A malformed problem or result file; `path` names the offending field, e.g. `requests[3].windows[0]`."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Window:
    """An inclusive range of days, optionally the preferred period of its owner."""

    start: dt.date
    end: dt.date
    preferred: bool = False

    def contains(self, first_day: dt.date, last_day: dt.date) -> bool:
        """Whether the days first_day … last_day all lie inside this window."""
        return self.start <= first_day and last_day <= self.end


@dataclass(frozen=True)
class Weights:
    """The points of each term of the score."""

    served: int = 1000
    expertise: int = 600
    primary_need: int = 100
    first_language: int = 150
    preferred_region: int = 50
    host_priority: int = 100
    host_preferred_dates: int = 60
    volunteer_preferred_dates: int = 40


@dataclass(frozen=True)
class Rules:
    """The round's scheduling rules: allowed start weekdays (0 = Monday) and the gap between trips."""

    start_weekdays: tuple[int, ...] = DEFAULT_START_WEEKDAYS
    min_gap_days: int = DEFAULT_MIN_GAP_DAYS


@dataclass(frozen=True)
class Volunteer:
    id: str
    expertise: dict[str, int]
    languages: tuple[str, ...]
    max_trips: int = 1
    availability: tuple[Window, ...] = ()
    preferred_regions: tuple[str, ...] = ()
    excluded_countries: tuple[str, ...] = ()
    max_advisory_level: int = 4


@dataclass(frozen=True)
class Request:
    id: str
    host: str
    country: str
    region: str
    needs: dict[str, int]
    primary_need: str
    languages: tuple[str, ...]
    duration_days: int
    team_size: int = 1
    windows: tuple[Window, ...] = ()
    priority: bool = False
    advisory_level: int = 1

    def last_day(self, start: dt.date) -> dt.date:
        """The last day of a visit starting on `start` (rule 1: s … s + duration_days - 1)."""
        return start + dt.timedelta(days=self.duration_days - 1)


@dataclass(frozen=True)
class Pin:
    """A visit the coordinator has fixed (rule 7)."""

    request: str
    start: dt.date
    volunteers: tuple[str, ...]


@dataclass(frozen=True)
class Forbidden:
    """A pair never to be matched (rule 4)."""

    volunteer: str
    request: str


@dataclass(frozen=True)
class Problem:
    horizon: Window
    volunteers: tuple[Volunteer, ...]
    requests: tuple[Request, ...]
    rules: Rules = field(default_factory=Rules)
    weights: Weights = field(default_factory=Weights)
    pinned: tuple[Pin, ...] = ()
    forbidden: tuple[Forbidden, ...] = ()


# --- loading -----------------------------------------------------------------------------------------

T = TypeVar("T")


def _object(value: object, path: str, required: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProblemError(path, "must be an object")
    for key in value:
        if key not in required and key not in optional:
            raise ProblemError(f"{path}.{key}" if path else key, "unknown field")
    for key in sorted(required):
        if key not in value:
            raise ProblemError(f"{path}.{key}" if path else key, "required field is missing")
    return value


def _string(value: object, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProblemError(path, "must be a non-empty string")
    return value


def _integer(value: object, path: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(path, "must be an integer")
    if value < low or (high is not None and value > high):
        allowed = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ProblemError(path, f"must be {allowed}, got {value}")
    return value


def _boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise ProblemError(path, "must be true or false")
    return value


def _date(value: object, path: str) -> dt.date:
    if not isinstance(value, str):
        raise ProblemError(path, "must be a YYYY-MM-DD date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ProblemError(path, f"must be a YYYY-MM-DD date, got {value!r}") from None


def _list(value: object, path: str, item: Callable[[object, str], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise ProblemError(path, "must be a list")
    return tuple(item(element, f"{path}[{index}]") for index, element in enumerate(value))


def _strings(value: object, path: str) -> tuple[str, ...]:
    items = _list(value, path, _string)
    if len(set(items)) != len(items):
        raise ProblemError(path, "lists a value twice")
    return items


def _levels(value: object, path: str, what: str) -> dict[str, int]:
    """A topic → level map, levels 1 … 3 (proficiency or need weight)."""
    if not isinstance(value, dict):
        raise ProblemError(path, f"must be an object of topic → {what} 1 … 3")
    return {_string(topic, path): _integer(level, f"{path}.{topic}", 1, 3) for topic, level in value.items()}


def _window(value: object, path: str) -> Window:
    data = _object(value, path, {"start", "end"}, {"preferred"})
    start = _date(data["start"], f"{path}.start")
    end = _date(data["end"], f"{path}.end")
    if end < start:
        raise ProblemError(f"{path}.end", f"ends before it starts ({end} < {start})")
    return Window(start, end, _boolean(data.get("preferred", False), f"{path}.preferred"))


def _weights(value: object, path: str) -> Weights:
    data = _object(value, path, set(), set(DEFAULT_WEIGHTS))
    merged = DEFAULT_WEIGHTS | {key: _integer(points, f"{path}.{key}", 0) for key, points in data.items()}
    return Weights(**merged)


def _rules(value: object, path: str) -> Rules:
    data = _object(value, path, set(), {"start_weekdays", "min_gap_days"})
    weekdays = _list(
        data.get("start_weekdays", list(DEFAULT_START_WEEKDAYS)),
        f"{path}.start_weekdays",
        lambda day, day_path: _integer(day, day_path, 0, 6),
    )
    if not weekdays:
        raise ProblemError(f"{path}.start_weekdays", "must name at least one weekday")
    gap = _integer(data.get("min_gap_days", DEFAULT_MIN_GAP_DAYS), f"{path}.min_gap_days", 0)
    return Rules(tuple(sorted(set(weekdays))), gap)


def _volunteer(value: object, path: str) -> Volunteer:
    data = _object(
        value,
        path,
        {"id", "expertise", "languages"},
        {"max_trips", "availability", "preferred_regions", "excluded_countries", "max_advisory_level"},
    )
    return Volunteer(
        id=_string(data["id"], f"{path}.id"),
        expertise=_levels(data["expertise"], f"{path}.expertise", "proficiency"),
        languages=_strings(data["languages"], f"{path}.languages"),
        max_trips=_integer(data.get("max_trips", 1), f"{path}.max_trips", 0),
        availability=_list(data.get("availability", []), f"{path}.availability", _window),
        preferred_regions=_strings(data.get("preferred_regions", []), f"{path}.preferred_regions"),
        excluded_countries=_strings(data.get("excluded_countries", []), f"{path}.excluded_countries"),
        max_advisory_level=_integer(data.get("max_advisory_level", 4), f"{path}.max_advisory_level", 1, 4),
    )


def default_primary_need(needs: Mapping[str, int]) -> str:
    """The topic with the highest need weight, the first listed among equals."""
    return max(needs, key=lambda topic: needs[topic])


def _request(value: object, path: str) -> Request:
    data = _object(
        value,
        path,
        {"id", "host", "country", "region", "needs", "languages", "duration_days"},
        {"primary_need", "team_size", "windows", "priority", "advisory_level"},
    )
    needs = _levels(data["needs"], f"{path}.needs", "need weight")
    if not needs:
        raise ProblemError(f"{path}.needs", "must name at least one topic")
    primary_need = _string(data.get("primary_need", default_primary_need(needs)), f"{path}.primary_need")
    if primary_need not in needs:
        raise ProblemError(f"{path}.primary_need", f"{primary_need!r} is not one of the request's needs")
    return Request(
        id=_string(data["id"], f"{path}.id"),
        host=_string(data["host"], f"{path}.host"),
        country=_string(data["country"], f"{path}.country"),
        region=_string(data["region"], f"{path}.region"),
        needs=needs,
        primary_need=primary_need,
        languages=_strings(data["languages"], f"{path}.languages"),
        duration_days=_integer(data["duration_days"], f"{path}.duration_days", 1),
        team_size=_integer(data.get("team_size", 1), f"{path}.team_size", 1),
        windows=_list(data.get("windows", []), f"{path}.windows", _window),
        priority=_boolean(data.get("priority", False), f"{path}.priority"),
        advisory_level=_integer(data.get("advisory_level", 1), f"{path}.advisory_level", 1, 4),
    )


def _unique_ids(items: tuple[Volunteer | Request, ...], path: str) -> set[str]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            raise ProblemError(f"{path}[{index}].id", f"duplicate id {item.id!r}")
        seen.add(item.id)
    return seen


def _known(value: object, path: str, ids: set[str], kind: str) -> str:
    name = _string(value, path)
    if name not in ids:
        raise ProblemError(path, f"unknown {kind} id {name!r}")
    return name


def load_problem(data: object) -> Problem:
    """Check a decoded `giveback-match/1` file field by field and build the typed problem.

    Raises ProblemError naming the first offending field.
    """
    if isinstance(data, dict) and data.get("format") != PROBLEM_FORMAT:
        raise ProblemError("format", f"must be {PROBLEM_FORMAT!r}, got {data.get('format')!r}")
    root = _object(
        data,
        "",
        {"format", "horizon", "volunteers", "requests"},
        {"rules", "weights", "pinned", "forbidden"},
    )
    horizon = _window(root["horizon"], "horizon")
    volunteers = _list(root["volunteers"], "volunteers", _volunteer)
    requests = _list(root["requests"], "requests", _request)
    volunteer_ids = _unique_ids(volunteers, "volunteers")
    request_ids = _unique_ids(requests, "requests")

    def pin(value: object, path: str) -> Pin:
        entry = _object(value, path, {"request", "start", "volunteers"}, set())
        members = _list(
            entry["volunteers"],
            f"{path}.volunteers",
            lambda name, name_path: _known(name, name_path, volunteer_ids, "volunteer"),
        )
        return Pin(
            _known(entry["request"], f"{path}.request", request_ids, "request"),
            _date(entry["start"], f"{path}.start"),
            members,
        )

    def forbidden(value: object, path: str) -> Forbidden:
        entry = _object(value, path, {"volunteer", "request"}, set())
        return Forbidden(
            _known(entry["volunteer"], f"{path}.volunteer", volunteer_ids, "volunteer"),
            _known(entry["request"], f"{path}.request", request_ids, "request"),
        )

    return Problem(
        horizon=horizon,
        volunteers=volunteers,
        requests=requests,
        rules=_rules(root.get("rules", {}), "rules"),
        weights=_weights(root.get("weights", {}), "weights"),
        pinned=_list(root.get("pinned", []), "pinned", pin),
        forbidden=_list(root.get("forbidden", []), "forbidden", forbidden),
    )


# --- writing -----------------------------------------------------------------------------------------


def _window_to_json(window: Window) -> dict[str, Any]:
    return {"start": window.start.isoformat(), "end": window.end.isoformat(), "preferred": window.preferred}


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The `giveback-match/1` form of a problem, every optional field written out."""
    weights = problem.weights
    return {
        "format": PROBLEM_FORMAT,
        "horizon": {"start": problem.horizon.start.isoformat(), "end": problem.horizon.end.isoformat()},
        "rules": {
            "start_weekdays": list(problem.rules.start_weekdays),
            "min_gap_days": problem.rules.min_gap_days,
        },
        "weights": {name: getattr(weights, name) for name in DEFAULT_WEIGHTS},
        "volunteers": [
            {
                "id": volunteer.id,
                "expertise": dict(volunteer.expertise),
                "languages": list(volunteer.languages),
                "max_trips": volunteer.max_trips,
                "availability": [_window_to_json(window) for window in volunteer.availability],
                "preferred_regions": list(volunteer.preferred_regions),
                "excluded_countries": list(volunteer.excluded_countries),
                "max_advisory_level": volunteer.max_advisory_level,
            }
            for volunteer in problem.volunteers
        ],
        "requests": [
            {
                "id": request.id,
                "host": request.host,
                "country": request.country,
                "region": request.region,
                "needs": dict(request.needs),
                "primary_need": request.primary_need,
                "languages": list(request.languages),
                "duration_days": request.duration_days,
                "team_size": request.team_size,
                "windows": [_window_to_json(window) for window in request.windows],
                "priority": request.priority,
                "advisory_level": request.advisory_level,
            }
            for request in problem.requests
        ],
        "pinned": [
            {"request": pin.request, "start": pin.start.isoformat(), "volunteers": list(pin.volunteers)}
            for pin in problem.pinned
        ],
        "forbidden": [{"volunteer": pair.volunteer, "request": pair.request} for pair in problem.forbidden],
    }
