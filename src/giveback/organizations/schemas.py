"""What the organization endpoints read and return."""

from __future__ import annotations

import msgspec


class OrganizationOut(msgspec.Struct, kw_only=True):
    """A host organization as the public sees it."""

    id: int
    name: str
    short_name: str
    kind: str
    country: str | None
    country_name: str | None
    region: str | None
    affiliate: bool
    website: str
