"""`python -m solver PROBLEM.json --time-limit SECONDS …`: the solve command without the platform."""

from solver.cli import solve

solve(prog_name="python -m solver")
