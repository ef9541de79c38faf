"""The result of a match round (`giveback-match-result/1`), its progress reports and its JSON form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from solver.problem import ProblemError

RESULT_FORMAT = "giveback-match-result/1"

Status = Literal["optimal", "feasible", "infeasible", "unknown"]
STATUSES: tuple[Status, ...] = ("optimal", "feasible", "infeasible", "unknown")


@dataclass(frozen=True)
class Visit:
    """Volunteers travelling together to one request, on days start … end (inclusive)."""

    request: str
    start: dt.date
    end: dt.date
    volunteers: tuple[str, ...]
    score: int | None = None


@dataclass(frozen=True)
class Unmatched:
    """A request left without a visit, with reasons a coordinator can act on."""

    request: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Violation:
    """A broken hard rule (1 … 7), or `"score"` for an objective or visit score that does not add up.

    ``key`` names the message (``validate.MESSAGES``) and ``params`` its values (ids, ISO dates, numbers), so that
    the platform can say it in a person's language with names in place of ids; ``message`` is it in English."""

    rule: int | str
    message: str
    key: str = ""
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"rule {self.rule}: {self.message}" if isinstance(self.rule, int) else self.message


@dataclass(frozen=True)
class Result:
    status: Status
    objective: int
    bound: int | None
    visits: tuple[Visit, ...]
    unmatched: tuple[Unmatched, ...] = ()
    violations: tuple[Violation, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """A live report of the search: seconds so far, the best objective found and the best proved bound."""

    elapsed_seconds: float
    objective: int | None
    bound: int | None


def result_to_json(result: Result) -> dict[str, Any]:
    """The `giveback-match-result/1` form of a result."""
    data: dict[str, Any] = {
        "format": RESULT_FORMAT,
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "visits": [
            {
                "request": visit.request,
                "start": visit.start.isoformat(),
                "end": visit.end.isoformat(),
                "volunteers": list(visit.volunteers),
                "score": visit.score,
            }
            for visit in result.visits
        ],
        "unmatched": [{"request": entry.request, "reasons": list(entry.reasons)} for entry in result.unmatched],
    }
    if result.status == "infeasible" or result.violations:
        data["violations"] = [{"rule": violation.rule, "message": violation.message} for violation in result.violations]
    data["stats"] = dict(result.stats)
    return data


def _field(data: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ProblemError(f"{path}{key}", f"must be {getattr(kind, '__name__', kind)}")
    return value


def _date(value: object, path: str) -> dt.date:
    try:
        return dt.date.fromisoformat(cast(str, value))
    except (TypeError, ValueError):
        raise ProblemError(path, f"must be a YYYY-MM-DD date, got {value!r}") from None


def load_result(data: object) -> Result:
    """Read a decoded `giveback-match-result/1` file; visit scores and reasons may be omitted."""
    if not isinstance(data, dict):
        raise ProblemError("", "a result must be an object")
    known = {"format", "status", "objective", "bound", "visits", "unmatched", "violations", "stats"}
    for key in data:
        if key not in known:
            raise ProblemError(key, "unknown field")
    if data.get("format") != RESULT_FORMAT:
        raise ProblemError("format", f"must be {RESULT_FORMAT!r}")
    if data.get("status") not in STATUSES:
        raise ProblemError("status", f"must be one of {', '.join(STATUSES)}")
    objective = _field(data, "objective", "", int)
    bound = data.get("bound")
    if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
        raise ProblemError("bound", "must be an integer or null")
    visits = []
    for index, entry in enumerate(_field(data, "visits", "", list)):
        path = f"visits[{index}]."
        if not isinstance(entry, dict):
            raise ProblemError(path[:-1], "must be an object")
        members = _field(entry, "volunteers", path, list)
        if not all(isinstance(member, str) for member in members):
            raise ProblemError(f"{path}volunteers", "must be a list of volunteer ids")
        score = entry.get("score")
        if score is not None and (isinstance(score, bool) or not isinstance(score, int)):
            raise ProblemError(f"{path}score", "must be an integer")
        visits.append(
            Visit(
                request=_field(entry, "request", path, str),
                start=_date(entry.get("start"), f"{path}start"),
                end=_date(entry.get("end"), f"{path}end"),
                volunteers=tuple(members),
                score=score,
            )
        )
    unmatched = [
        Unmatched(_field(entry, "request", f"unmatched[{index}].", str), tuple(entry.get("reasons", [])))
        for index, entry in enumerate(data.get("unmatched", []))
    ]
    violations = [
        Violation(entry.get("rule", ""), str(entry.get("message", ""))) for entry in data.get("violations", [])
    ]
    return Result(
        status=data["status"],
        objective=objective,
        bound=bound,
        visits=tuple(visits),
        unmatched=tuple(unmatched),
        violations=tuple(violations),
        stats=dict(data.get("stats", {})),
    )
