"""`giveback solve`: the command line of matching.md.

    giveback solve PROBLEM.json --time-limit SECONDS [--workers N] [--seed N] [--output RESULT.json]
    giveback solve --check RESULT.json PROBLEM.json

Exit status: 0 when a well-formed result was written (also `infeasible` and `unknown`) or a checked result
is valid; 1 when a checked result breaks a rule; 2 for a malformed problem or result file.

The time limit is the whole command's: starting Python, reading the problem and writing the result are
taken from it, so the process ends within about the limit.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from solver.engine import solve as solve_problem
from solver.problem import Problem, ProblemError, load_problem
from solver.result import load_result, result_to_json
from solver.validate import validate

IMPORTED = time.monotonic()
WRITING_SECONDS = 0.15
"""Kept back from the solver's time for writing the result and leaving the process."""


def seconds_since_start() -> float:
    """How long this process has run: from /proc on Linux, else since this module was imported."""
    try:
        after_name = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started_ticks = int(after_name[19])  # field 22, starttime, in clock ticks since boot
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(uptime - started_ticks / os.sysconf("SC_CLK_TCK"), time.monotonic() - IMPORTED)
    except (OSError, ValueError, IndexError):
        return time.monotonic() - IMPORTED


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
    left = time_limit - seconds_since_start() - WRITING_SECONDS
    result = solve_problem(problem, time_limit=max(left, 0.05), workers=workers, seed=seed)
    text = json.dumps(result_to_json(result), indent=1) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
