"""What the topic endpoints read and return."""

from __future__ import annotations

from typing import Annotated

import msgspec

from giveback.text import Name

TopicSlug = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64, description="lower-case-with-hyphens")
]
TopicName = Annotated[Name, msgspec.Meta(min_length=2, max_length=200)]


class TopicOut(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    """The English name (the fallback where a language has none)."""
    retired: bool
    names: dict[str, str] = {}
    """The name in other languages, by catalog name (``es``, ``pt_BR``, ``fr``, ``zh_Hans``, ``ar``)."""
    position: int = 0
    """Where the topic stands in the display order (lower first)."""


class TopicCreate(msgspec.Struct, forbid_unknown_fields=True):
    slug: TopicSlug
    name: TopicName


class TopicUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Rename a topic, or retire it (or bring it back); its slug never changes. ``names`` sets its name in other
    languages (an empty name removes that language's, so the English name shows there)."""

    name: TopicName | None = None
    retired: bool | None = None
    names: dict[str, Annotated[str, msgspec.Meta(max_length=200)]] | None = None
