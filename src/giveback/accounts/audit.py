"""The audit log: who did what to which record, and why (every domain writes through ``audit``)."""

from __future__ import annotations

from giveback.accounts.tables import AuditEvent


async def audit(actor: int | None, action: str, subject_type: str, subject_id: int | None, **details: object) -> None:
    await AuditEvent.insert(
        AuditEvent(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, details=details)
    )
