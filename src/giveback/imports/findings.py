"""Problems (which stop an import) and warnings (which do not), each naming where it was found."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from giveback.imports.values import BadValue


@dataclass(frozen=True)
class Finding:
    """``volunteers row 7, languages: "Spanglish" is not a language``; sheet, row and column when known."""

    message: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def text(self) -> str:
        where = self.sheet
        if self.row is not None:
            where = f"{where} row {self.row}".strip()
        if self.column:
            where = f"{where}, {self.column}" if where else self.column
        return f"{where}: {self.message}" if where else self.message


@dataclass
class Findings:
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def problem(self, message: str, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.problems.append(Finding(message, sheet, row, column))

    def warning(self, message: str, sheet: str = "", row: int | None = None, column: str = "") -> None:
        self.warnings.append(Finding(message, sheet, row, column))

    @contextmanager
    def cell(self, sheet: str, row: int, column: str) -> Iterator[None]:
        """Record a ``BadValue`` raised inside as a problem of this cell."""
        try:
            yield
        except BadValue as bad:
            self.problem(bad.message, sheet, row, column)
