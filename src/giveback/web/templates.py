"""The page templates' environment: Jinja2 with the i18n extension, and what every template may call.

Templates mark texts with ``_()``, ``ngettext()``, ``pgettext()`` or ``{% trans %}`` (the catalogs hold them);
they show dates, numbers and lists with the filters below, in the page's language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader
from litestar.plugins.jinja import JinjaTemplateEngine

from giveback.i18n import LOCALES, current_locale, language_of
from giveback.i18n.catalogs import pseudo, translations
from giveback.i18n.formatting import (
    country_choices,
    country_name,
    format_date,
    format_date_range,
    format_list,
    format_moment,
    format_month_range,
    format_number,
    format_percent_value,
    language_name,
)
from giveback.i18n.labels import label, label_map
from giveback.i18n.locales import PSEUDO_LOCALE
from giveback.rounds.explanations import explained, why_it_fits, with_names
from giveback.web.tables import ONE_OFF_NOTICES

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

_topic_names: ContextVar[Mapping[str, str]] = ContextVar("giveback_topic_names", default=MappingProxyType({}))


@contextmanager
def use_topic_names(names: Mapping[str, str]) -> Iterator[None]:
    """The topic names of the current language (slug → name) for the templates rendered inside the block."""
    token = _topic_names.set(names)
    try:
        yield
    finally:
        _topic_names.reset(token)


def topic_name(slug: str, english: str = "") -> str:
    """A topic's name in the page's language; its English name where the topic has none in that language."""
    name = _topic_names.get().get(slug) or english or slug
    return pseudo(name) if current_locale() == PSEUDO_LOCALE else name


def _gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def _pgettext(context: str, message: str) -> str:
    return translations(current_locale()).pgettext(context, message)


def _npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).npgettext(context, singular, plural, n)


def labels(codes: Any, kind: str) -> list[Any]:
    """The words for several codes of one kind (``roles | labels("role") | listing``)."""
    return [label(kind, code) for code in codes or ()]


def language_names(codes: Any) -> list[str]:
    """Language names in the page's language for ISO 639-1 codes (or ``LanguageOut``-like items with ``code``)."""
    return [language_name(getattr(code, "code", code)) for code in codes or ()]


def topic_names(slugs: Any) -> list[str]:
    return [topic_name(slug) for slug in slugs or ()]


def country_names(codes: Any) -> list[str]:
    return [country_name(code) for code in codes or ()]


def back_here(request: Any) -> str:
    """Where the language chooser returns to: this page with its filters (not its one-off notices, such as
    ``done=saved``); the home page after a form was sent."""
    if request.method != "GET":
        return "/"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ONE_OFF_NOTICES]
    path: str = request.url.path
    return path + ("?" + urlencode(kept) if kept else "")


def page_language() -> Any:
    """The language the page is in: ``.tag`` for ``lang=``, ``.direction`` for ``dir=``."""
    return language_of(current_locale())


def environment(directory: Path = TEMPLATES_DIR) -> Environment:
    """A template environment that translates into the current language."""
    env = Environment(loader=FileSystemLoader(directory), autoescape=True, extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext, newstyle=True
    )
    env.globals.update(
        page_language=page_language,
        back_here=back_here,
        interface_languages=list(LOCALES.values()),
        country_name=country_name,
        country_choices=country_choices,
        language_name=language_name,
        topic_name=topic_name,
        label=label,
        label_map=label_map,
        explained=explained,
        why_it_fits=why_it_fits,
        with_names=with_names,
    )
    env.filters.update(
        date=format_date,
        moment=format_moment,
        daterange=format_date_range,
        monthrange=format_month_range,
        number=format_number,
        percent=format_percent_value,
        listing=format_list,
        labels=labels,
        language_names=language_names,
        country_names=country_names,
        topic_names=topic_names,
    )
    return env


def template_engine() -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(environment())
