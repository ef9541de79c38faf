"""The solver's reasons in the reader's language.

The solver (a pure package, ``solver/explain.py``) writes why a request stays unmatched as English sentences of
a few fixed shapes; they are stored with the run as they are. A page shows each one through :func:`explained`:
a sentence of a known shape becomes the catalog's message with the same values (topics by their names,
weekdays by the language's word, lists as the language joins them); any other sentence is shown as it is.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape

from giveback.i18n import N_, Text, translate
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


def _language(code: str) -> Any:
    from giveback.i18n.formatting import language_name

    return language_name(code) or code


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
            params["languages"] = _alternatives(params["languages"], _language)
        if "weekdays" in params:
            params["weekdays"] = _alternatives(params["weekdays"], _weekday)
        if "limits" in params:
            params["limits"] = _names(params["limits"], lambda text: _one_of(_LIMITS, text))
        if "names" in params:
            params["names"] = _names(params["names"], lambda text: _one_of(_USED, text))
        return Text(template, params=params)
    return reason


_FITS = {
    "first_language": N_("speaks %(language)s, the audience's first language"),
    "language": N_("speaks %(languages)s with the audience"),
    "primary_need_3": N_("expert in %(topic)s, the primary need"),
    "primary_need_2": N_("teaches %(topic)s, the primary need"),
    "primary_need_1": N_("can discuss %(topic)s, the primary need"),
    "expertise": N_("also knows %(topics)s"),
    "both_preferred_windows": N_("inside both preferred windows"),
    "host_preferred_window": N_("inside the host's preferred window"),
    "volunteer_preferred_window": N_("inside the volunteer's preferred dates"),
    "preferred_region": N_("wants to teach in %(region)s"),
    "priority": N_("a priority request of the host"),
}


def why_it_fits(fits: list[dict[str, Any]]) -> list[Text]:
    """The reasons a volunteer fits a request (``mapping.pair_fits``) as phrases in the reader's language."""
    from giveback.i18n.formatting import language_name

    phrases = []
    for fit in fits:
        kind = fit["kind"]
        if kind == "primary_need":
            phrases.append(
                Text(_FITS[f"primary_need_{min(int(fit['level']), 3)}"], params={"topic": _topic(fit["topic"])})
            )
        elif kind == "first_language":
            phrases.append(Text(_FITS[kind], params={"language": language_name(fit["language"])}))
        elif kind == "language":
            phrases.append(
                Text(_FITS[kind], params={"languages": ListOf([language_name(c) for c in fit["languages"]])})
            )
        elif kind == "expertise":
            phrases.append(Text(_FITS[kind], params={"topics": ListOf([_topic(t) for t in fit["topics"]])}))
        elif kind == "preferred_region":
            phrases.append(Text(_FITS[kind], params={"region": label("region", fit["region"])}))
        elif kind in _FITS:
            phrases.append(Text(_FITS[kind]))
    return phrases


_KEY = re.compile(r"\b([vr])-(\d+)\b")


def with_names(reason: str, names: dict[str, str]) -> Markup:
    """A solver's reason in the reader's language, each volunteer and request it mentions by name, linked to
    their page (``names``: problem id → name, from ``UnmatchedOut.people``)."""
    text = str(escape(translate(explained(reason))))

    def link(found: re.Match[str]) -> str:
        key = found.group(0)
        name = escape(names.get(key, key))
        path = "/coordinator/volunteers/" if found.group(1) == "v" else "/coordinator/requests/"
        return f'<a href="{path}{found.group(2)}">{name}</a>'

    return Markup(_KEY.sub(link, text))  # noqa: S704 - the text and every name are escaped above
