"""Reading what a coordinator hands in: one ``.xlsx`` workbook, ``.csv`` files named after their sheets, or a
``.zip`` of those, into rows of cells per known sheet.

Workbooks are read with python-calamine (its Rust reader takes a large workbook in about a second); where a
sheet holds formulas, openpyxl finds the cells. Formula cells, error cells, encrypted and damaged files are
reported here, before anything is checked.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from giveback.i18n import _
from giveback.imports.findings import Findings
from giveback.imports.format import (
    MAX_FILE_BYTES,
    MAX_ROWS_PER_SHEET,
    MAX_UNPACKED_BYTES,
    QUIET_SHEETS,
    SHEET_NAMES,
    SHEETS_BY_NAME,
)
from giveback.imports.values import Cell, text

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
CSV_ESCAPED = ("'=", "'+", "'-", "'@")
Progress = Callable[[int], None]


@dataclass
class Row:
    number: int  # as the spreadsheet shows it
    cells: dict[str, Cell]  # column name -> value; empty cells are None


@dataclass
class Sheet:
    name: str
    source: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class Upload:
    """What was read: the known sheets by name, and what was found on the way."""

    sheets: dict[str, Sheet] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)

    @property
    def row_count(self) -> int:
        return sum(len(sheet.rows) for sheet in self.sheets.values())


def column_key(name: Cell) -> str:
    """A header as the format names it: case, surrounding spaces, inner spaces and hyphens ignored."""
    return re.sub(r"[\s\-]+", "_", text(name).strip().lower())


def _sheet_key(name: str) -> str:
    return name.strip().lower()


def size_words(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def read_files(files: list[tuple[str, bytes]], progress: Progress | None = None) -> Upload:
    """Read every file handed in together; problems with the files themselves end up in ``findings``."""
    upload = Upload()
    found = upload.findings
    total = sum(len(content) for _, content in files)
    if not files or total == 0:
        found.problem(_("the file is empty: there is nothing to import"))
        return upload
    if total > MAX_FILE_BYTES:
        found.problem(
            _(
                "the file is %(size)s; the limit is %(limit)s: split it, or leave out sheets already imported",
                size=size_words(total),
                limit=size_words(MAX_FILE_BYTES),
            )
        )
        return upload
    for filename, content in files:
        _read_file(upload, filename, content, progress)
    if not found.problems and not upload.sheets:
        found.problem(
            _(
                "no sheet the import knows was found; name the sheets (or the .csv files) %(sheets)s",
                sheets=", ".join(SHEET_NAMES),
            )
        )
    elif not found.problems and upload.row_count == 0:
        found.problem(_("the known sheets hold no rows under their column names: there is nothing to import"))
    return upload


def _read_file(upload: Upload, filename: str, content: bytes, progress: Progress | None) -> None:
    found = upload.findings
    label = PurePosixPath(filename.replace("\\", "/")).name or "the file"
    if not content:
        found.problem(_("%(file)s is empty", file=label))
    elif content.startswith(OLE2_MAGIC):
        if ENCRYPTED_PACKAGE in content:
            found.problem(
                _(
                    "%(file)s is protected with a password: the import cannot open it. Remove the password (in "
                    "Excel: File, Info, Protect Workbook, Encrypt with Password, clear it), save and upload again",
                    file=label,
                )
            )
        else:
            found.problem(
                _("%(file)s is an old Excel 97-2003 workbook (.xls): save it as .xlsx and upload again", file=label)
            )
    elif content.startswith(ZIP_MAGIC):
        _read_zip(upload, label, content, progress)
    elif label.lower().endswith((".xlsx", ".xlsm", ".zip")):
        found.problem(
            _("%(file)s is damaged or not what its name says: it is not a readable workbook or zip file", file=label)
        )
    else:
        _read_csv(upload, label, content, progress)


def _unpacked_size_ok(upload: Upload, label: str, archive: zipfile.ZipFile) -> bool:
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        upload.findings.problem(
            _(
                "%(file)s unpacks to %(size)s, more than the %(limit)s allowed",
                file=label,
                size=size_words(unpacked),
                limit=size_words(MAX_UNPACKED_BYTES),
            )
        )
        return False
    return True


def _read_zip(upload: Upload, label: str, content: bytes, progress: Progress | None) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        upload.findings.problem(_("%(file)s is damaged: it is not a readable workbook or zip file", file=label))
        return
    with archive:
        if not _unpacked_size_ok(upload, label, archive):
            return
        if "[Content_Types].xml" in names:
            _read_workbook(upload, label, content, progress)
            return
        for name in names:
            path = PurePosixPath(name)
            if name.endswith("/") or path.name.startswith(".") or "__MACOSX" in path.parts:
                continue
            if path.suffix.lower() != ".csv":
                upload.findings.warning(
                    _("%(file)s: %(name)s is not a .csv file and was ignored", file=label, name=name)
                )
                continue
            try:
                data = archive.read(name)
            except (zipfile.BadZipFile, OSError, RuntimeError):
                upload.findings.problem(
                    _(
                        "%(file)s: %(name)s cannot be unpacked (damaged, or protected with a password)",
                        file=label,
                        name=name,
                    )
                )
                continue
            _read_csv(upload, f"{label}: {path.name}", data, progress, filename=path.name)


def _add_sheet(upload: Upload, name: str, source: str) -> bool:
    """Take the sheet if the format knows it (once); warn about others."""
    key = _sheet_key(name)
    if key in SHEETS_BY_NAME:
        if key in upload.sheets:
            upload.findings.problem(
                _(
                    "%(source)s: the sheet %(sheet)s is given twice (also %(other)s); keep one",
                    source=source,
                    sheet=key,
                    other=upload.sheets[key].source,
                )
            )
            return False
        upload.sheets[key] = Sheet(name=key, source=source, columns=[])
        return True
    if key not in QUIET_SHEETS:
        upload.findings.warning(
            _('%(source)s: "%(name)s" is not a sheet the import knows and was ignored', source=source, name=name)
        )
    return False


def _header(upload: Upload, sheet: Sheet, number: int, values: list[Cell]) -> list[str]:
    """The sheet's column names; unknown ones are warned about, repeated and missing required ones are problems."""
    spec = SHEETS_BY_NAME[sheet.name]
    columns = [column_key(value) for value in values]
    seen: set[str] = set()
    for column in columns:
        if not column:
            continue
        if column in seen:
            upload.findings.problem(_("this column name is used twice"), sheet.name, number, column)
        elif column not in spec.column_names:
            upload.findings.warning(_("not a column of this sheet: ignored"), sheet.name, number, column)
        seen.add(column)
    for required in spec.required:
        if required not in seen:
            upload.findings.problem(_("this required column is missing"), sheet.name, None, required)
    sheet.columns = columns
    return columns


