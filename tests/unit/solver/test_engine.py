"""The engine's behaviour around the model: progress, cancellation, warm starts, seeds, large rounds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from solver_builders import example

import solver.engine
from solver import Forbidden, Pin, Progress, load_problem, solve, validate
from solver.candidates import build_candidates
from solver.generate import generate
from solver.greedy import greedy_plan
from solver.neighbourhoods import TeamSearch
from solver.relaxation import Structure, solve_relaxation
from solver.validate import rule_violations


def test_progress_reports_objective_and_bound() -> None:
    problem = load_problem(example("program-60x40.json"))
    reports: list[Progress] = []
    result = solve(problem, time_limit=20, on_progress=reports.append)
    assert reports
    # Only the greedy first plan comes before the LP bound; every bound after it is proved.
    assert all(report.objective is not None for report in reports)
    assert all(report.bound is not None for report in reports[1:])
    assert all(result.objective <= report.bound for report in reports if report.bound is not None)
    assert reports[-1].objective == result.objective and reports[-1].bound == result.bound


def test_cancellation_returns_a_valid_plan() -> None:
    problem = load_problem(generate(300, 150, seed=4))
    result = solve(problem, time_limit=60, should_stop=lambda: True)
    assert result.status in {"feasible", "optimal"}
    assert validate(problem, result) == []
    assert result.stats["wall_seconds"] < 30


def test_reproducible_with_one_worker_and_a_seed() -> None:
    problem = load_problem(generate(80, 50, seed=3))
    first = solve(problem, time_limit=20, workers=1, seed=7)
    second = solve(problem, time_limit=20, workers=1, seed=7)
    assert first.visits == second.visits


def test_a_cut_model_keeps_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = load_problem(generate(60, 40, seed=8, regime="teams"))
    first = solve(problem, time_limit=20)
    visit = next(v for v in first.visits if len(v.volunteers) > 1)
    pinned = dataclasses.replace(problem, pinned=(Pin(visit.request, visit.start, visit.volunteers),))
    monkeypatch.setattr(solver.engine, "MODEL_VISITS", 5)
    result = solve(pinned, time_limit=20)
    assert validate(pinned, result) == []


def test_warm_start_after_a_pin_and_an_exclusion_changes_little() -> None:
    problem = load_problem(generate(120, 70, seed=5))
    first = solve(problem, time_limit=20)
    singles = [visit for visit in first.visits if len(visit.volunteers) == 1]
    kept, excluded = singles[0], singles[1]
    edited = dataclasses.replace(
        problem,
        pinned=(Pin(kept.request, kept.start, kept.volunteers),),
        forbidden=(Forbidden(excluded.volunteers[0], excluded.request),),
    )
    again = solve(edited, time_limit=20, warm_start=first)
    assert validate(edited, again) == []
    assert not any(v.request == excluded.request and excluded.volunteers[0] in v.volunteers for v in again.visits)
    before = {(v.request, v.start, v.volunteers) for v in first.visits}
    after = {(v.request, v.start, v.volunteers) for v in again.visits}
    assert len(before - after) <= max(3, len(before) // 10)


def test_rules_tour_reasons_name_the_rule_and_the_rival() -> None:
    result = solve(load_problem(example("rules-tour.json")), time_limit=10)
    reasons = {entry.request: " ".join(entry.reasons) for entry in result.unmatched}
    assert "ben avoids CM" in reasons["cm-drain"]
    assert "ana" in reasons["ar-onco"] and "br-hepato" in reasons["ar-onco"]


@pytest.mark.parametrize("regime", ["default", "teams"])
def test_a_cut_model_grows_until_it_proves_the_optimum(monkeypatch: pytest.MonkeyPatch, regime: str) -> None:
    problem = load_problem(generate(150, 90, seed=2, regime=regime))
    whole = solve(problem, time_limit=30)
    assert whole.status == "optimal"
    monkeypatch.setattr(solver.engine, "MODEL_VISITS", 40)
    grown = solve(problem, time_limit=30)
    assert validate(problem, grown) == []
    assert grown.status == "optimal" and grown.objective == whole.objective
    models = [value for key, value in grown.stats.items() if key.startswith("model_")]
    assert not models[0]["exact"] and models[-1]["exact"]


def test_without_time_for_the_lp_the_plan_is_still_valid_and_the_bound_true() -> None:
    problem = load_problem(generate(300, 150, seed=6, regime="multi-trip"))
    result = solve(problem, time_limit=0.3)
    assert validate(problem, result) == []
    assert result.status in {"feasible", "optimal"}
    assert result.bound is None or result.bound >= result.objective


@pytest.mark.parametrize(("regime", "seed"), [("teams", 4), ("multi-trip", 3)])
def test_team_moves_keep_every_rule_and_never_lose_score(regime: str, seed: int) -> None:
    """Neighbourhood moves from the greedy plan: each plan keeps every rule and scores at least as much."""
    problem = load_problem(generate(60, 60, seed=seed, regime=regime))
    candidates = build_candidates(problem)
    structure = Structure(problem, candidates)
    plan = greedy_plan(problem, candidates, np.arange(len(candidates)), [])
    relaxation = solve_relaxation(problem, candidates, plan, 10, structure=structure)
    assert relaxation is not None and relaxation.converged
    score = solver.engine._objective
    gap = relaxation.bound - score(problem, candidates, plan)
    moves = TeamSearch(problem, candidates, structure, relaxation.pricing, gap, 1)
    scores = [score(problem, candidates, plan)]
    for _ in range(6):
        plan = moves.move(plan, 2.0, 1)
        scores.append(score(problem, candidates, plan))
        visits = solver.engine._result(problem, candidates, plan, "feasible", None, {}).visits
        assert rule_violations(problem, list(visits)) == []
    assert scores == sorted(scores)
    assert moves.moves == 6
