"""Values as people type them (import.md, "Values as people type them"), turned into the platform's values.

Each reader takes one cell (text, a number, a date cell or nothing) and returns the value, or raises
``BadValue`` with the rule in words; the caller adds the sheet, row and column.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any, TypeVar

import pycountry

from giveback import geo
from giveback.i18n import N_, Text, _

T = TypeVar("T")
Cell = str | int | float | bool | date | datetime | None

YES = frozenset({"yes", "true", "1", "x", "y"})
NO = frozenset({"no", "false", "0", "n", ""})
_NOT_WORDS = re.compile(r"[^\w]+")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?")
_EMAIL = re.compile(r"[^@\s<>;,]+@[^@\s<>;,]+\.[^@\s<>;,]+")
_NAMED_EMAIL = re.compile(r"(?P<name>[^<>]*)<(?P<email>[^<>]+)>")
# Control characters (but tab and line breaks), and those that make a name display as something else:
# bidirectional overrides and isolates.
_UNSEEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class BadValue(ValueError):
    """A cell breaks a rule; the message says which, in words."""

    def __init__(self, message: Text) -> None:
        super().__init__(message)
        self.message = message


@lru_cache(maxsize=100_000)
def folded(text: str) -> str:
    """Text compared as people mean it: accents, case, punctuation and repeated spaces ignored."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORDS.sub(" ", bare.casefold()).replace("_", " ").strip()


def shown(value: Cell) -> str:
    """A cell as a message quotes it."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text(value: Cell) -> str:
    """A cell as text: surrounding spaces removed, a whole number without ".0", a date cell as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def plain_text(value: Cell, *, max_length: int, single_line: bool = False) -> str:
    """Free text within a length, without control characters (tabs and, unless ``single_line``, newlines allowed)."""
    result = text(value)
    if _UNSEEN.search(result):
        raise BadValue(_("holds control or text-direction characters; type the text again without them"))
    if single_line and ("\n" in result or "\r" in result):
        raise BadValue(_("must be on one line"))
    if len(result) > max_length:
        raise BadValue(
            _("is %(length)d characters long; at most %(limit)d are allowed", length=len(result), limit=max_length)
        )
    return result


def name_text(value: Cell, *, max_length: int) -> str:
    """A name or title: one line, inner runs of spaces made one."""
    return " ".join(plain_text(value, max_length=max_length, single_line=True).split())


def items(value: Cell, *, commas: bool = False) -> list[str]:
    """A list cell's items: separated by ``;`` (and ``,`` when ``commas``), empty items dropped."""
    pattern = r"[;,]" if commas else r";"
    return [item.strip() for item in re.split(pattern, text(value)) if item.strip()]


def yes_no(value: Cell) -> bool:
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise BadValue(
        _('"%(value)s" is not yes or no (write yes, no, true, false, 1, 0, x, or leave it empty)', value=shown(value))
    )


def whole_number(value: Cell, *, low: int, high: int) -> int:
    if isinstance(value, bool):
        raise BadValue(_('"%(value)s" is not a whole number', value=shown(value)))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        written = text(value)
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", written):
            raise BadValue(_('"%(value)s" is not a whole number', value=shown(value)))
        number = int(float(written))
    if not low <= number <= high:
        raise BadValue(_("%(number)d is outside %(low)d to %(high)d", number=number, low=low, high=high))
    return number


def level(value: Cell, words: dict[str, int], *, low: int, high: int, what: str) -> int:
    """A level given as a number or as one of its words ("teach", "essential", "increased caution"); ``what`` is
    the refusal's message (``PROFICIENCY_MESSAGE``, …) with the value, low, high and choices."""
    written = folded(text(value))
    if written in words:
        return words[written]
    if re.fullmatch(r"\d+(\.0+)?", text(value)) and low <= float(text(value)) <= high:
        return int(float(text(value)))
    first_words: dict[int, str] = {}
    for word, number in words.items():
        first_words.setdefault(number, word)
    choices = ", ".join(first_words[number] for number in sorted(first_words))
    raise BadValue(Text(what, params={"value": shown(value), "low": low, "high": high, "choices": choices}))


