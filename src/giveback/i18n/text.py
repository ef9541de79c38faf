"""The page's language (a context variable set per request), gettext, and texts translated when shown."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from markupsafe import Markup, escape

from giveback.i18n.catalogs import translations
from giveback.i18n.locales import DEFAULT_LOCALE

_locale: ContextVar[str] = ContextVar("giveback_locale", default=DEFAULT_LOCALE)


def current_locale() -> str:
    """The language texts are shown in now: the page's (set per request), an e-mail's recipient's, or English."""
    return _locale.get()


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Show texts in this language inside the block (a page, an e-mail to one recipient)."""
    token = _locale.set(locale)
    try:
        yield
    finally:
        _locale.reset(token)


def _format(text: str, params: Mapping[str, Any]) -> str:
    """Fill in the placeholders; like Jinja's, every message is a format string (a literal % is written %%)."""
    return text % {name: translate(value) for name, value in params.items()}


def gettext(message: str, **params: Any) -> str:
    """The message in the current language, with its ``%(name)s`` placeholders filled in."""
    return _format(translations(current_locale()).gettext(message), params)


def ngettext(singular: str, plural: str, num: int, **params: Any) -> str:
    """The singular or plural message (by the language's plural rules) for ``num``; ``%(num)d`` is ``num``."""
    return _format(translations(current_locale()).ngettext(singular, plural, num), {"num": num, **params})


def pgettext(context: str, message: str, **params: Any) -> str:
    """A message whose meaning a context tells apart (``pgettext("trip status", "confirmed")``)."""
    return _format(translations(current_locale()).pgettext(context, message), params)


def npgettext(context: str, singular: str, plural: str, num: int, **params: Any) -> str:
    found = translations(current_locale()).npgettext(context, singular, plural, num)
    return _format(found, {"num": num, **params})


class Text(str):
    """A text to translate. As a ``str`` it is the English text (what logs, the JSON API and tests see); a
    template shows it in the page's language (``__html__``), and :func:`translate` gives it in the current one.
    """

    __slots__ = ("context", "message", "number", "params", "plural")
    message: str
    plural: str | None
    number: int | None
    context: str | None
    params: dict[str, Any]

    def __new__(
        cls,
        message: str,
        *,
        plural: str | None = None,
        count: int | None = None,
        context: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Text:
        values = dict(params or {})
        if plural is not None:
            values.setdefault("num", count)
        source = plural if plural is not None and count != 1 else message
        english = source % {name: str(value) if isinstance(value, Text) else value for name, value in values.items()}
        text = super().__new__(cls, english)
        text.message, text.plural, text.number, text.context, text.params = message, plural, count, context, values
        return text

    def translated(self) -> str:
        """The text in the current language."""
        if self.plural is not None:
            count = int(self.number or 0)
            params = {name: value for name, value in self.params.items() if name != "num"}  # ``num`` is the count
            if self.context:
                return npgettext(self.context, self.message, self.plural, count, **params)
            return ngettext(self.message, self.plural, count, **params)
        if self.context:
            return pgettext(self.context, self.message, **self.params)
        return gettext(self.message, **self.params)

    def __html__(self) -> Markup:
        return escape(self.translated())

    def __reduce__(self) -> Any:
        return (_rebuild, (self.message, self.plural, self.number, self.context, self.params))


def _rebuild(message: str, plural: str | None, count: int | None, context: str | None, params: dict[str, Any]) -> Text:
    return Text(message, plural=plural, count=count, context=context, params=params)


def translate(value: Any) -> Any:
    """A :class:`Text` in the current language; anything else as it is."""
    return value.translated() if isinstance(value, Text) else value


def _(message: str, **params: Any) -> Text:
    """Mark a message for the catalogs; it is translated where it is shown (``%(name)s`` placeholders)."""
    return Text(message, params=params)


def _n(singular: str, plural: str, count: int, **params: Any) -> Text:
    """Mark a message with a plural; ``%(num)d`` is the count."""
    return Text(singular, plural=plural, count=count, params=params)


def _p(context: str, message: str, **params: Any) -> Text:
    """Mark a message whose meaning a context tells apart (the same English word in two senses)."""
    return Text(message, context=context, params=params)


def N_(message: str) -> str:
    """Mark a message for the catalogs where it is defined; it is translated where a :class:`Text` shows it."""
    return message
