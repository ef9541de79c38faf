"""One tiny problem per hard rule of matching.md, where that rule decides the answer."""

from __future__ import annotations

from typing import Any

from solver_builders import problem, request, volunteer

from solver import Result, load_problem, solve, validate


def solved(data: dict[str, Any]) -> Result:
    match_problem = load_problem(data)
    result = solve(match_problem, time_limit=10, workers=1)
    assert validate(match_problem, result) == []
    return result


def plan(result: Result) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {v.request: (v.start.isoformat(), v.end.isoformat(), v.volunteers) for v in result.visits}


def reasons(result: Result, request_id: str) -> str:
    return " ".join(next(entry.reasons for entry in result.unmatched if entry.request == request_id))


def test_rule_1_visit_inside_availability_window() -> None:
    short = volunteer(availability=[{"start": "2027-03-01", "end": "2027-03-06"}])
    result = solved(problem([short], [request()]))
    assert result.visits == ()
    assert "no overlapping dates" in reasons(result, "r1")


def test_rule_1_visit_inside_one_window_not_two_adjacent_ones() -> None:
    split = volunteer(
        availability=[{"start": "2027-03-01", "end": "2027-03-04"}, {"start": "2027-03-05", "end": "2027-03-31"}]
    )
    result = solved(problem([split], [request(windows=[{"start": "2027-03-01", "end": "2027-03-07"}])]))
    assert result.visits == ()


def test_rule_1_start_weekday_and_horizon() -> None:
    tuesday_only = problem([volunteer()], [request()], rules={"start_weekdays": [1]})
    assert plan(solved(tuesday_only)) == {"r1": ("2027-03-02", "2027-03-08", ("v1",))}
    beyond_horizon = problem([volunteer()], [request()], horizon={"start": "2027-01-04", "end": "2027-03-06"})
    assert solved(beyond_horizon).visits == ()


def test_rule_1_prefers_preferred_dates_but_stays_in_the_window() -> None:
    wanted = request(
        windows=[
            {"start": "2027-03-01", "end": "2027-03-31"},
            {"start": "2027-03-15", "end": "2027-03-21", "preferred": True},
        ]
    )
    assert plan(solved(problem([volunteer()], [wanted]))) == {"r1": ("2027-03-15", "2027-03-21", ("v1",))}


def test_rule_2_expertise_in_a_needed_topic() -> None:
    result = solved(problem([volunteer(expertise={"aortic": 3})], [request()]))
    assert result.visits == ()
    assert "no volunteer has expertise in venous" in reasons(result, "r1")


def test_rule_3_shared_language() -> None:
    result = solved(problem([volunteer(languages=["en"])], [request(languages=["pt", "fr"])]))
    assert result.visits == ()
    assert "speaks pt or fr" in reasons(result, "r1")


def test_rule_4_excluded_country_advisory_and_forbidden_pair() -> None:
    candidates = [
        volunteer("avoids", excluded_countries=["KE"]),
        volunteer("cautious", max_advisory_level=2),
        volunteer("conflicted"),
    ]
    data = problem(candidates, [request(advisory_level=3)], forbidden=[{"volunteer": "conflicted", "request": "r1"}])
    result = solved(data)
    assert result.visits == ()
    text = reasons(result, "r1")
    assert "avoids KE" in text and "advisory level ≤ 2" in text and "forbidden" in text
    allowed = problem([*candidates, volunteer("free")], [request(advisory_level=3)], forbidden=data["forbidden"])
    assert plan(solved(allowed))["r1"][2] == ("free",)


def test_rule_5_team_travels_on_the_same_dates() -> None:
    early = volunteer("early", availability=[{"start": "2027-03-01", "end": "2027-03-10"}])
    late = volunteer("late", availability=[{"start": "2027-03-15", "end": "2027-03-31"}])
    team = request(team_size=2)
    result = solved(problem([early, late], [team]))
    assert result.visits == ()
    assert "team of 2" in reasons(result, "r1")
    both = volunteer("both", availability=[{"start": "2027-03-01", "end": "2027-03-31"}])
    visits = plan(solved(problem([early, both], [team])))
    assert visits == {"r1": ("2027-03-01", "2027-03-07", ("both", "early"))} or visits == {
        "r1": ("2027-03-01", "2027-03-07", ("early", "both"))
    }


def test_rule_5_a_request_is_visited_once() -> None:
    result = solved(problem([volunteer("a"), volunteer("b")], [request()]))
    assert len(result.visits) == 1 and len(result.visits[0].volunteers) == 1


def test_rule_6_max_trips_and_gap() -> None:
    windows = [{"start": "2027-03-01", "end": "2027-05-31"}]
    first = request("first", windows=[{"start": "2027-03-01", "end": "2027-03-07"}])
    soon = request("soon", windows=[{"start": "2027-03-15", "end": "2027-03-21"}])
    later = request("later", windows=[{"start": "2027-03-22", "end": "2027-03-28"}])
    one_trip = solved(problem([volunteer(availability=windows)], [first, later]))
    assert len(one_trip.visits) == 1
    two_trips = volunteer(max_trips=2, availability=windows)
    # first ends on Mar 7; "soon" leaves 7 free days, "later" exactly 14.
    assert len(solved(problem([two_trips], [first, soon])).visits) == 1
    assert sorted(plan(solved(problem([two_trips], [first, later])))) == ["first", "later"]


def test_rule_7_pin_is_kept_even_when_it_scores_less() -> None:
    expert = volunteer("expert", expertise={"venous": 3})
    novice = volunteer("novice", expertise={"venous": 1})
    pinned = [{"request": "r1", "start": "2027-03-08", "volunteers": ["novice"]}]
    assert plan(solved(problem([expert, novice], [request()])))["r1"][2] == ("expert",)
    assert plan(solved(problem([expert, novice], [request()], pinned=pinned))) == {
        "r1": ("2027-03-08", "2027-03-14", ("novice",))
    }


def test_infeasible_pins_are_reported_with_the_rule() -> None:
    busy = volunteer(availability=[{"start": "2027-03-01", "end": "2027-03-31"}])
    pins = [
        {"request": "a", "start": "2027-03-01", "volunteers": ["v1"]},
        {"request": "b", "start": "2027-03-15", "volunteers": ["v1"]},
    ]
    data = problem([busy], [request("a"), request("b")], pinned=pins)
    result = solved(data)
    assert result.status == "infeasible"
    assert result.visits == ()
    assert {violation.rule for violation in result.violations} == {6}
    assert "v1" in result.violations[0].message


def test_pin_breaking_a_request_rule_names_it() -> None:
    data = problem(
        [volunteer(languages=["de"])],
        [request()],
        pinned=[{"request": "r1", "start": "2027-03-01", "volunteers": ["v1"]}],
    )
    result = solved(data)
    assert result.status == "infeasible"
    assert [violation.rule for violation in result.violations] == [3]
