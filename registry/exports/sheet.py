"""Spreadsheets in and out for bulk work: read an uploaded XLSX or CSV safely, write a workbook of plain rows.

Reading judges the file by its content, never by its name: an XLSX is a ZIP archive holding
``xl/workbook.xml`` (opened with openpyxl in read-only mode, formulas kept as text and never evaluated, the
archive's unpacked size bounded so that a "zip bomb" is refused), anything else must be UTF-8 text without
control characters (CSV, comma or semicolon separated, a BOM allowed). Writing neutralises every text cell that
a spreadsheet would run as a formula (``registry.exports.table.neutralise``); reading takes that apostrophe off
again, so that an exported file imports back to the same text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook, load_workbook

from registry.exports.table import FORMULA_STARTS, neutralise, workbook_bytes, write_sheet

#: the largest upload accepted (a 5,000-row registration sheet is about 1 MB)
MAX_BYTES = 8 * 1024 * 1024
#: the most an XLSX archive may unpack to, and the most rows and columns read
MAX_UNPACKED = 200 * 1024 * 1024
MAX_ROWS = 20000
MAX_COLUMNS = 300
#: columns read beyond the header's last one
SPARE_COLUMNS = 5
#: text files that are not tables: PDF, RTF, HTML and XML (an old binary .xls is not UTF-8 and fails anyway)
NOT_TEXT_TABLES = (b"%PDF", b"{\\rtf", b"<")
XLSX = "xlsx"
CSV = "csv"


class SheetError(Exception):
    """The upload is not a spreadsheet this reader accepts; ``message`` says why (translated lazily)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Formula:
    """A cell that holds a formula: never evaluated, refused by the importer with its text shown."""

    text: str


def detect(data: bytes) -> str:
    """``"xlsx"`` or ``"csv"`` by the content, or ``SheetError``."""
    if not data:
        raise SheetError(_l("The file is empty."))
    if len(data) > MAX_BYTES:
        raise SheetError(_l("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if "xl/workbook.xml" not in {info.filename for info in infos}:
                    raise SheetError(_l("Only XLSX and CSV files are accepted."))
                if sum(info.file_size for info in infos) > MAX_UNPACKED:
                    raise SheetError(_l("The workbook unpacks to more than allowed."))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise SheetError(_l("The XLSX file is damaged.")) from exc
        return XLSX
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(NOT_TEXT_TABLES):
        raise SheetError(_l("Only XLSX and CSV files are accepted."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError(_l("Only XLSX and CSV files are accepted (a CSV file must be saved as UTF-8).")) from exc
    if any(ch < " " and ch not in "\t\r\n" for ch in text):
        raise SheetError(_l("Only XLSX and CSV files are accepted."))
    return CSV


def _unneutralise(value: Any) -> Any:
    """Text that an export neutralised ("'=x") reads back as it was ("=x")."""
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign archive
        raise SheetError(_l("The XLSX file is damaged.")) from exc
    try:
        if not workbook.worksheets:
            raise SheetError(_l("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the file's own dimension tag may claim a million rows and columns
        # every row is read as wide as the header (and a few columns more, to catch a value beside it): rows
        # padded to MAX_COLUMNS cost ten times as much
        width = MAX_COLUMNS
        for row in sheet.iter_rows(max_col=MAX_COLUMNS):
            named = [i for i, cell in enumerate(row) if not _blank(getattr(cell, "value", None))]
            if named:
                width = min(MAX_COLUMNS, named[-1] + 1 + SPARE_COLUMNS)
                break
        rows = []
        for row in sheet.iter_rows(max_col=width):
            if len(rows) >= MAX_ROWS:
                raise SheetError(_l("At most %(n)d rows.", n=MAX_ROWS - 1))
            cells = []
            for cell in row[:MAX_COLUMNS]:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f":
                    value = Formula(str(value))
                cells.append(_unneutralise(value))
            rows.append(cells)
        return rows
    except SheetError:
        raise
    except Exception as exc:
        raise SheetError(_l("The XLSX file is damaged.")) from exc
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> list[list[Any]]:
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            if len(rows) >= MAX_ROWS:
                raise SheetError(_l("At most %(n)d rows.", n=MAX_ROWS - 1))
            rows.append([_unneutralise(cell) for cell in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        raise SheetError(_l("The CSV file cannot be read: %(why)s", why=str(exc))) from exc
    return rows


def read_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    """The first sheet's non-blank rows (header first) with their row numbers as the spreadsheet shows them
    (from 1), as cell values: text, numbers, dates or ``Formula``; CSV cells are text. ``SheetError`` for
    anything that is not an acceptable XLSX or CSV."""
    kind = detect(data)
    rows = _xlsx_rows(data) if kind == XLSX else _csv_rows(data)
    return [(number, row) for number, row in enumerate(rows, start=1) if any(not _blank(cell) for cell in row)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- writing ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sheet:
    title: str
    header: list[str]
    rows: Iterable[list[Any]]
    #: column widths in characters (the first few columns)
    widths: tuple[int, ...] = ()


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """A write-only workbook, one sheet per ``Sheet``, header row bold and frozen, dates as dd/mm/yyyy, every
    text cell neutralised."""
    workbook = Workbook(write_only=True)
    for spec in sheets:
        write_sheet(workbook, spec.title, spec.header, spec.rows, widths=spec.widths)
    return workbook_bytes(workbook)


def csv_bytes(sheet: Sheet) -> bytes:
    """One sheet as CSV: UTF-8 with a BOM (Excel reads the Vietnamese right), dates dd/mm/yyyy, text
    neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, (date, datetime)):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(neutralise(value)) if isinstance(value, str) else str(value)

    writer.writerow([text(v) for v in sheet.header])
    for row in sheet.rows:
        writer.writerow([text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
