"""The lifecycle's transitions as data agree with product.md: every state is reachable from a proposal, the ends
are ends, and each exit leaves only from before travel."""

from __future__ import annotations

import itertools

from giveback.trips.lifecycle import BEFORE_TRAVEL, PAST, PROPOSED, RECORD_CHANGED, TRANSITIONS, allowed
from giveback.trips.schemas import STATUSES


def reachable() -> set[str]:
    seen, frontier = {PROPOSED}, [PROPOSED]
    while frontier:
        state = frontier.pop()
        for step in TRANSITIONS.values():
            if state in step.sources:
                for target in step.targets:
                    if target not in seen:
                        seen.add(target)
                        frontier.append(target)
    return seen


def test_every_status_is_reachable_from_a_proposal_and_no_other_exists() -> None:
    assert reachable() == {PROPOSED, *STATUSES}
    assert {t for step in TRANSITIONS.values() for t in step.targets} <= set(STATUSES)


def test_the_main_line_of_product_md() -> None:
    line = ["proposed", "approved", "invited", "confirmed", "in_progress", "completed", "reported"]
    for before, after in itertools.pairwise(line):
        assert any(before in s.sources and after in s.targets for s in TRANSITIONS.values()), (before, after)


def test_declined_cancelled_and_reported_are_ends() -> None:
    """Only the program's history, told again by a second import, changes a trip of the past (and only one it
    recorded: ``record_past_trips`` checks that)."""
    for end in ("declined", "cancelled", "reported"):
        assert [action for action in TRANSITIONS if allowed(action, end)] == ([RECORD_CHANGED] if end in PAST else [])
    assert set(TRANSITIONS[RECORD_CHANGED].sources) == set(TRANSITIONS[RECORD_CHANGED].targets) == set(PAST)


def test_exits_leave_only_before_travel() -> None:
    assert set(TRANSITIONS["declined"].sources) == set(BEFORE_TRAVEL)
    assert set(TRANSITIONS["postponed"].sources) == set(BEFORE_TRAVEL)
    assert set(TRANSITIONS["cancelled"].sources) == {*BEFORE_TRAVEL, "postponed"}
    assert not allowed("cancelled", "in_progress") and not allowed("postponed", "in_progress")


def test_steps_that_change_the_calendar_event_raise_the_sequence() -> None:
    bumping = {name for name, step in TRANSITIONS.items() if step.bumps}
    assert bumping == {
        "confirmed",
        "member_declined",
        "member_added",
        "postponed",
        "rescheduled",
        "cancelled",
        "declined",
        "record_changed",
    }
    # time-driven steps and the reports leave the event as it was
    assert not {"started", "completed", "reported", "invited", "opened", "recorded"} & bumping
