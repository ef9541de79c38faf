"""What the communications API takes and answers."""

from __future__ import annotations

from typing import Annotated

import msgspec

from giveback.mail.templating import LONGEST_PART

Part = Annotated[str, msgspec.Meta(max_length=LONGEST_PART)]


class TemplateIn(msgspec.Struct, forbid_unknown_fields=True):
    """A message's three templates (Jinja; see docs/communications.md)."""

    subject: Annotated[str, msgspec.Meta(min_length=1, max_length=LONGEST_PART)]
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=LONGEST_PART)]
    html: Annotated[str, msgspec.Meta(min_length=1, max_length=LONGEST_PART)]


class PlaceholderOut(msgspec.Struct):
    name: str
    meaning: str


class MessageOut(msgspec.Struct):
    """A message the platform sends; ``optional``: a person may turn it off. ``stored``: the languages a
    coordinator's version exists for (``all``: every language)."""

    name: str
    title: str
    category: str
    optional: bool
    stored: list[str]
    placeholders: list[PlaceholderOut]


class TemplateOut(msgspec.Struct):
    """The templates a message in one language is made from; ``origin``: ``language`` (its own version),
    ``every-language`` (the version for every language) or ``default`` (the repository's)."""

    message: str
    language: str
    origin: str
    subject: str
    text: str
    html: str


class PreviewOut(msgspec.Struct):
    """A message as it would go out now, made with a real trip and the caller as the reader."""

    subject: str
    text: str
    html: str


class NoticeChoice(msgspec.Struct):
    message: str
    title: str
    by_email: bool


class NoticeChoicesIn(msgspec.Struct, forbid_unknown_fields=True):
    """For each notice named, whether it comes by e-mail (names left out keep their choice)."""

    notices: dict[str, bool]
