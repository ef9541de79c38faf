"""Translations: the page's language, gettext catalogs, and texts that are translated when they are shown.

How to mark a text (see docs/translations.md):

- templates: ``{{ _("Save profile") }}``, ``{{ _("Hello %(name)s", name=user.name) }}``,
  ``{{ ngettext("%(num)d visit", "%(num)d visits", count) }}`` or ``{% trans %}…{% endtrans %}`` blocks;
- Python (services, controllers): ``from giveback.i18n import _`` and ``raise InvalidInput(_("title must not be
  empty"), field="title")``; ``_("unknown topic: %(topic)s", topic=slug)``; ``_n(singular, plural, n)``.
  ``_`` returns a :class:`Text`: a ``str`` whose value is the English text (logs, the JSON API and tests see
  English) and which a template shows translated into the page's language.
"""

from giveback.i18n.locales import DEFAULT_LOCALE, LOCALES, PSEUDO_LOCALE, Language, language_of
from giveback.i18n.text import (
    N_,
    Text,
    _,
    _n,
    current_locale,
    gettext,
    ngettext,
    pgettext,
    translate,
    use_locale,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "N_",
    "PSEUDO_LOCALE",
    "Language",
    "Text",
    "_",
    "_n",
    "current_locale",
    "gettext",
    "language_of",
    "ngettext",
    "pgettext",
    "translate",
    "use_locale",
]
