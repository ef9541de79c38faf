"""PDF documents from HTML/CSS templates (``templates/documents``): Jinja renders the page in the reader's
language, WeasyPrint lays it out with Debian's Noto fonts (Latin, Arabic, CJK), segno draws the QR code.

A document fetches nothing: the QR code is inlined as a data URI and every other URL is refused, so a text typed
by a person (a host's purpose of the visit) can never make the server load a resource.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from pathlib import Path
from typing import Any

import segno
from jinja2 import Environment, FileSystemLoader

from giveback.errors import Unavailable
from giveback.i18n import current_locale, language_of, use_locale
from giveback.i18n.catalogs import translations
from giveback.i18n.formatting import country_name, format_date, format_date_range, format_list, format_number
from giveback.i18n.labels import label

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # seven lines a document otherwise

DOCUMENT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "documents"


def _gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def _pgettext(context: str, message: str) -> str:
    return translations(current_locale()).pgettext(context, message)


def _npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).npgettext(context, singular, plural, n)


@cache
def environment() -> Environment:
    """The documents' templates, translated into the current language like the pages."""
    env = Environment(loader=FileSystemLoader(DOCUMENT_TEMPLATES), autoescape=True, extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext, newstyle=True
    )
    env.globals.update(label=label, country_name=country_name, language=lambda: language_of(current_locale()))
    env.filters.update(
        date=format_date,
        daterange=format_date_range,
        listing=format_list,
        number=format_number,
        provision=lambda code: label("provision", code),
    )
    return env


def qr_code(url: str) -> str:
    """A QR code of the URL as an SVG data URI (medium error correction: still read from a creased print)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def render_html(template: str, locale: str, **context: Any) -> str:
    """The document's HTML in ``locale``."""
    with use_locale(locale):
        return environment().get_template(template).render(**context)


@cache
def _weasyprint() -> Any:
    """WeasyPrint, imported on first use: it loads Debian's Pango (``libpango-1.0-0``), which a machine that
    issues no documents may lack (the rest of the platform runs without it)."""
    try:
        import weasyprint
    except (ImportError, OSError) as missing:
        raise Unavailable(
            f"documents cannot be made here: WeasyPrint needs Pango and the Noto fonts ({missing})", field="document"
        ) from None
    return weasyprint


def available() -> bool:
    """Whether this machine can lay out documents."""
    try:
        _weasyprint()
    except Unavailable:
        return False
    return True


def _write_pdf(html: str) -> bytes:
    weasyprint = _weasyprint()
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"data"})
    pdf: bytes = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf


async def render_pdf(template: str, locale: str, **context: Any) -> bytes:
    """The document as PDF bytes; the layout (CPU work, about a second: benchmarks/documents_bench.py) runs off the
    event loop."""
    _weasyprint()
    return await asyncio.to_thread(_write_pdf, render_html(template, locale, **context))
