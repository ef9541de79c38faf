"""The solver's reasons in the reader's language.

The solver (a pure package, ``solver/explain.py``) writes why a request stays unmatched as English sentences of
a few fixed shapes; they are stored with the run as they are. A page shows each one through :func:`explained`:
a sentence of a known shape becomes the catalog's message with the same values (topics by their names,
weekdays by the language's word, lists as the language joins them); any other sentence is shown as it is.
"""

from __future__ import annotations

import re
from typing import Any

from giveback.i18n import N_, Text
from giveback.i18n.formatting import ListOf
from giveback.i18n.labels import label

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(%\([a-z_]+\)[sd])", template)
    regex = "".join(
        f"(?P<{part[2:-2]}>.+?)" if part.startswith("%(") else re.escape(part.replace("%%", "%")) for part in parts
    )
    return re.compile(regex, re.DOTALL)


_SHAPES = [
    N_("no volunteer has expertise in %(topics)s"),
    N_("no volunteer with expertise in %(topics)s speaks %(languages)s"),
    N_(
        "every volunteer with the expertise and a shared language is ruled out "
        "(advisory level %(level)s, %(country)s): %(limits)s"
    ),
    N_("no %(days)s-day visit starting on a %(weekdays)s fits inside its windows and the horizon"),
    N_(
        "no overlapping dates: none of the %(count)s qualified volunteers (%(names)s) is available for "
        "%(days)s days within its windows"
    ),
    N_(
        "needs a team of %(size)s on the same dates, but at most %(largest)s qualified volunteers are available "
        "together (%(names)s)"
    ),
    N_("every candidate is used on a higher-scoring visit: %(names)s"),
    N_("%(names)s could still go, but no team of %(size)s fits their dates"),
    N_("%(names)s could still go; a longer time limit may match it"),
    N_("%(member)s is already travelling %(start)s – %(end)s"),
    N_("%(request)s is no longer waiting for a visit"),
    N_("%(request)s is no longer an accepted request with windows in the period"),
    N_("%(volunteer)s no longer has availability in the period"),
]
_LIMITS = [
    N_("%(volunteer)s avoids %(country)s"),
    N_("%(volunteer)s accepts advisory level ≤ %(level)s"),
    N_("%(volunteer)s is a forbidden pair with it"),
    N_("%(volunteer)s makes no trips this round"),
]
_USED = [N_("%(volunteer)s (on %(requests)s)"), N_("%(volunteer)s (too close to %(requests)s)")]
_MORE = N_("%(count)s more")
_NO_LANGUAGE = N_("no language at all")
COMPILED = [(template, _pattern(template)) for template in _SHAPES]


def _alternatives(text: str, word: Any) -> Any:
    """ "a or b" (the solver's join) as a list in the reader's language, each item shown by ``word``."""
    if text == "no language at all":
        return Text(_NO_LANGUAGE)
    return ListOf([word(item) for item in text.split(" or ")], style="or")


def _names(text: str, item: Any = str) -> Any:
    """ "a, b and 3 more" (the solver's join of at most five names) in the reader's language."""
    more = re.fullmatch(r"(?P<names>.+) and (?P<count>\d+) more", text, re.DOTALL)
    shown = more["names"] if more else text
    items = [item(part) for part in _split(shown)]
    return ListOf([*items, Text(_MORE, params={"count": more["count"]})] if more else items)


def _split(text: str) -> list[str]:
    """Comma-separated items, commas inside parentheses kept (``v-1 (on r-2, r-3)``)."""
    items, depth, current = [], 0, ""
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += character
    return [*items, current.strip()] if current.strip() else items


def _one_of(templates: list[str], text: str) -> Any:
    for template in templates:
        found = _pattern(template).fullmatch(text)
        if found:
            return Text(template, params=found.groupdict())
    return text


def _topic(slug: str) -> Any:
    from giveback.web.templates import topic_name  # the page's topic names

    return topic_name(slug)


def _weekday(name: str) -> Any:
    return label("weekday", _WEEKDAYS.index(name)) if name in _WEEKDAYS else name


def explained(reason: str) -> str | Text:
    """The reason in the reader's language when it has a known shape, else as the solver wrote it."""
    for template, pattern in COMPILED:
        found = pattern.fullmatch(reason)
        if not found:
            continue
        params: dict[str, Any] = dict(found.groupdict())
        if "topics" in params:
            params["topics"] = _alternatives(params["topics"], _topic)
        if "languages" in params:
            params["languages"] = _alternatives(params["languages"], lambda code: code)
        if "weekdays" in params:
            params["weekdays"] = _alternatives(params["weekdays"], _weekday)
        if "limits" in params:
            params["limits"] = _names(params["limits"], lambda text: _one_of(_LIMITS, text))
        if "names" in params:
            params["names"] = _names(params["names"], lambda text: _one_of(_USED, text))
        return Text(template, params=params)
    return reason
