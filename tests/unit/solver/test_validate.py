"""The validator catches every broken rule and every score that does not add up."""

from __future__ import annotations

import dataclasses
import datetime as dt

from solver_builders import example

from solver import Result, Visit, load_problem, load_result, score_member, score_visit, validate

TOUR = load_problem(example("rules-tour.json"))
OPTIMAL = load_result(example("rules-tour.optimal-result.json"))


def with_visit(index: int, **changes: object) -> Result:
    visits = list(OPTIMAL.visits)
    visits[index] = dataclasses.replace(visits[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(OPTIMAL, visits=tuple(visits))


def rules_broken(result: Result) -> set[int | str]:
    return {violation.rule for violation in validate(TOUR, result)}


def test_the_optimal_plan_is_valid() -> None:
    assert validate(TOUR, OPTIMAL) == []


def test_each_rule() -> None:
    # mx-onco: ana, 7 days from 2027-02-01; a Tuesday start breaks rule 1.
    tuesday = dt.date(2027, 2, 2)
    assert 1 in rules_broken(with_visit(0, start=tuesday, end=tuesday + dt.timedelta(days=6)))
    assert 1 in rules_broken(with_visit(0, end=dt.date(2027, 2, 8)))
    assert 2 in rules_broken(with_visit(0, volunteers=("eli",)))
    spanish_only = [dataclasses.replace(r, languages=("es",)) if r.id == "mx-onco" else r for r in TOUR.requests]
    strict = dataclasses.replace(TOUR, requests=tuple(spanish_only))
    assert 3 in {v.rule for v in validate(strict, with_visit(0, volunteers=("dora",)))}
    assert 4 in rules_broken(with_visit(3, volunteers=("ben",)))  # ben and ke-access are forbidden
    assert 5 in rules_broken(with_visit(1, volunteers=("dora",)))  # br-hepato needs a team of two
    duplicate = dataclasses.replace(OPTIMAL, visits=(*OPTIMAL.visits, OPTIMAL.visits[0]))
    assert 5 in rules_broken(duplicate)
    # ana is on mx-onco until Feb 7; br-hepato from Feb 15 leaves her 7 free days, not 14.
    earlier = dt.date(2027, 2, 15)
    assert 6 in rules_broken(with_visit(1, start=earlier, end=earlier + dt.timedelta(days=9)))
    assert 7 in rules_broken(with_visit(2, volunteers=("ana",)))


def test_scores_must_add_up() -> None:
    assert "score" in rules_broken(dataclasses.replace(OPTIMAL, objective=OPTIMAL.objective + 1))
    assert "score" in rules_broken(with_visit(0, score=1))
    assert "score" in rules_broken(dataclasses.replace(OPTIMAL, bound=OPTIMAL.objective - 1))


def test_infeasible_needs_broken_pins() -> None:
    claim = Result(status="infeasible", objective=0, bound=None, visits=())
    assert rules_broken(claim) == {"result"}


def test_score_breakdown_by_term() -> None:
    ana = next(v for v in TOUR.volunteers if v.id == "ana")
    mx_onco = next(r for r in TOUR.requests if r.id == "mx-onco")
    terms = score_member(TOUR, ana, mx_onco, dt.date(2027, 2, 1))
    # expertise: 600 · (3·3 + 1·2) // (3 · 4) = 550
    assert terms == {
        "expertise": 550,
        "primary_need": 100,
        "first_language": 150,
        "preferred_region": 50,
        "host_priority": 100,
        "host_preferred_dates": 60,
        "volunteer_preferred_dates": 40,
    }
    visit = score_visit(TOUR, mx_onco, dt.date(2027, 2, 1), [ana])
    assert visit["served"] == 1000 and sum(visit.values()) == 2050


def test_unknown_ids_are_reported() -> None:
    ghost = Visit("nowhere", dt.date(2027, 2, 1), dt.date(2027, 2, 7), ("ana",))
    assert rules_broken(dataclasses.replace(OPTIMAL, visits=(ghost,))) == {"result"}
