"""Pre-filtering: every (volunteer, request, start) triple that rules 1-4 allow, with its member score.

Rules 1-4 concern one volunteer on one visit, so they are decided here, once, with array arithmetic;
the model only ever sees triples that keep them. Dates are day numbers counted from the horizon start.

One reduction keeps the model small without losing any plan: a volunteer with a single trip on a
request of team size 1 is free of every date-dependent rule (no gap to keep, no team to meet), so of
its possible starts only the best-scoring one is kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solver.problem import Problem, Request, Window

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RequestStarts:
    """The days a visit of one request may start (rule 1, request side) and whether each is preferred."""

    days: IntArray
    host_preferred: BoolArray


@dataclass(frozen=True)
class Candidates:
    """Parallel arrays, one entry per allowed triple, sorted by request then start then volunteer."""

    volunteer: IntArray
    request: IntArray
    start: IntArray
    member_score: IntArray
    starts: tuple[RequestStarts, ...]
    compatible_pairs: int

    def __len__(self) -> int:
        return len(self.volunteer)


def day_number(problem: Problem, day: dt.date) -> int:
    return (day - problem.horizon.start).days


def calendar_day(problem: Problem, number: int) -> dt.date:
    return problem.horizon.start + dt.timedelta(days=int(number))


def request_starts(problem: Problem, request: Request) -> RequestStarts:
    """Rule 1 for the request: starts on an allowed weekday, visit inside the horizon and one window."""
    horizon_days = day_number(problem, problem.horizon.end) + 1
    last_start = horizon_days - request.duration_days
    inside_window = np.zeros(max(last_start + 1, 0), dtype=np.bool_)
    inside_preferred = np.zeros_like(inside_window)
    for window in request.windows:
        first = max(day_number(problem, window.start), 0)
        last = min(day_number(problem, window.end) - request.duration_days + 1, last_start)
        if first <= last:
            inside_window[first : last + 1] = True
            if window.preferred:
                inside_preferred[first : last + 1] = True
    weekday_of_first = problem.horizon.start.weekday()
    days = np.flatnonzero(inside_window)
    allowed = np.isin((days + weekday_of_first) % 7, problem.rules.start_weekdays)
    days = days[allowed].astype(np.int64)
    return RequestStarts(days, inside_preferred[days])


def _window_ends(problem: Problem, windows: tuple[Window, ...], horizon_days: int, preferred: bool) -> IntArray:
    """For each day, the last day of the longest-reaching window containing it (-1 if none).

    A visit s … e lies inside one window exactly when this value at s is ≥ e.
    """
    ends = np.full(horizon_days, -1, dtype=np.int64)
    for window in windows:
        if preferred and not window.preferred:
            continue
        first = max(day_number(problem, window.start), 0)
        last = min(day_number(problem, window.end), horizon_days - 1)
        if first <= last:
            ends[first : last + 1] = np.maximum(ends[first : last + 1], last)
    return ends


def _membership(items: list[tuple[str, ...]], vocabulary: dict[str, int]) -> npt.NDArray[np.int32]:
    matrix = np.zeros((len(items), len(vocabulary)), dtype=np.int32)
    for row, names in enumerate(items):
        for name in names:
            matrix[row, vocabulary[name]] = 1
    return matrix


@dataclass(frozen=True)
class _Profiles:
    """The volunteers' and requests' fields as numeric tables (rows: volunteers; columns: requests)."""

    proficiency: npt.NDArray[np.int64]  # volunteer x topic
    need: npt.NDArray[np.int64]  # topic x request
    speaks: npt.NDArray[np.int32]  # volunteer x language
    understood: npt.NDArray[np.int32]  # request x language
    topics: dict[str, int]
    languages: dict[str, int]


def _index(names: set[str]) -> dict[str, int]:
    return {name: i for i, name in enumerate(sorted(names))}


def _profiles(problem: Problem) -> _Profiles:
    volunteers, requests = problem.volunteers, problem.requests
    topics = _index({t for v in volunteers for t in v.expertise} | {t for r in requests for t in r.needs})
    languages = _index({n for v in volunteers for n in v.languages} | {n for r in requests for n in r.languages})
    proficiency = np.zeros((len(volunteers), len(topics)), dtype=np.int64)
    for row, volunteer in enumerate(volunteers):
        for topic, level in volunteer.expertise.items():
            proficiency[row, topics[topic]] = level
    need = np.zeros((len(topics), len(requests)), dtype=np.int64)
    for column, request in enumerate(requests):
        for topic, weight in request.needs.items():
            need[topics[topic], column] = weight
    return _Profiles(
        proficiency=proficiency,
        need=need,
        speaks=_membership([v.languages for v in volunteers], languages),
        understood=_membership([r.languages for r in requests], languages),
        topics=topics,
        languages=languages,
    )


def rule_2_has_needed_topic(profiles: _Profiles) -> BoolArray:
    """Volunteer x request: proficiency ≥ 1 in at least one topic the request needs."""
    return (((profiles.proficiency > 0).astype(np.int32) @ (profiles.need > 0).astype(np.int32)) > 0).astype(np.bool_)


def rule_3_shares_language(profiles: _Profiles) -> BoolArray:
    """Volunteer x request: the volunteer speaks at least one of the request's languages."""
    return ((profiles.speaks @ profiles.understood.T) > 0).astype(np.bool_)


