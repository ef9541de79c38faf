"""HTML forms: turn posted fields into a typed struct, or into messages shown next to each field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec
from litestar.response import Redirect, Template

from giveback.errors import DomainError, InvalidInput
from giveback.i18n import Text, _
from giveback.i18n.formatting import country_code, language_code
from giveback.text import NAME_PATTERN
from giveback.web.errors import status_of

T = TypeVar("T", bound=msgspec.Struct)
_PATH = re.compile(r" - at `\$[^`]*`")
_FIELD_PATH = re.compile(r" - at `\$\.([A-Za-z_]+)[^`]*`")
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `([^`]+)`")
# msgspec's rule (its message without the path) → the words a person reads; the first pattern that matches wins.
_PLAIN_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Text]]] = [
    (re.compile(r"Expected `str` of length >= 1|Expected `str`, got `null`"), lambda m: _("Fill this in")),
    (re.compile(r"Expected `str` of length >= (\d+)"), lambda m: _("Enter at least %(num)s characters", num=m[1])),
    (re.compile(r"Expected `str` of length <= (\d+)"), lambda m: _("Enter at most %(num)s characters", num=m[1])),
    (
        re.compile(re.escape(f"Expected `str` matching regex {NAME_PATTERN!r}")),
        lambda m: _("Enter one line, without control characters or text-direction marks"),
    ),
    (
        re.compile(r"Expected `str` matching regex '.*@.*'"),
        lambda m: _("Enter an e-mail address such as name@example.org"),
    ),
    (re.compile(r"Expected `str` matching regex .*"), lambda m: _("This is not in the expected form")),
    (re.compile(r"Expected `int` >= (\d+)"), lambda m: _("Enter a number of at least %(num)s", num=m[1])),
    (re.compile(r"Expected `int` <= (\d+)"), lambda m: _("Enter a number of at most %(num)s", num=m[1])),
    (re.compile(r"Expected `(array|object)` of length >= 1"), lambda m: _("Choose at least one")),
    (re.compile(r"Expected `(array|object)` of length <= (\d+)"), lambda m: _("Choose at most %(num)s", num=m[2])),
    (re.compile(r"Expected `int`, got `.*`"), lambda m: _("Enter a whole number")),
    (re.compile(r"Expected `date`, got `.*`|Invalid RFC3339 encoded date"), lambda m: _("Enter a date")),
    (
        re.compile(r"Expected `datetime`, got `.*`|Invalid RFC3339 encoded datetime"),
        lambda m: _("Enter a date and time"),
    ),
    (re.compile(r"Invalid enum value .*|Expected `str`, got `.*`"), lambda m: _("Choose one of the options")),
    (re.compile(r"Expected `bool`, got `.*`"), lambda m: _("Tick the box or leave it empty")),
    (re.compile(r"Object missing required field `.*`"), lambda m: _("Fill this in")),
]


class FormInvalid(Exception):
    """The form's fields break rules: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def parse(
    struct: type[T],
    fields: Mapping[str, Any],
    *,
    refused: Mapping[str, str] | None = None,
    messages: Mapping[str, str] | None = None,
) -> T:
    """Convert form fields to the struct the API takes, with the same rules; ``FormInvalid`` with every broken field.

    Each field is checked on its own, so a form with five wrong answers hears of all five. ``refused`` holds the
    messages of fields the form itself could not read (a name not in a list); ``messages`` replaces the generic
    words for a field ("Choose a team of 1 to 4 people").
    """
    errors: dict[str, str] = dict(refused or {})
    known = {info.name: info for info in msgspec.structs.fields(struct)}
    for name in fields:
        if name not in known:
            errors.setdefault(name, _("This is not a field of this form"))
    for name, info in known.items():
        if name in errors:
            continue
        if name not in fields:
            if info.required:
                errors[name] = (messages or {}).get(name) or _("Fill this in")
            continue
        try:
            msgspec.convert(fields[name], info.type, strict=False)
        except msgspec.ValidationError as problem:
            errors[name] = (messages or {}).get(name) or plain_words(str(problem))
    if errors:
        raise FormInvalid(errors)
    try:
        return msgspec.convert({k: v for k, v in fields.items() if k not in (refused or {})}, struct, strict=False)
    except msgspec.ValidationError as problem:
        raise FormInvalid(dict([explain(str(problem))])) from None


def plain_words(message: str) -> str:
    """msgspec's message for one value in words a person reads ("Enter a date"); the message if none fits."""
    text = _PATH.sub("", message).strip()
    for pattern, words in _PLAIN_WORDS:
        matched = pattern.fullmatch(text)
        if matched:
            return words(matched)
    return text


def explain(message: str) -> tuple[str, str]:
    """A validation message as (field, words a person reads), e.g. ("password", "Enter at least 12 characters")."""
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        return unknown.group(1), _("This is not a field of this form")
    match = _FIELD_PATH.search(message)
    return (match.group(1) if match else "form"), plain_words(message)


def form_fields(form: Any, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A posted form as a dict: one value per field, all values for the fields named in ``lists``."""
    fields: dict[str, Any] = {key: form.get(key) for key in form if key != "csrf_token"}
    for name in lists:
        fields[name] = [value for value in form.getall(name) if value] if name in form else []
    return fields


def picked_codes(form: Any, name: str, kind: str) -> tuple[list[str], list[str], str | None]:
    """The codes of the names picked in a list field (``kind`` "language" or "country"; one input per choice, or
    names separated by commas), the texts as typed (to show again), and the message if one names nothing known."""
    typed = [str(v).strip() for v in (form.getall(name) if name in form else []) if v and str(v).strip()]
    texts = [part.strip() for value in typed for part in value.split(",") if part.strip()]
    lookup = language_code if kind == "language" else country_code
    codes = [lookup(text) for text in texts]
    unknown = [text for text, code in zip(texts, codes, strict=True) if code is None]
    problem = None
    if unknown and kind == "language":
        problem = _("Choose a language from the list: “%(typed)s” is not one of them", typed=unknown[0])
    elif unknown:
        problem = _("Choose a country from the list: “%(typed)s” is not one of them", typed=unknown[0])
    return list(dict.fromkeys(code for code in codes if code)), texts, problem


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template, context=context, status_code=status_code)


def form_error_page(template: str, problem: Exception, **context: Any) -> Template:
    """Re-render a form with the messages of a refused submission next to their fields."""
    errors = problems_of(problem)
    status = status_of(problem) if isinstance(problem, DomainError) else 400
    return Template(template, context={**context, "errors": errors}, status_code=status)


def problems_of(problem: Exception) -> dict[str, str]:
    """Every field a refused submission broke, with its message (``form`` for the form as a whole)."""
    if isinstance(problem, FormInvalid):
        return problem.errors
    if isinstance(problem, InvalidInput):
        return problem.problems
    if isinstance(problem, DomainError):
        return {problem.field or "form": problem.message}
    raise problem


def same_site_path(path: str, fallback: str = "/") -> str:
    """Only a path of this site: ``//evil.example`` or ``https://…`` would send the person elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else fallback


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)
