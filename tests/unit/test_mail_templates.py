"""Every message's default templates: the three files exist, they render in every language, and in the
pseudo-locale no English word is left that did not come from a catalog (the values aside)."""

from __future__ import annotations

import re

import pytest

from giveback.i18n import PSEUDO_LOCALE, use_locale
from giveback.mail.templating import MESSAGES, check, default_source, render, sample_values

NOT_TEXT = {"Giveback", "https", "http", "giveback", "example", "org", "html", "lang", "dir", "ltr", "charset", "utf"}


def english_words(rendered: str, values: dict[str, object]) -> set[str]:
    text = re.sub(r"<[^>]+>", " ", rendered)
    while True:  # innermost first: a translated text may hold translated values
        stripped = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if stripped == text:
            break
        text = stripped
    data = {word for value in values.values() for word in re.findall(r"[A-Za-z]{2,}", str(value))}
    return {word for word in re.findall(r"[A-Za-z]{2,}", text) if word not in data | NOT_TEXT}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_a_default_renders_in_every_language_and_every_word_comes_from_the_catalogs(name: str) -> None:
    definition = MESSAGES[name]
    source = default_source(name)
    check(definition, source)  # every language, the sample values
    values = sample_values(definition)
    with use_locale(PSEUDO_LOCALE):
        rendered = render(definition, source, values)
    for part in (rendered.subject, rendered.text, rendered.html):
        assert english_words(part, values) == set(), part
    assert '<html lang="en-XA" dir="ltr">' in rendered.html
