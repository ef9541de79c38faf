"""Dates, numbers, lists, countries and languages in the current language (Babel's CLDR data, pycountry's ISO
catalogs). In the pseudo-locale the words come out accented too, so that a test sees they came from a catalog."""

from __future__ import annotations

import gettext
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Literal

import pycountry
from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_interval, format_time
from babel.lists import format_list as babel_list
from babel.numbers import format_decimal, format_percent

from giveback import geo
from giveback.i18n.catalogs import pseudo
from giveback.i18n.locales import PSEUDO_LOCALE, language_of
from giveback.i18n.text import Text, current_locale, translate


def _babel_locale() -> Locale:
    return _parsed(language_of(current_locale()).babel_locale)


@cache
def _parsed(locale: str) -> Locale:
    return Locale.parse(locale)


def _shown(text: str) -> str:
    """Words from a catalog, accented in the pseudo-locale (digits and punctuation alone stay as they are)."""
    if current_locale() == PSEUDO_LOCALE and any(c.isalpha() for c in text):
        return pseudo(text)
    return text


def format_date(day: date | None, form: str = "medium") -> str:
    """A day as the language writes it (``3 mars 2027``); an empty value is a dash."""
    if day is None:
        return "—"
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return _shown(babel_date(day, form, locale=_babel_locale()))


def format_moment(moment: datetime | None, form: str = "medium") -> str:
    """A moment in UTC as the language writes it (the page's script turns it into the viewer's zone)."""
    if moment is None:
        return "—"
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    locale = _babel_locale()
    day = babel_date(utc.date(), form, locale=locale)
    clock = format_time(utc.time(), "short", locale=locale)
    joined = str(locale.datetime_formats[form]).replace("'", "").replace("{0}", clock).replace("{1}", day)
    return _shown(f"{joined} UTC")


def format_date_range(first: date | str, last: date | str, weekday: bool = False) -> str:
    """Two days, both included, as one range (``3–7 mars 2027``; with ``weekday``: ``lun. 3 – dim. 9 mars 2027``)."""
    first_day = date.fromisoformat(first) if isinstance(first, str) else first
    last_day = date.fromisoformat(last) if isinstance(last, str) else last
    if last_day < first_day:
        first_day, last_day = last_day, first_day
    skeleton = "yMMMEd" if weekday else "yMMMd"
    return _shown(format_interval(first_day, last_day, skeleton, locale=_babel_locale()))


def format_month_range(first: str, last: str) -> str:
    """Two months (``YYYY-MM``) as one range (``mai–juin 2027``); one month alone when they are the same."""
    first_day = date.fromisoformat(f"{first}-01")
    last_day = date.fromisoformat(f"{last}-01")
    locale = _babel_locale()
    if first_day == last_day:
        return _shown(babel_date(first_day, locale.datetime_skeletons.get("yMMM", "MMM y"), locale=locale))
    return _shown(format_interval(first_day, last_day, "yMMM", locale=locale))


def format_number(value: float | int | None, decimals: int | None = None) -> str:
    """A number with the language's digits grouping and decimal sign."""
    if value is None:
        return "—"
    if decimals is not None:
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        return format_decimal(value, format=pattern, locale=_babel_locale())
    return format_decimal(value, locale=_babel_locale())


def format_percent_value(percent: float | None, decimals: int = 0) -> str:
    """A percentage given as 0–100 (``42 %`` in French)."""
    if percent is None:
        return "—"
    locale = _babel_locale()
    pattern = str(locale.percent_formats[None].pattern)
    if decimals:
        pattern = pattern.replace("0", "0." + "0" * decimals, 1)
    return format_percent(percent / 100, format=pattern, locale=locale)


def format_list(items: Iterable[Any], style: Literal["standard", "or"] = "standard") -> str:
    """Items joined as the language joins them (``A, B et C``; ``A、B和C``; with ``or``: ``A, B ou C``); an empty
    list is a dash."""
    shown = [str(translate(item)) for item in items if item not in (None, "")]
    if not shown:
        return "—"
    return babel_list(shown, style=style, locale=_babel_locale())


@cache
def _iso(domain: str, catalog: str) -> gettext.NullTranslations:
    if not catalog:
        return gettext.NullTranslations()
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[catalog], fallback=True)


def country_name(code: str | None) -> str:
    """A country's name in the current language: pycountry's ISO 3166 catalog for the name the pages show in
    English, else CLDR's (Babel) for the few the catalog lacks (``Türkiye``, ``South Korea`` in Arabic), else the
    catalog's translation of the ISO name; the code if nothing names it."""
    if not code:
        return ""
    return _shown(_country_name(code, current_locale()))


@cache
def _country_name(code: str, locale: str) -> str:
    english = geo.country_name(code)
    language = language_of(locale)
    if not language.iso_catalog:
        return english
    catalog = _iso("iso3166-1", language.iso_catalog)
    if catalog.gettext(english) != english:
        return catalog.gettext(english)
    cldr = _parsed(language.babel_locale).territories.get(code)
    if cldr:
        return str(cldr)
    country = pycountry.countries.get(alpha_2=code)
    return catalog.gettext(getattr(country, "name", english))


def language_name(code: str | None) -> str:
    """A language's name in the current language (pycountry's ISO 639 catalog); the code if it names none."""
    if not code:
        return ""
    english = geo.language_name(code)
    catalog = _iso("iso639-3", language_of(current_locale()).iso_catalog)
    return _shown(catalog.gettext(english))


def sort_key(text: str) -> str:
    """Order names as a reader expects, whatever their accents or case."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country, by name in the current language."""
    return _country_choices(current_locale())


@cache
def _country_choices(locale: str) -> list[tuple[str, str]]:
    codes = [country.alpha_2 for country in pycountry.countries]
    return sorted(((code, country_name(code)) for code in codes), key=lambda pair: sort_key(pair[1]))


def language_choices(codes: Iterable[str]) -> list[tuple[str, str]]:
    """(code, name) of the languages, by name in the current language."""
    return sorted(((code, language_name(code)) for code in codes), key=lambda pair: sort_key(pair[1]))


class ListOf(Text):
    """Items shown as one list in the current language (``A, B et C``); as a ``str``, joined with commas."""

    __slots__ = ("items", "style")
    items: list[Any]
    style: Literal["standard", "or"]

    def __new__(cls, items: Iterable[Any], style: Literal["standard", "or"] = "standard") -> ListOf:
        shown = list(items)
        joiner = " or " if style == "or" else ", "
        text = str.__new__(cls, joiner.join(str(item) for item in shown))
        text.message, text.plural, text.number, text.context, text.params = str(text), None, None, None, {}
        text.items, text.style = shown, style
        return text

    def translated(self) -> str:
        return format_list(self.items, self.style)

    def __reduce__(self) -> Any:
        return (ListOf, (self.items, self.style))
