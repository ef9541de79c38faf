"""What the personal-data endpoints read."""

from __future__ import annotations

from typing import Annotated

import msgspec


class AccountDeletion(msgspec.Struct, forbid_unknown_fields=True):
    """Confirm the deletion with the current password."""

    password: Annotated[str, msgspec.Meta(max_length=200)]
