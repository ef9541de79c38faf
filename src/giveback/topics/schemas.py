"""What the topic endpoints read and return."""

from __future__ import annotations

from typing import Annotated

import msgspec

TopicSlug = Annotated[
    str, msgspec.Meta(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64, description="lower-case-with-hyphens")
]
TopicName = Annotated[str, msgspec.Meta(min_length=2, max_length=200)]


class TopicOut(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    retired: bool
    position: int = 0
    """Where the topic stands in the display order (lower first)."""


class TopicCreate(msgspec.Struct, forbid_unknown_fields=True):
    slug: TopicSlug
    name: TopicName


class TopicUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Rename a topic, or retire it (or bring it back); its slug never changes."""

    name: TopicName | None = None
    retired: bool | None = None
