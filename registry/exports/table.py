"""Lists exported as spreadsheets: XLSX (openpyxl, write-only) and CSV (UTF-8 with a BOM, so that Excel reads the
Vietnamese right). One helper for every exported table: the columns are given once, with their header and how a
row gives its value; a text cell that a spreadsheet would read as a formula (``= + - @``, or a tab or carriage
return first) is neutralised by an apostrophe in front (CSV/formula injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from registry.clock import LOCAL_TZ
from registry.text import attachment_names

#: what a spreadsheet reads as the start of a formula (or, tab and carriage return, of a cell it shifts)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Column:
    header: str  #: shown in the header row (already translated)
    value: Callable[[Any], Any]  #: a row's cell: text, a date or datetime, a number, or None


def neutralise(value: Any) -> Any:
    """The value, with an apostrophe in front if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(value: datetime) -> datetime | date:
    """A datetime as Vietnam time without its zone (a spreadsheet has none); a date at midnight there, the date
    alone (as the pages show it)."""
    local = value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value
    return local.date() if local.time() == time.min else local


def day_format(value: Any) -> str | None:
    """The number format of a date (or a datetime) shown as its day alone, dd/mm/yyyy."""
    return "DD/MM/YYYY" if isinstance(value, date) else None


def moment_format(value: Any) -> str | None:
    """The number format of a datetime with its time, dd/mm/yyyy hh:mm, and of a date, dd/mm/yyyy."""
    return "DD/MM/YYYY HH:MM" if isinstance(value, datetime) else day_format(value)


def write_sheet(workbook: Workbook, title: str, header: Iterable[Any], rows: Iterable[Iterable[Any]], *,
                widths: Iterable[int] = (), number_format: Callable[[Any], str | None] = day_format) -> None:
    """One sheet of a write-only workbook: the header row bold and frozen, the first columns ``widths``
    characters wide, every text cell neutralised, a date or time shown by ``number_format``."""
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    bold = Font(bold=True)
    cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=neutralise(text))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            shown = number_format(value)
            if shown:
                cell.number_format = shown
            cells.append(cell)
        sheet.append(cells)


def workbook_bytes(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx(columns: list[Column], rows: Iterable[Any], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    values = ([(_local(v) if isinstance(v, datetime) else v) for v in (c.value(row) for c in columns)]
              for row in rows)
    write_sheet(workbook, title, [c.header for c in columns], values, number_format=moment_format)
    return workbook_bytes(workbook)


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        # the pages' dd/mm/yyyy, imported here: registry.web imports the blueprints, which import this
        from registry.web import format_date

        return format_date(value)
    return str(neutralise(value) if isinstance(value, str) else value)


def _csv(columns: list[Column], rows: Iterable[Any]) -> Iterator[str]:
    """The CSV a line at a time, the BOM first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells: list[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield "\ufeff" + line([_csv_text(c.header) for c in columns])
    for row in rows:
        yield line([_csv_text(c.value(row)) for c in columns])


def table_response(fmt: str, filename: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    """The rows as a download, ``fmt`` ``xlsx`` (a write-only workbook, its header row frozen) or ``csv``,
    named ``filename.fmt``."""
    name = f"{filename}.{fmt}"
    if fmt == "xlsx":
        response = Response(_xlsx(columns, rows, filename), mimetype=XLSX_MIMETYPE)
    else:
        # written whole, not streamed: the rows are read within the request (its session and its one
        # transaction), and a download cut short by a client leaves no query running after the view
        response = Response("".join(_csv(columns, rows)), mimetype=CSV_MIMETYPE)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(name))
    response.headers["Cache-Control"] = "private, no-store"
    return response
