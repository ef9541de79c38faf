"""What the topic endpoints return."""

from __future__ import annotations

import msgspec


class TopicOut(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    retired: bool