def _add_row(upload: Upload, sheet: Sheet, number: int, columns: list[str], values: list[Cell]) -> None:
    spec_columns = SHEETS_BY_NAME[sheet.name].column_names
    cells: dict[str, Cell] = {}
    for index, value in enumerate(values):
        if index < len(columns) and columns[index] in spec_columns and columns[index] not in cells:
            cells[columns[index]] = None if value is None or (isinstance(value, str) and not value.strip()) else value
    if any(value is not None for value in cells.values()):
        if len(sheet.rows) >= MAX_ROWS_PER_SHEET:
            if len(sheet.rows) == MAX_ROWS_PER_SHEET:
                upload.findings.problem(
                    _("more than %(limit)d rows: split the sheet", limit=MAX_ROWS_PER_SHEET), sheet.name, number
                )
                sheet.rows.append(Row(number, {}))
            return
        sheet.rows.append(Row(number, cells))


# --- .xlsx ---------------------------------------------------------------------------------------------------

EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!"})


def _read_workbook(upload: Upload, label: str, content: bytes, progress: Progress | None) -> None:
    """Values come from python-calamine (fast); where a sheet holds formulas, openpyxl says which cells."""
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:  # calamine raises its own errors (zip, XML) for a damaged file
        upload.findings.problem(_("%(file)s is damaged: it is not a readable .xlsx workbook", file=label))
        return
    try:
        formulas = _formula_cells(content) if _has_formulas(content) else {}
        for title in workbook.sheet_names:
            if _add_sheet(upload, title, f'{label}, sheet "{title}"'):
                rows = workbook.get_sheet_by_name(title).to_python(skip_empty_area=False)
                _read_rows(upload, upload.sheets[_sheet_key(title)], rows, formulas.get(title, {}), progress)
    except Exception:
        upload.findings.problem(_("%(file)s is damaged: part of it cannot be read", file=label))
    finally:
        workbook.close()


