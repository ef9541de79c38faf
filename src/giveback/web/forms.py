"""HTML forms: turn posted fields into a typed struct, or into messages shown next to each field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec
from litestar.response import Redirect, Template

from giveback.errors import DomainError
from giveback.i18n import Text, _
from giveback.text import NAME_PATTERN
from giveback.web.errors import status_of

T = TypeVar("T", bound=msgspec.Struct)
_PATH = re.compile(r" - at `\$\.([A-Za-z_]+)[^`]*`")
_UNKNOWN_FIELD = re.compile(r"Object contains unknown field `([^`]+)`")
_PLAIN_WORDS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], Text]]] = [
    (re.compile(r"Expected `str` of length >= (\d+)"), lambda m: _("must be at least %(num)s characters", num=m[1])),
    (re.compile(r"Expected `str` of length <= (\d+)"), lambda m: _("must be at most %(num)s characters", num=m[1])),
    (
        re.compile(re.escape(f"Expected `str` matching regex {NAME_PATTERN!r}")),
        lambda m: _("must be one line without control characters or text-direction overrides"),
    ),
    (re.compile(r"Expected `str` matching regex .*"), lambda m: _("is not in the expected form")),
    (re.compile(r"Expected `int` >= (\d+)"), lambda m: _("must be at least %(num)s", num=m[1])),
    (re.compile(r"Expected `int` <= (\d+)"), lambda m: _("must be at most %(num)s", num=m[1])),
    (re.compile(r"Expected `array` of length >= 1"), lambda m: _("choose at least one")),
    (re.compile(r"Expected `int`, got `.*`"), lambda m: _("must be a whole number")),
    (re.compile(r"Expected `date`, got `.*`|Invalid RFC3339 encoded date"), lambda m: _("give a date as YYYY-MM-DD")),
    (re.compile(r"Object missing required field `.*`"), lambda m: _("is required")),
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
        return unknown.group(1), _("is not a field of this form")
    match = _PATH.search(message)
    field = match.group(1) if match else "form"
    text = _PATH.sub("", message).strip()
    for pattern, words in _PLAIN_WORDS:
        matched = pattern.fullmatch(text)
        if matched:
            return field, words(matched)
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


def same_site_path(path: str, fallback: str = "/") -> str:
    """Only a path of this site: ``//evil.example`` or ``https://…`` would send the person elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else fallback


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)