def rule_4_may_travel(problem: Problem) -> BoolArray:
    """Volunteer x request: country not excluded, advisory level accepted, pair not forbidden (and the
    volunteer makes trips at all)."""
    volunteers, requests = problem.volunteers, problem.requests
    countries = _index({r.country for r in requests} | {c for v in volunteers for c in v.excluded_countries})
    excluded = _membership([v.excluded_countries for v in volunteers], countries).astype(np.bool_)
    request_country = np.array([countries[r.country] for r in requests], dtype=np.int64)
    avoids_country = excluded[:, request_country]
    max_advisory = np.array([v.max_advisory_level for v in volunteers], dtype=np.int64)
    advisory = np.array([r.advisory_level for r in requests], dtype=np.int64)
    may_travel = ~avoids_country & (advisory[None, :] <= max_advisory[:, None])
    volunteer_index = {v.id: i for i, v in enumerate(volunteers)}
    request_index = {r.id: i for i, r in enumerate(requests)}
    for pair in problem.forbidden:
        may_travel[volunteer_index[pair.volunteer], request_index[pair.request]] = False
    makes_trips = np.array([v.max_trips > 0 for v in volunteers], dtype=np.bool_)
    return may_travel & makes_trips[:, None]


def date_free_score(problem: Problem, profiles: _Profiles) -> IntArray:
    """Volunteer x request: the member score's terms that do not depend on the dates."""
    weights, volunteers, requests = problem.weights, problem.volunteers, problem.requests
    matched = profiles.proficiency @ profiles.need
    score: IntArray = weights.expertise * matched // (3 * np.maximum(profiles.need.sum(axis=0), 1))[None, :]
    primary = np.array([profiles.topics[r.primary_need] for r in requests], dtype=np.int64)
    score += weights.primary_need * (profiles.proficiency[:, primary] >= 1)
    first_language = np.array([profiles.languages[r.languages[0]] if r.languages else -1 for r in requests])
    speaks_first = np.zeros(score.shape, dtype=np.bool_)
    has_first = first_language >= 0
    speaks_first[:, has_first] = profiles.speaks[:, first_language[has_first]] > 0
    score += weights.first_language * speaks_first
    regions = _index({r.region for r in requests})
    likes = _membership([tuple(x for x in v.preferred_regions if x in regions) for v in volunteers], regions)
    request_region = np.array([regions[r.region] for r in requests], dtype=np.int64)
    score += weights.preferred_region * (likes[:, request_region] > 0)
    score += weights.host_priority * np.array([r.priority for r in requests], dtype=np.int64)[None, :]
    return score


def build_candidates(problem: Problem, *, keep_dominated: bool = False) -> Candidates:
    """Every triple allowed by rules 1-4, with the member score of matching.md.

    Unless `keep_dominated`, a single-trip volunteer on a one-person request keeps only its best start.
    """
    volunteers, requests, weights = problem.volunteers, problem.requests, problem.weights
    horizon_days = day_number(problem, problem.horizon.end) + 1
    profiles = _profiles(problem)
    allowed = rule_2_has_needed_topic(profiles) & rule_3_shares_language(profiles) & rule_4_may_travel(problem)
    base_score = date_free_score(problem, profiles)
    max_trips = np.array([v.max_trips for v in volunteers], dtype=np.int64)
    volunteer_index = {v.id: i for i, v in enumerate(volunteers)}
    request_index = {r.id: i for i, r in enumerate(requests)}

    available_until = (
        np.stack([_window_ends(problem, v.availability, horizon_days, False) for v in volunteers])
        if volunteers
        else np.zeros((0, horizon_days), np.int64)
    )
    preferred_until = (
        np.stack([_window_ends(problem, v.availability, horizon_days, True) for v in volunteers])
        if volunteers
        else np.zeros((0, horizon_days), np.int64)
    )

    pinned_triples = {
        (volunteer_index[member], request_index[pin.request], day_number(problem, pin.start))
        for pin in problem.pinned
        for member in pin.volunteers
    }
    parts_v: list[IntArray] = []
    parts_r: list[IntArray] = []
    parts_s: list[IntArray] = []
    parts_score: list[IntArray] = []
    all_starts = []
    for column, request in enumerate(requests):
        starts = request_starts(problem, request)
        all_starts.append(starts)
        members = np.flatnonzero(allowed[:, column])
        if not len(members) or not len(starts.days):
            continue
        last_days = starts.days + request.duration_days - 1
        # Rule 1, volunteer side: available for the whole visit, inside one window.
        available = available_until[np.ix_(members, starts.days)] >= last_days[None, :]
        volunteer_preferred = preferred_until[np.ix_(members, starts.days)] >= last_days[None, :]
        score = (
            base_score[members, column][:, None]
            + weights.host_preferred_dates * starts.host_preferred[None, :]
            + weights.volunteer_preferred_dates * volunteer_preferred
        )
        if request.team_size == 1 and not keep_dominated:
            single_trip = max_trips[members] == 1
            best = np.argmax(np.where(available, score, -1), axis=1)
            keep_only_best = np.zeros_like(available)
            keep_only_best[np.arange(len(members)), best] = True
            available &= ~single_trip[:, None] | keep_only_best
            for member, request_column, day in pinned_triples:
                if request_column == column:
                    member_row = np.searchsorted(members, member)
                    available[member_row, np.searchsorted(starts.days, day)] = True
        rows, cols = np.nonzero(available.T)
        parts_v.append(members[cols].astype(np.int64))
        parts_r.append(np.full(len(rows), column, dtype=np.int64))
        parts_s.append(starts.days[rows])
        parts_score.append(score.T[rows, cols].astype(np.int64))

    def joined(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    return Candidates(
        volunteer=joined(parts_v),
        request=joined(parts_r),
        start=joined(parts_s),
        member_score=joined(parts_score),
        starts=tuple(all_starts),
        compatible_pairs=int(allowed.sum()),
    )
