"""The message catalogs: ``src/giveback/locale/<locale>/LC_MESSAGES/messages.po``, compiled by ``make catalogs``.

A compiled ``.mo`` at least as new as its ``.po`` is loaded; otherwise (a fresh checkout, an image built without
``make catalogs``) the ``.po`` is compiled in memory, so a catalog is never stale. The pseudo-locale is made
from the template ``messages.pot``: every message it lists comes out wrapped and accented.
"""

from __future__ import annotations

import gettext
import re
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from giveback.i18n.locales import DEFAULT_LOCALE, PSEUDO_LOCALE

LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
TEMPLATE: Final = LOCALE_DIR / "messages.pot"
DOMAIN: Final = "messages"


def catalog_path(locale: str, suffix: str = ".po") -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The catalog of a locale (English and unknown locales: the source texts themselves)."""
    if locale == PSEUDO_LOCALE:
        return PseudoTranslations.from_template(TEMPLATE)
    po, mo = catalog_path(locale), catalog_path(locale, ".mo")
    if locale == DEFAULT_LOCALE or not po.exists():
        return NullTranslations()
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as compiled:
            return Translations(compiled, domain=DOMAIN)
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


# Left alone by the pseudo-locale: placeholders (%(name)s, %%), HTML tags and entities.
_KEPT = re.compile(r"%\([a-z_]+\)[sd]|%%|<[^>]*>|&[a-z#0-9]+;")
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÀƁÇĐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def pseudo(text: str) -> str:
    """A text in the pseudo-locale: letters accented, placeholders and markup kept, the whole wrapped in ⟦ ⟧."""
    parts, last = [], 0
    for kept in _KEPT.finditer(text):
        parts.append(text[last : kept.start()].translate(_ACCENTED))
        parts.append(kept.group())
        last = kept.end()
    parts.append(text[last:].translate(_ACCENTED))
    return f"{PSEUDO_OPEN}{''.join(parts)}{PSEUDO_CLOSE}"


class PseudoTranslations(NullTranslations):
    """Translates exactly the messages of the catalog template: a text no catalog lists stays English."""

    def __init__(self, known: set[str]) -> None:
        super().__init__()
        self.known = known

    @classmethod
    def from_template(cls, template: Path) -> PseudoTranslations:
        known: set[str] = set()
        if template.exists():
            with template.open("rb") as source:
                for message in read_po(source):
                    if not message.id:
                        continue
                    ids = tuple(message.id) if isinstance(message.id, tuple | list) else (str(message.id),)
                    known.update(f"{message.context}\x04{i}" if message.context else i for i in ids)
        return cls(known)

    def _pseudo(self, key: str, text: str) -> str:
        return pseudo(text) if key in self.known else text

    def gettext(self, message: str) -> str:
        return self._pseudo(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._pseudo(singular, singular if n == 1 else plural)

    def pgettext(self, context: str, message: str) -> str:
        return self._pseudo(f"{context}\x04{message}", message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._pseudo(f"{context}\x04{singular}", singular if n == 1 else plural)
