"""`giveback solve` and `python -m solver`: results written, checks and exit statuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from solver_builders import EXAMPLES, problem, request, volunteer

from solver.cli import solve


def test_solve_writes_a_valid_result(tmp_path: Path) -> None:
    output = tmp_path / "result.json"
    runner = CliRunner()
    run = runner.invoke(
        solve, [str(EXAMPLES / "rules-tour.json"), "--time-limit", "10", "--workers", "1", "--output", str(output)]
    )
    assert run.exit_code == 0, run.output
    written = json.loads(output.read_text())
    assert written["format"] == "giveback-match-result/1" and written["objective"] == 7950
    check = runner.invoke(solve, ["--check", str(output), str(EXAMPLES / "rules-tour.json")])
    assert check.exit_code == 0 and "valid" in check.output


def test_check_reports_violations_with_exit_1(tmp_path: Path) -> None:
    result = json.loads((EXAMPLES / "rules-tour.optimal-result.json").read_text())
    result["objective"] += 10
    result["visits"][3]["volunteers"] = ["ben"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(result))
    check = CliRunner().invoke(solve, ["--check", str(path), str(EXAMPLES / "rules-tour.json")])
    assert check.exit_code == 1
    assert "rule 4" in check.output and "objective" in check.output


def test_malformed_problem_exits_2_naming_the_field(tmp_path: Path) -> None:
    bad = problem([volunteer()], [request(windows=[{"start": "2027-03-31", "end": "2027-03-01"}])])
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    run = CliRunner().invoke(solve, [str(path), "--time-limit", "1"])
    assert run.exit_code == 2
    assert "requests[0].windows[0].end" in run.output
    path.write_text("{not json")
    assert CliRunner().invoke(solve, [str(path), "--time-limit", "1"]).exit_code == 2


def test_infeasible_round_still_exits_0(tmp_path: Path) -> None:
    pins = [{"request": "r1", "start": "2027-03-02", "volunteers": ["v1"]}]  # a Tuesday
    path = tmp_path / "pins.json"
    path.write_text(json.dumps(problem([volunteer()], [request()], pinned=pins)))
    run = CliRunner().invoke(solve, [str(path), "--time-limit", "1"])
    assert run.exit_code == 0
    result = json.loads(run.output)
    assert result["status"] == "infeasible" and result["violations"][0]["rule"] == 1


def test_python_dash_m_solver() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "solver", str(EXAMPLES / "small-30x20.json"), "--time-limit", "10"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["objective"] == 20261
