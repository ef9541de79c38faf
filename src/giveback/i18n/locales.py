"""The languages the platform speaks, and how a request's language is chosen among them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

DEFAULT_LOCALE: Final = "en"
PSEUDO_LOCALE: Final = "en_XA"
"""Every message wrapped and accented (``⟦Ŝàṽé⟧``): shows at a glance, and to a test, any text no catalog holds."""


@dataclass(frozen=True)
class Language:
    """A language of the interface: its catalog folder (``pt_BR``), its BCP 47 tag for ``lang=`` and
    ``Content-Language`` (``pt-BR``), its own name, its writing direction and pycountry's catalog name."""

    locale: str
    tag: str
    endonym: str
    direction: str = "ltr"
    iso_catalog: str = ""

    @property
    def babel_locale(self) -> str:
        """The locale Babel formats dates and numbers with (the pseudo-locale formats as English)."""
        return DEFAULT_LOCALE if self.locale == PSEUDO_LOCALE else self.locale


LOCALES: Final[dict[str, Language]] = {
    language.locale: language
    for language in (
        Language("en", "en", "English"),
        Language("es", "es", "Español", iso_catalog="es"),
        Language("pt_BR", "pt-BR", "Português (Brasil)", iso_catalog="pt_BR"),
        Language("fr", "fr", "Français", iso_catalog="fr"),
        Language("zh_Hans", "zh-Hans", "中文（简体）", iso_catalog="zh_CN"),
        Language("ar", "ar", "العربية", direction="rtl", iso_catalog="ar"),
    )
}
PSEUDO: Final = Language(PSEUDO_LOCALE, "en-XA", "⟦Ƥšéûđö⟧")

# Tags a browser sends that mean one of the languages above, besides the language's own tag.
_ALIASES: Final = {
    "zh": "zh_Hans",
    "zh-cn": "zh_Hans",
    "zh-sg": "zh_Hans",
    "zh-my": "zh_Hans",
    "zh-hans-cn": "zh_Hans",
    "pt": "pt_BR",
}


def language_of(locale: str | None) -> Language:
    """The language of a locale name (``pt_BR``), the default for an unknown one."""
    if locale == PSEUDO_LOCALE:
        return PSEUDO
    return LOCALES.get(locale or "", LOCALES[DEFAULT_LOCALE])


def known(locale: str | None, *, pseudo: bool = False) -> str | None:
    """The locale itself if the platform speaks it (the pseudo-locale only when enabled), else None."""
    if locale in LOCALES or (pseudo and locale == PSEUDO_LOCALE):
        return locale
    return None


def from_tag(tag: str, *, pseudo: bool = False) -> str | None:
    """The locale a language tag asks for: exact (``pt-BR``), an alias (``zh-CN``), or by its language (``es-AR``).

    Traditional Chinese (``zh-TW``, ``zh-Hant``) matches nothing: simplified characters are not what it asks for.
    """
    wanted = tag.strip().replace("_", "-").lower()
    if not wanted or wanted == "*":
        return None
    if pseudo and wanted == PSEUDO.tag.lower():
        return PSEUDO_LOCALE
    for language in LOCALES.values():
        if language.tag.lower() == wanted:
            return language.locale
    if wanted in _ALIASES:
        return _ALIASES[wanted]
    primary = wanted.split("-", 1)[0]
    if primary == "zh":
        return "zh_Hans" if "hans" in wanted.split("-") or wanted.endswith(("-cn", "-sg")) else None
    if primary in _ALIASES:
        return _ALIASES[primary]
    return primary if primary in LOCALES else None


def negotiate(accept_language: str, *, pseudo: bool = False) -> str | None:
    """The best locale for an ``Accept-Language`` header (by its q-values, first listed first), or None."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:32]):
        tag, _, parameters = part.partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            choices.append((-quality, position, tag))
    for _, _, tag in sorted(choices):
        locale = from_tag(tag, pseudo=pseudo)
        if locale:
            return locale
    return None
