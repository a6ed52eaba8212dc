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


def _xlsx(columns: list[Column], rows: Iterable[Any], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def header(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=neutralise(text))
        cell.font = bold
        return cell

    sheet.append([header(c.header) for c in columns])
    for row in rows:
        cells = []
        for column in columns:
            value = column.value(row)
            if isinstance(value, datetime):
                value = _local(value)
            cell = WriteOnlyCell(sheet, value=neutralise(value))
            if isinstance(value, datetime):
                cell.number_format = "DD/MM/YYYY HH:MM"
            elif isinstance(value, date):
                cell.number_format = "DD/MM/YYYY"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


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
