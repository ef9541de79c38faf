"""The audit log: who did what to which record, and why (every domain writes through ``audit``).

A change made by a script with an API token records the token's id (``api_token``) beside its owner.
"""

from __future__ import annotations

from contextvars import ContextVar

from giveback.accounts.tables import AuditEvent

acting_token: ContextVar[int | None] = ContextVar("giveback_acting_token", default=None)
"""The API token the current request came with (set by the web layer), or None."""


async def audit(actor: int | None, action: str, subject_type: str, subject_id: int | None, **details: object) -> None:
    token = acting_token.get()
    if token is not None:
        details.setdefault("api_token", token)
    await AuditEvent.insert(
        AuditEvent(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, details=details)
    )