def day(value: Cell) -> date:
    """A day: an ISO ``YYYY-MM-DD`` text or a spreadsheet date cell."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    written = text(value)
    match = _ISO_DAY.fullmatch(written)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            raise BadValue(_('"%(value)s" is not a day of the calendar', value=written)) from None
    raise BadValue(
        _('"%(value)s" is not a date: write it as YYYY-MM-DD (e.g. 2025-03-14) or use a date cell', value=shown(value))
    )


def email(value: Cell) -> str:
    written = text(value)
    if len(written) > 320 or not _EMAIL.fullmatch(written):
        raise BadValue(_('"%(value)s" is not an e-mail address', value=shown(value)))
    return written.lower()


def person_item(item: str) -> tuple[str, str]:
    """One entry of a trip's volunteers: ``someone@example.org`` or ``Name <someone@example.org>``."""
    named = _NAMED_EMAIL.fullmatch(item)
    if named:
        name = " ".join(named["name"].strip().strip('"').split())
        return email(named["email"].strip()), name
    return email(item), ""


@cache
def _options(choices: tuple[str, ...], aliases: tuple[tuple[str, str], ...]) -> dict[str, str]:
    options = {folded(option): option for option in choices}
    options.update({folded(alias): option for alias, option in aliases})
    return options


def choice(value: Cell, choices: Iterable[str], *, aliases: dict[str, str] | None = None) -> str:
    """One of the fixed values, case, spaces and hyphens ignored ("Early career" is early-career)."""
    options = _options(tuple(choices), tuple(sorted((aliases or {}).items())))
    written = folded(text(value))
    if written in options:
        return options[written]
    listed = ", ".join(dict.fromkeys(options.values()))
    raise BadValue(_('"%(value)s" is not one of %(choices)s', value=shown(value), choices=listed))


def unique(values: Iterable[T], key: Callable[[T], Any] = lambda value: value) -> list[T]:
    seen: set[Any] = set()
    result = []
    for value in values:
        if key(value) not in seen:
            seen.add(key(value))
            result.append(value)
    return result


# --- countries and languages ------------------------------------------------------------------------------------

_COUNTRY_ALIASES = {
    "America": "US",
    "Burma": "MM",
    "Cape Verde": "CV",
    "Democratic Republic of the Congo": "CD",
    "DR Congo": "CD",
    "DRC": "CD",
    "East Timor": "TL",
    "England": "GB",
    "Great Britain": "GB",
    "Holland": "NL",
    "Ivory Coast": "CI",
    "Korea": "KR",
    "Republic of Korea": "KR",
    "Korea South": "KR",
    "North Korea": "KP",
    "Macau": "MO",
    "Micronesia": "FM",
    "Northern Ireland": "GB",
    "Palestine": "PS",
    "Republic of the Congo": "CG",
    "Russia": "RU",
    "Scotland": "GB",
    "Swaziland": "SZ",
    "Turkey": "TR",
    "UAE": "AE",
    "UK": "GB",
    "US": "US",
    "USA": "US",
    "Vatican": "VA",
    "Wales": "GB",
}
_LANGUAGE_ALIASES = {
    "Cantonese": "zh",
    "Castilian": "es",
    "Farsi": "fa",
    "Filipino": "tl",
    "Flemish": "nl",
    "Greek": "el",
    "Mandarin": "zh",
    "Malay": "ms",
    "Swahili": "sw",
}


def _without_the(name: str) -> str:
    return name[4:] if name.startswith("the ") else name


@cache
def _country_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (
            country.name,
            getattr(country, "official_name", None),
            getattr(country, "common_name", None),
        ):
            if name:
                index.setdefault(_without_the(folded(name)), code)
                index.setdefault(folded(name.split(",")[0]), code)
    for alias, code in _COUNTRY_ALIASES.items():
        index[_without_the(folded(alias))] = code
    for country in pycountry.countries:  # codes win over names that happen to spell one
        index[folded(country.alpha_2)] = country.alpha_2
        index[folded(country.alpha_3)] = country.alpha_2
    return index


def country(value: Cell) -> str:
    """A country's ISO 3166-1 alpha-2 code, from a code (BR, BRA) or an English name (Brazil, Viet Nam)."""
    written = text(value)
    code = _country_index().get(_without_the(folded(written)))
    if code is None:
        raise BadValue(
            _('"%(value)s" is not a country (write its ISO code, e.g. BR, or its English name)', value=written)
        )
    return code


@cache
def _language_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if not code:
            continue
        for name in (language.name, getattr(language, "common_name", None), getattr(language, "inverted_name", None)):
            if name:
                index.setdefault(folded(name), code)
                index.setdefault(folded(re.sub(r"\(.*?\)", "", name)), code)
                for part in name.split(";"):
                    index.setdefault(folded(part), code)
    for alias, code in _LANGUAGE_ALIASES.items():
        index.setdefault(folded(alias), code)
    for language in pycountry.languages:
        code = getattr(language, "alpha_2", None)
        if code:
            index[code] = code
            index.setdefault(folded(language.alpha_3), code)
    return index


