"""A malformed problem file is rejected with the path of the offending field."""

from __future__ import annotations

import pytest
from solver_builders import example, problem, request, volunteer

from solver import ProblemError, load_problem, problem_to_json


def error_path(data: object) -> str:
    with pytest.raises(ProblemError) as error:
        load_problem(data)
    return error.value.path


def test_unknown_ids_in_pins_and_forbidden_pairs() -> None:
    pins = [{"request": "r1", "start": "2027-03-01", "volunteers": ["ghost"]}]
    assert error_path(problem([volunteer()], [request()], pinned=pins)) == "pinned[0].volunteers[0]"
    pairs = [{"volunteer": "v1", "request": "nowhere"}]
    assert error_path(problem([volunteer()], [request()], forbidden=pairs)) == "forbidden[0].request"


def test_reversed_dates() -> None:
    reversed_window = request(windows=[{"start": "2027-03-31", "end": "2027-03-01"}])
    assert error_path(problem([volunteer()], [reversed_window])) == "requests[0].windows[0].end"
    assert error_path(problem([], [], horizon={"start": "2027-12-31", "end": "2027-01-01"})) == "horizon.end"


def test_unknown_fields() -> None:
    assert error_path(problem([volunteer(nickname="x")], [])) == "volunteers[0].nickname"
    assert error_path(problem([], [], extra=1)) == "extra"


def test_wrong_types_values_and_duplicates() -> None:
    assert error_path(problem([volunteer(expertise={"venous": 4})], [])) == "volunteers[0].expertise.venous"
    assert error_path(problem([], [request(duration_days="7")])) == "requests[0].duration_days"
    assert error_path(problem([], [request(primary_need="aortic")])) == "requests[0].primary_need"
    assert error_path(problem([volunteer(), volunteer()], [])) == "volunteers[1].id"
    assert error_path(problem([], [request(windows=[{"start": "2027-02-30", "end": "2027-03-01"}])])) == (
        "requests[0].windows[0].start"
    )
    assert error_path({"format": "giveback-match/2"}) == "format"
    assert error_path(problem([], [], priority=True) | {"requests": [request(priority=1)]}) in {
        "priority",
        "requests[0].priority",
    }


def test_defaults_and_round_trip() -> None:
    loaded = load_problem(problem([volunteer()], [request(needs={"aortic": 1, "venous": 3, "lymphatic": 3})]))
    assert loaded.volunteers[0].max_trips == 1 and loaded.volunteers[0].max_advisory_level == 4
    assert loaded.requests[0].primary_need == "venous"
    assert loaded.requests[0].team_size == 1 and loaded.rules.start_weekdays == (0,)
    assert loaded.weights.served == 1000
    tour = load_problem(example("rules-tour.json"))
    assert load_problem(problem_to_json(tour)) == tour
