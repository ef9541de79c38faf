"""`giveback solve`: the command line of matching.md.

    giveback solve PROBLEM.json --time-limit SECONDS [--workers N] [--seed N] [--output RESULT.json]
    giveback solve --check RESULT.json PROBLEM.json

Exit status: 0 when a well-formed result was written (also `infeasible` and `unknown`) or a checked result
is valid; 1 when a checked result breaks a rule; 2 for a malformed problem or result file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from solver.engine import solve as solve_problem
from solver.problem import Problem, ProblemError, load_problem
from solver.result import load_result, result_to_json
from solver.validate import validate


class MalformedFile(click.ClickException):
    """A problem or result file that does not follow matching.md (exit status 2)."""

    exit_code = 2


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise MalformedFile(f"{path}: cannot be read: {error}") from error
    except json.JSONDecodeError as error:
        raise MalformedFile(f"{path}: not JSON: {error}") from error
    except RecursionError:
        raise MalformedFile(f"{path}: the JSON is nested too deeply") from None


def _read_problem(path: Path) -> Problem:
    try:
        return load_problem(_read_json(path))
    except ProblemError as error:
        raise MalformedFile(f"{path}: {error}") from error


@click.command(name="solve")
@click.argument("problem_file", metavar="PROBLEM.json", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), help="Seconds to search.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True, help="Search threads.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (reproducible with 1 worker).")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Where to write the result (default: standard output).",
)
@click.option(
    "--check",
    "result_file",
    metavar="RESULT.json",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Instead of solving, check this result against the problem's rules and score.",
)
def solve(
    problem_file: Path,
    time_limit: float | None,
    workers: int,
    seed: int,
    output: Path | None,
    result_file: Path | None,
) -> None:
    """Match volunteers to requests under the hard rules of matching.md, maximising its score."""
    problem = _read_problem(problem_file)
    if result_file is not None:
        try:
            result = load_result(_read_json(result_file))
        except ProblemError as error:
            raise MalformedFile(f"{result_file}: {error}") from error
        violations = validate(problem, result)
        for violation in violations:
            click.echo(str(violation))
        if violations:
            sys.exit(1)
        click.echo(f"valid: {result.status}, objective {result.objective}, {len(result.visits)} visits")
        return
    if time_limit is None:
        raise click.UsageError("--time-limit is required (or --check RESULT.json)")
    result = solve_problem(problem, time_limit=time_limit, workers=workers, seed=seed)
    text = json.dumps(result_to_json(result), indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
