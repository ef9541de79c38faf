"""The solver's reasons for an unmatched request, shown in the reader's language.

Requests are made to fail each of the solver's rules in turn (``solver/explain.py``); every reason it writes must
have a known shape (``giveback.rounds.explanations``) and come out translated, so a new shape of reason fails here.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import solver
from giveback.i18n import Text, translate, use_locale
from giveback.i18n.catalogs import PSEUDO_CLOSE
from giveback.rounds.explanations import explained

TOUR = Path(__file__).resolve().parents[3] / "shared" / "spec" / "examples" / "rules-tour.json"


def _unmatched_reasons(problem: dict) -> list[str]:
    result = solver.solve(solver.load_problem(problem), time_limit=5, workers=1)
    return [reason for entry in result.unmatched for reason in entry.reasons]


def _variants() -> list[dict]:
    """The tour's problem, each time with its first request broken another way."""
    base = json.loads(TOUR.read_text())
    first = base["requests"][0]["id"]
    variants = []

    def variant(change) -> None:
        problem = copy.deepcopy(base)
        change(problem, problem["requests"][0])
        variants.append(problem)

    variant(lambda p, r: r.update(needs={"lymphatic": 3}))  # nobody has the expertise
    variant(lambda p, r: r.update(languages=["ar"]))  # nobody speaks the language
    variant(lambda p, r: r.update(advisory_level=4))  # every volunteer's travel limit rules it out
    variant(lambda p, r: r.update(duration_days=200))  # no start fits its windows
    variant(lambda p, r: r.update(team_size=5))  # no team that large is free together
    variant(
        lambda p, r: r.update(windows=[{"start": "2027-12-06", "end": "2027-12-31", "preferred": False}])
    )  # nobody is available then
    variant(lambda p, r: p.update(forbidden=[{"volunteer": v["id"], "request": first} for v in p["volunteers"]]))
    return variants


def test_every_reason_the_solver_gives_is_translated() -> None:
    reasons = {reason for problem in _variants() for reason in _unmatched_reasons(problem)}
    assert len(reasons) >= 5, reasons
    for reason in sorted(reasons):
        shown = explained(reason)
        assert isinstance(shown, Text), f"a reason of no known shape: {reason!r}"
        with use_locale("en_XA"):
            pseudo = translate(shown)
        assert pseudo.startswith("⟦") and pseudo.endswith(PSEUDO_CLOSE), (reason, pseudo)
        with use_locale("es"):
            spanish = translate(shown)
        assert spanish != reason, reason


def test_other_sentences_are_shown_as_they_are() -> None:
    assert explained("something the solver never said") == "something the solver never said"
