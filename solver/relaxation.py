"""The LP relaxation of a CP-SAT match model, solved with GLOP, to focus the search.

The match model's LP is nearly integral: most requests get one volunteer (or team) at value 1 and only a
few are split. The triples the LP uses (its support) therefore make a small model whose best plan is
close to the best plan overall, and which CP-SAT solves in a fraction of the time the whole model takes.

The relaxation is read from the model's proto, so it is exactly the model's: linear constraints,
at-most-one constraints and implications, each over 0-1 variables relaxed to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

INFINITY = float("inf")


def _finite(bound: int) -> float:
    """A domain end as an LP bound: CP-SAT writes "unbounded" as the extreme 64-bit integers."""
    return float(bound) if abs(bound) < 2**62 else float(np.sign(bound)) * INFINITY


@dataclass(frozen=True)
class LpSolution:
    objective: float
    """The LP optimum, in the model's objective units: no solution of the model scores more."""
    values: np.ndarray
    """The value of every model variable in an optimal LP solution."""


def solve_lp_relaxation(model: cp_model.CpModel, time_limit: float) -> LpSolution | None:
    """An optimal solution of the model's LP relaxation, or None if GLOP does not find one in time."""
    proto = model.proto
    lp = pywraplp.Solver.CreateSolver("GLOP")
    lp.SetTimeLimit(max(int(time_limit * 1000), 1))
    # The proto's repeated fields do not support negative indices: domain[len(domain) - 1] is its end.
    columns = [lp.NumVar(float(v.domain[0]), float(v.domain[len(v.domain) - 1]), "") for v in proto.variables]

    def add_row(lower: float, upper: float, terms: list[tuple[int, float]]) -> None:
        """lower ≤ Σ coefficient·literal ≤ upper, where literal ¬x reads 1 − x."""
        constant = 0.0
        row = lp.RowConstraint(-INFINITY, INFINITY, "")
        for reference, coefficient in terms:
            column = columns[reference if reference >= 0 else ~reference]
            sign = 1.0 if reference >= 0 else -1.0
            row.SetCoefficient(column, row.GetCoefficient(column) + sign * coefficient)
            constant += 0.0 if reference >= 0 else coefficient
        row.SetBounds(lower - constant, upper - constant)

    for constraint in proto.constraints:
        relaxed = [~e for e in constraint.enforcement_literal]
        # Enforced clauses (e1 ∧ … ∧ ek) → (l1 ∨ … ∨ lm) read Σ l + Σ ¬e ≥ 1; an implication a → b is one.
        if constraint.has_bool_or():
            add_row(1.0, INFINITY, [(literal, 1.0) for literal in [*constraint.bool_or.literals, *relaxed]])
        elif constraint.has_bool_and():
            for literal in constraint.bool_and.literals:
                add_row(1.0, INFINITY, [(reference, 1.0) for reference in [literal, *relaxed]])
        elif relaxed:
            raise ValueError(f"the relaxation does not know enforced constraints like {constraint}")
        elif constraint.has_linear():
            terms = list(zip(constraint.linear.vars, map(float, constraint.linear.coeffs), strict=True))
            domain = constraint.linear.domain
            add_row(_finite(domain[0]), _finite(domain[len(domain) - 1]), terms)
        elif constraint.has_at_most_one():
            add_row(-INFINITY, 1.0, [(literal, 1.0) for literal in constraint.at_most_one.literals])
        else:
            raise ValueError(f"the relaxation does not know constraints like {constraint}")
    objective = lp.Objective()
    for variable, coefficient in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
        objective.SetCoefficient(columns[variable], float(coefficient))
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return LpSolution(-objective.Value(), np.array([column.solution_value() for column in columns]))
