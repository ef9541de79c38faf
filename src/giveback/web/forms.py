"""HTML forms: turn posted fields into a typed struct, or into messages shown next to each field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec
from litestar.response import Redirect, Template

from giveback.errors import DomainError
from giveback.text import NAME_PATTERN, NAME_RULE
from giveback.web.errors import status_of

T = TypeVar("T", bound=msgspec.Struct)
_PATH = re.compile(r" - at `\$\.([A-Za-z_]+)[^`]*`")
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `([^`]+)`")
_PLAIN_WORDS = [
    (re.compile(r"Expected `str` of length >= (\d+)"), r"must be at least \1 characters"),
    (re.compile(r"Expected `str` of length <= (\d+)"), r"must be at most \1 characters"),
    (re.compile(re.escape(f"Expected `str` matching regex {NAME_PATTERN!r}")), NAME_RULE),
    (re.compile(r"Expected `str` matching regex .*"), "is not in the expected form"),
    (re.compile(r"Expected `int` >= (\d+)"), r"must be at least \1"),
    (re.compile(r"Expected `int` <= (\d+)"), r"must be at most \1"),
    (re.compile(r"Expected `array` of length >= 1"), "choose at least one"),
]


class FormInvalid(Exception):
    """The form's fields break rules: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def parse(struct: type[T], fields: Mapping[str, Any]) -> T:
    """Convert form fields to the struct the API takes, with the same rules (``FormInvalid`` if broken)."""
    try:
        return msgspec.convert(dict(fields), struct, strict=False)
    except msgspec.ValidationError as problem:
        raise FormInvalid(dict([explain(str(problem))])) from None


def explain(message: str) -> tuple[str, str]:
    """A validation message as (field, words a person reads), e.g. ("password", "must be at least 12 characters")."""
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        return unknown.group(1), "is not a field of this form"
    match = _PATH.search(message)
    field = match.group(1) if match else "form"
    text = _PATH.sub("", message).strip()
    for pattern, words in _PLAIN_WORDS:
        if pattern.fullmatch(text):
            return field, pattern.sub(words, text)
    return field, text


def form_fields(form: Any, *, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """A posted form as a dict: one value per field, all values for the fields named in ``lists``."""
    fields: dict[str, Any] = {key: form.get(key) for key in form if key != "csrf_token"}
    for name in lists:
        fields[name] = [value for value in form.getall(name) if value] if name in form else []
    return fields


def page(template: str, status_code: int = 200, **context: Any) -> Template:
    return Template(template, context=context, status_code=status_code)


def form_error_page(template: str, problem: Exception, **context: Any) -> Template:
    """Re-render a form with the messages of a refused submission next to their fields."""
    if isinstance(problem, FormInvalid):
        errors = problem.errors
    elif isinstance(problem, DomainError):
        errors = {problem.field or "form": problem.message}
    else:
        raise problem
    status = status_of(problem) if isinstance(problem, DomainError) else 400
    return Template(template, context={**context, "errors": errors}, status_code=status)


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)