def language(written: str) -> str:
    """An ISO 639-1 code, from a code (pt) or an English name (Portuguese)."""
    code = _language_index().get(folded(written))
    if code is None or not geo.is_language(code):
        raise BadValue(
            _('"%(value)s" is not a language (write its ISO 639-1 code, e.g. pt, or its English name)', value=written)
        )
    return code


# --- topics -----------------------------------------------------------------------------------------------------

PROFICIENCY_MESSAGE = N_('"%(value)s" is not a proficiency level: write %(low)d to %(high)d, or one of %(choices)s')
WEIGHT_MESSAGE = N_('"%(value)s" is not a need weight: write %(low)d to %(high)d, or one of %(choices)s')
ADVISORY_MESSAGE = N_('"%(value)s" is not a travel advisory level: write %(low)d to %(high)d, or one of %(choices)s')
PROFICIENCY_WORDS = {"discuss": 1, "can discuss": 1, "teach": 2, "can teach": 2, "expert": 3, "expert hands on": 3}
WEIGHT_WORDS = {"nice": 1, "nice to have": 1, "wanted": 2, "essential": 3}
ADVISORY_WORDS = {"normal precautions": 1, "increased caution": 2, "reconsider travel": 3, "do not travel": 4}


@dataclass(frozen=True)
class TopicIndex:
    """The topic list, to find a topic by its slug or shown name."""

    slugs: dict[str, str]  # folded slug or name -> slug
    names: dict[str, str]  # slug -> shown name
    retired: frozenset[str]

    @classmethod
    def of(cls, topics: Iterable[tuple[str, str, bool]]) -> TopicIndex:
        listed = list(topics)
        slugs: dict[str, str] = {}
        for slug, name, _retired in listed:
            slugs.setdefault(folded(name), slug)
        for slug, _name, _flag in listed:
            slugs[folded(slug)] = slug
        return cls(
            slugs=slugs,
            names={slug: name for slug, name, _ in listed},
            retired=frozenset(slug for slug, _, retired in listed if retired),
        )

    def find(self, written: str) -> str | None:
        return self.slugs.get(folded(written))

    def topic(self, written: str, *, allow_retired: bool) -> str:
        slug = self.find(written)
        if slug is None:
            raise BadValue(_('"%(value)s" is not a topic (write a topic\'s slug or its shown name)', value=written))
        if slug in self.retired and not allow_retired:
            raise BadValue(_('the topic "%(topic)s" is retired and cannot be chosen any more', topic=self.names[slug]))
        return slug


def leveled_topics(
    value: Cell, topics: TopicIndex, words: dict[str, int], *, what: str, allow_retired: bool = False
) -> list[tuple[str, int]]:
    """``topic:level`` items separated by ``;``; the level is what follows an item's last ``:`` (default 2).

    A topic's shown name may hold ``:`` or ``,`` itself: an item that is a whole topic name takes the default.
    """

    def one(item: str) -> tuple[str, int]:
        if topics.find(item) is not None:
            return topics.topic(item, allow_retired=allow_retired), 2
        written_topic, colon, written_level = item.rpartition(":")
        if not colon:
            return topics.topic(item, allow_retired=allow_retired), 2
        slug = topics.topic(written_topic.strip(), allow_retired=allow_retired)
        return slug, level(written_level.strip() or "2", words, low=1, high=3, what=what)

    pairs = [pair for item in items(value) for pair in comma_tolerant(item, one)]
    repeated = [slug for index, (slug, _) in enumerate(pairs) if slug in {s for s, _ in pairs[:index]}]
    if repeated:
        raise BadValue(_('the topic "%(topic)s" is listed twice', topic=topics.names[repeated[0]]))
    return pairs


def comma_tolerant(item: str, read: Callable[[str], T]) -> list[T]:
    """One list item; if it cannot be read but its comma-separated parts all can (a list typed with commas
    instead of ``;``), those parts. The item's own problem is the one reported otherwise."""
    try:
        return [read(item)]
    except BadValue:
        parts = [part.strip() for part in item.split(",") if part.strip()]
        if len(parts) < 2:
            raise
        try:
            return [read(part) for part in parts]
        except BadValue:
            pass
        raise