def _has_formulas(content: bytes) -> bool:
    """Whether any worksheet of the workbook holds a formula (an ``<f>`` element), before reading it cell by cell."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                data = archive.read(name)
                if b"<f>" in data or b"<f " in data or b":f>" in data or b":f " in data:
                    return True
    return False


def _formula_cells(content: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Per sheet title, the formula of each formula cell by (row, column), both counted from 1."""
    from openpyxl import load_workbook

    found: dict[str, dict[tuple[int, int], str]] = {}
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    try:
        for worksheet in workbook.worksheets:
            if _sheet_key(worksheet.title) not in SHEETS_BY_NAME:
                continue
            cells = found.setdefault(worksheet.title, {})
            for row in worksheet.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", "") == "f":
                        cells[(cell.row, cell.column)] = str(getattr(cell.value, "text", cell.value))
    finally:
        workbook.close()
    return found


def _read_rows(
    upload: Upload,
    sheet: Sheet,
    rows: list[list[Any]],
    formulas: dict[tuple[int, int], str],
    progress: Progress | None,
) -> None:
    columns: list[str] | None = None
    known = SHEETS_BY_NAME[sheet.name].column_names
    for number, raw in enumerate(rows, start=1):
        values: list[Cell] = list(raw)
        if columns is not None:
            for index, value in enumerate(values):
                column = columns[index] if index < len(columns) else ""
                formula = formulas.get((number, index + 1))
                if column not in known:
                    continue
                if formula is not None:
                    upload.findings.problem(
                        _(
                            "holds a formula (%(formula)s); the import reads values only: paste the value instead "
                            "(copy, then Paste Special, Values)",
                            formula=formula,
                        ),
                        sheet.name,
                        number,
                        column,
                    )
                    values[index] = None
                elif isinstance(value, str) and value in EXCEL_ERRORS:
                    upload.findings.problem(
                        _("holds the spreadsheet error %(error)s", error=value), sheet.name, number, column
                    )
                    values[index] = None
        elif any(value is not None and text(value) for value in values):
            columns = _header(upload, sheet, number, values)
            continue
        else:
            continue
        _add_row(upload, sheet, number, columns, values)
        if progress is not None and number % 1000 == 0:
            progress(1000)


# --- .csv -------------------------------------------------------------------------------------------------------


def _decode(upload: Upload, label: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        upload.findings.warning(
            _(
                "%(file)s is not UTF-8: it was read as Windows-1252; if names look wrong, save it as CSV UTF-8",
                file=label,
            )
        )
        return data.decode("cp1252", errors="replace")


def _unescape(value: str) -> str:
    """A cell the export protected against spreadsheet formulas (a leading ') as it was."""
    return value[1:] if value.startswith(CSV_ESCAPED) else value


def _read_csv(
    upload: Upload, label: str, data: bytes, progress: Progress | None, *, filename: str | None = None
) -> None:
    stem = PurePosixPath(filename or label).stem
    if _sheet_key(stem) not in SHEETS_BY_NAME:
        upload.findings.warning(
            _(
                "%(file)s: a .csv file is read as the sheet its name gives (%(sheets)s); this one was ignored",
                file=label,
                sheets=", ".join(SHEET_NAMES),
            )
        )
        return
    if not data.strip():
        return
    if not _add_sheet(upload, stem, label):
        return
    sheet = upload.sheets[_sheet_key(stem)]
    content = _decode(upload, label, data)
    first_line = content.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    columns: list[str] | None = None
    try:
        for number, record in enumerate(csv.reader(io.StringIO(content, newline=""), delimiter=delimiter), start=1):
            values: list[Cell] = [_unescape(value) for value in record]
            if columns is None:
                if any(value.strip() for value in record):
                    columns = _header(upload, sheet, number, values)
                continue
            _add_row(upload, sheet, number, columns, values)
            if progress is not None and number % 1000 == 0:
                progress(1000)
    except csv.Error as error:
        upload.findings.problem(_("%(file)s cannot be read as CSV (%(error)s)", file=label, error=str(error)))
