"""Which visits the CP-SAT model keeps: every visit that can be part of a plan better than the best one known.

A visit is a request, a start and its whole team (one volunteer, or team_size of them on the same dates).
The relaxation's prices (relaxation.py) give each visit a *loss*: any plan containing it scores at most
the bound minus that loss. So with a best plan of objective z, a visit whose loss exceeds bound − z is in
no better plan, and a model of the other visits still contains the optimum: its proved optimum is the
round's. When that model would be too large for the time left, the engine keeps only the visits of
smallest loss, up to a `slack`, and widens it again later (engine.solve).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from solver.relaxation import Pricing, Structure

TEAMS_PER_VISIT = 200
"""At most this many teams of one (request, start) are considered, the best first."""


@dataclass(frozen=True)
class Reduction:
    teams: list[tuple[int, ...]]
    """The kept visits, each as the sorted triples of its members."""
    slack: float
    """Every visit whose loss is at most this is kept (the engine's model is exact when slack ≥ bound − z)."""


def _teams_of_visit(
    members: list[int], values: list[float], size: int, budget: float, most: int
) -> list[tuple[float, tuple[int, ...]]]:
    """The teams of `size` members (given best first) whose total is at most `budget` below the best
    team's, each with that shortfall; at most `most` + 1 of them, found best members first."""
    found: list[tuple[float, tuple[int, ...]]] = []
    best = sum(values[:size])
    count = len(members)

    def extend(start: int, chosen: list[int], total: float) -> None:
        needed = size - len(chosen)
        if needed == 0:
            found.append((best - total, tuple(sorted(chosen))))
            return
        for position in range(start, count - needed + 1):
            if len(found) > most:
                return
            # The best completion takes the next members in order.
            if total + sum(values[position : position + needed]) < best - budget:
                return
            chosen.append(members[position])
            extend(position + 1, chosen, total + values[position])
            chosen.pop()

    extend(0, [], 0.0)
    return found


def keep_visits(
    structure: Structure,
    pricing: Pricing,
    slack: float,
    always: list[tuple[int, ...]],
    most: int,
    of_requests: npt.NDArray[np.bool_] | None = None,
) -> Reduction:
    """Every visit whose loss is at most `slack` (at most `most` of them, the smallest losses, with the
    slack lowered to match), and the `always` ones (the plan, the pins); only visits of `of_requests`
    when given (a mask over the requests)."""
    loss = pricing.loss
    if of_requests is not None:
        loss = np.where(of_requests[structure.candidates.request], loss, np.inf)
    single = np.flatnonzero(structure.single & (loss <= slack))
    losses = [loss[single]]
    teams: list[tuple[int, ...]] = [(int(i),) for i in single]
    team = structure.team_triples
    if len(team):
        candidates = team[loss[team] <= slack]
        order = candidates[np.lexsort((-pricing.member[candidates], structure.visit_of[candidates]))]
        team_losses: list[float] = []
        groups = np.split(order, np.flatnonzero(np.diff(structure.visit_of[order])) + 1)
        # Enough teams per visit for the model's size, not more (the best members' teams come first).
        per_visit = min(TEAMS_PER_VISIT, max(8, 4 * most // max(len(groups), 1)))
        for group in groups:
            if not len(group):
                continue
            visit = int(structure.visit_of[group[0]])
            size = int(structure.visit_team_size[visit])
            if len(group) < size:
                continue
            # A team's loss: max(visit value, 0) − (visit value − its shortfall from the best team).
            visit_value = float(pricing.visit_value[visit])
            below_zero = max(visit_value, 0.0) - visit_value
            values = [float(v) for v in pricing.member[group]]
            for shortfall, members in _teams_of_visit(
                [int(i) for i in group], values, size, slack - below_zero, per_visit
            ):
                team_losses.append(below_zero + shortfall)
                teams.append(members)
        losses.append(np.array(team_losses))
    every_loss = np.concatenate(losses)
    if len(teams) > most:
        order = np.argsort(every_loss, kind="stable")
        slack = float(every_loss[order[most]])
        chosen = order[every_loss[order] < slack]
        teams = [teams[c] for c in chosen]
        slack = float(np.nextafter(slack, -np.inf))
    kept = set(teams) | set(always)
    return Reduction(sorted(kept), slack)
