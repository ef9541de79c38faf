"""Problems (which stop an import) and warnings (which do not), each naming where it was found."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from giveback.i18n import N_, Text, _
from giveback.imports.values import BadValue

ROW_AND_COLUMN = N_("%(sheet)s row %(row)d, %(column)s: %(problem)s")
ROW_ONLY = N_("%(sheet)s row %(row)d: %(problem)s")
COLUMN_ONLY = N_("%(sheet)s, %(column)s: %(problem)s")


@dataclass(frozen=True)
class Finding:
    """``volunteers row 7, languages: "Spanglish" is not a language``; sheet, row and column when known."""

    message: Text
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def text(self) -> Text:
        """Where and what, e.g. ``volunteers row 7, languages: …`` (a file's own problem has no where)."""
        if self.row is not None and self.column:
            return _(ROW_AND_COLUMN, sheet=self.sheet, row=self.row, column=self.column, problem=self.message)
        if self.row is not None:
            return _(ROW_ONLY, sheet=self.sheet, row=self.row, problem=self.message)
        if self.column:
            return _(COLUMN_ONLY, sheet=self.sheet, column=self.column, problem=self.message)
        return self.message


def text_data(text: Text) -> dict[str, Any]:
    """A text as stored with a report (its message and values), so that a page shows it in its own language."""
    params = {name: text_data(value) if isinstance(value, Text) else value for name, value in text.params.items()}
    return {"message": text.message, "params": params}


def text_from(data: dict[str, Any]) -> Text:
    params = {
        name: text_from(value) if isinstance(value, dict) and "message" in value else value
        for name, value in (data.get("params") or {}).items()
    }
    return Text(str(data.get("message", "")), params=params)


@dataclass
class Findings:
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def problem(self, message: Text, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.problems.append(Finding(message, sheet, row, column))

    def warning(self, message: Text, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.warnings.append(Finding(message, sheet, row, column))

    @contextmanager
    def cell(self, sheet: str, row: int, column: str) -> Iterator[None]:
        """Record a ``BadValue`` raised inside as a problem of this cell."""
        try:
            yield
        except BadValue as bad:
            self.problem(bad.message, sheet, row, column)
