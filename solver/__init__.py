"""Giveback's matching engine: volunteers to requests, under the seven hard rules of matching.md.

A pure package: it reads and writes the `giveback-match/1` problem and `giveback-match-result/1` result
formats, solves with OR-Tools CP-SAT and checks any result independently of its model.
"""

from solver.engine import solve
from solver.problem import (
    Forbidden,
    Pin,
    Problem,
    ProblemError,
    Request,
    Rules,
    Volunteer,
    Weights,
    Window,
    load_problem,
    problem_to_json,
)
from solver.result import Progress, Result, Unmatched, Violation, Visit, load_result, result_to_json
from solver.score import score_member, score_visit
from solver.validate import validate

__all__ = [
    "Forbidden",
    "Pin",
    "Problem",
    "ProblemError",
    "Progress",
    "Request",
    "Result",
    "Rules",
    "Unmatched",
    "Violation",
    "Visit",
    "Volunteer",
    "Weights",
    "Window",
    "load_problem",
    "load_result",
    "problem_to_json",
    "result_to_json",
    "score_member",
    "score_visit",
    "solve",
    "validate",
]
