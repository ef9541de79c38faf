"""What the import endpoints answer: the preview or outcome of an import, and an upload's progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec


class FindingOut(msgspec.Struct, kw_only=True):
    """A problem or warning: ``text`` in English, where it was found, and ``translatable`` (its message and
    values) for a page to show it in the reader's language."""

    text: str
    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""
    translatable: dict[str, Any] = msgspec.field(default_factory=dict)


class SheetOut(msgspec.Struct, kw_only=True):
    sheet: str
    rows: int
    created: int
    updated: int
    unchanged: int


class ImportReport(msgspec.Struct, kw_only=True):
    """Per sheet what is (dry run) or was created, updated and left unchanged; every problem and warning."""

    dry_run: bool
    imported: bool
    files: list[str]
    sheets: list[SheetOut]
    accounts_created: int
    problems: list[FindingOut]
    warnings: list[FindingOut]


class JobOut(msgspec.Struct, kw_only=True):
    id: int
    status: str
    stage: str
    done: int
    total: int
    files: list[str]
    size_bytes: int
    created_at: datetime
    finished_at: datetime | None
    error: str
    report: ImportReport | None


class InvitationsOut(msgspec.Struct, kw_only=True):
    invited: int
    waiting: int
    claimed: int
