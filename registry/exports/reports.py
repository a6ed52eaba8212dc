"""The sơ kết (six-month) and tổng kết (year-end) reports as files: DOCX from an editable Word template (docxtpl),
PDF from the print template (WeasyPrint) in the Party document layout, and XLSX with one sheet per table.

Every builder is a plain function returning bytes, to be called inside an application context (a request or a
background job): the numbers are those of ``registry.services.summary_report.summary_report`` — the dashboard's
``dashboard_figures`` for the same unit, year and day — laid out once by ``report_tables``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook

from registry import clock, labels, policy
from registry.exports.document import (
    Block,
    Document,
    Heading,
    Paragraph,
    Table,
    dmy,
    letterhead,
    number,
)
from registry.exports.pdf import TEMPLATE as PRINT_TEMPLATE
from registry.exports.table import XLSX_MIMETYPE, workbook_bytes, write_sheet
from registry.localized import localized_name
from registry.models import Ownership, Person, Period, ProgressStatus, TaskKind, TaskState
from registry.models.org import OrgUnit
from registry.models.review import Outcome
from registry.services.reports import MIDYEAR, REPORTS
from registry.services.summary_report import SummaryReport, summary_report

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIMETYPE = "application/pdf"
FORMATS = ("docx", "pdf", "xlsx")
#: the Word template the office may edit (letterhead, fonts, signature); rebuilt by ``registry.exports.report_template``
TEMPLATE = "so_ket.docx"
#: the most rows a table shows in the printed report (DOCX, PDF); the XLSX always holds every row. A province's
#: sơ kết has thousands of unfinished tasks, which no one reads on paper (and Word takes minutes to lay out).
PRINTED_ROWS = 200
#: characters a sheet name may not hold
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass
class ReportTable:
    title: str
    columns: list[str]
    rows: list[list[Any]]  #: text, numbers, dates or None
    widths: list[float]
    sheet: str = ""  #: the short name of its spreadsheet sheet (the title when empty)


@dataclass
class Section:
    heading: str
    tables: list[ReportTable]


@dataclass
class ExportFile:
    content: bytes
    filename: str  #: with its extension
    mimetype: str


# -- the content, once ---------------------------------------------------------------------------------------

def report_title(report: SummaryReport) -> str:
    if report.report == MIDYEAR:
        return _("Six-month review of the registered hard and breakthrough tasks, %(year)d", year=report.year)
    return _("Year-end review of the registered hard and breakthrough tasks, %(year)d", year=report.year)


def scope_line(report: SummaryReport) -> str:
    if report.unit is not None:
        return _("Unit: %(name)s and its sub-units", name=report.unit.name)
    return _("All units")


def as_of_line(report: SummaryReport) -> str:
    return _("Figures as of %(date)s", date=dmy(report.as_of or clock.today()))


def _ownership_label(ownership: Ownership) -> str:
    return str(labels.OWNERSHIP[ownership])


COMPLETION_LABELS = {"none": "No progress note", "0": "Under 25%", "25": "25–49%", "50": "50–74%",
                     "75": "75–99%", "100": "100%"}


def completion_label(bucket: str) -> str:
    return {"none": _("No progress note"), "0": "0–24%", "25": "25–49%", "50": "50–74%",
            "75": "75–99%", "100": "100%"}[bucket]


def _status_label(status: ProgressStatus | None) -> str:
    return str(labels.PROGRESS_STATUS[status]) if status is not None else _("No progress note")


def _verdict(line) -> str:
    if not line.verdict:
        return ""
    return f"{line.verdict} ({number(line.verdict_percent)}%)" if line.verdict_percent is not None else line.verdict


def report_sections(report: SummaryReport) -> list[Section]:
    """The report's tables, grouped under their headings: the same for the three formats."""
    f = report.figures
    number_ = _("Number")
    summary = ReportTable(_("Summary"), [_("Figure"), number_], [
        [_("Registrations (drafts included)"), f["tasks"]["total"]],
        [_("Registered (neither draft nor withdrawn)"), f["tasks"]["registered"]],
        [_("Approved tasks"), f["progress"]["decided"]],
        [_("Tasks behind schedule"), f["progress"]["late"]],
        [_("Tasks at risk of delay"), f["progress"]["at_risk"]],
        [_("Progress notes"), f["notes"]["total"]],
        [_("Progress notes submitted late"), f["notes"]["late"]],
        [_("Recommendations awaiting a reply"), f["recommendations"]["open"]],
        [_("of which past the reply deadline"), f["recommendations"]["overdue"]],
    ], [70, 30], sheet=_("Summary"))
    states = ReportTable(_("Registrations by state"), [_("State"), number_],
                         [[str(labels.STATE[s]), f["by_state"][s.value]] for s in TaskState], [70, 30],
                         sheet=_("By state"))
    kinds = ReportTable(_("Registered tasks by kind"), [_("Kind"), number_],
                        [[str(labels.KIND[k]), f["by_kind"][k.value]] for k in TaskKind], [70, 30],
                        sheet=_("By kind"))
    owners = ReportTable(_("Registered tasks by owner type"), [_("Owner type"), number_],
                         [[_ownership_label(o), f["by_ownership"][o.value]] for o in Ownership], [70, 30],
                         sheet=_("By owner type"))
    fields = ReportTable(_("Registered tasks by field"), [_("Field"), number_],
                         [[localized_name(row), row["count"]] for row in f["by_field"]], [70, 30],
                         sheet=_("By field"))
    units = ReportTable(_("Registrations by unit"), [_("Unit"), _("Registered"), _("Approved"), _("Reviewed")],
                        [[(_("%(name)s (its own)", name=u["name"]) if u["own"] and f["by_unit"][1:] else u["name"])
                          or _("No unit"), u["registered"], u["decided"], u["reviewed"]] for u in f["by_unit"]],
                        [55, 15, 15, 15], sheet=_("By unit"))
    completion = ReportTable(_("Approved tasks by completion"), [_("Latest completion"), number_],
                             [[completion_label(b), n] for b, n in f["progress"]["completion"].items()], [70, 30],
                             sheet=_("By completion"))
    status = ReportTable(_("Approved tasks by latest status"), [_("Status"), number_],
                         [[_status_label(ProgressStatus(s) if s != "none" else None), n]
                          for s, n in f["progress"]["status"].items()], [70, 30], sheet=_("By latest status"))
    trend = ReportTable(_("Trend by quarter"), [
        _("Quarter"), _("Notes"), _("Late notes"), *(str(labels.PROGRESS_STATUS[s]) for s in ProgressStatus),
        _("Average completion")], [
        [str(labels.PERIOD[Period(f"q{row['quarter']}")]), row["notes"], row["late"],
         *(row["status"][s.value] for s in ProgressStatus), row["average"]] for row in f["trend"]],
        [16, 10, 11, 12, 12, 12, 12, 15], sheet=_("By quarter"))
    coverage = ReportTable(_("Monitor coverage"),
                           [_("Period"), _("Assessed"), _("Approved tasks"), _("Share, percent")],
                           [[str(labels.PERIOD[Period(row["period"])]), row["assessed"], f["progress"]["decided"],
                             row["share"]] for row in f["coverage"]], [40, 20, 20, 20], sheet=_("Monitor coverage"))
    outcomes = ReportTable(_("Verdicts by outcome"), [_("Outcome"), number_],
                           [[str(labels.OUTCOME[o]), f["by_outcome"][o.value]] for o in Outcome], [70, 30],
                           sheet=_("By outcome"))
    exemplary = ReportTable(_("Exemplary tasks"), [
        _("No."), _("Code"), _("Task"), _("Owner"), _("Unit"), _("Field"), _("Verdict"), _("Commendation")], [
        [n, t.code, t.title, t.owner, t.unit, t.field, _verdict(t) or _status_label(t.status), t.commendation]
        for n, t in enumerate(report.exemplary, start=1)], [5, 12, 25, 14, 12, 10, 12, 10],
                            sheet=_("Exemplary tasks"))
    unfinished = ReportTable(_("Unfinished tasks"), [
        _("No."), _("Code"), _("Task"), _("Owner"), _("Unit"), _("Deadline"), _("Latest status"),
        _("Completion"), _("Verdict")], [
        [n, t.code, t.title, t.owner, t.unit, t.deadline, _status_label(t.status), t.percent, _verdict(t)]
        for n, t in enumerate(report.unfinished, start=1)], [5, 12, 24, 14, 12, 10, 10, 7, 10],
                             sheet=_("Unfinished tasks"))
    recommendations = ReportTable(_("Recommendations awaiting a reply"), [
        _("No."), _("Code"), _("Task"), _("Period"), _("Recommendation"), _("Addressed to"), _("Reply by"),
        _("Overdue")], [
        [n, r.code, r.title, str(labels.PERIOD[r.period]), r.content, r.addressee, r.reply_deadline,
         _("Yes") if r.is_overdue else _("No")] for n, r in enumerate(report.recommendations, start=1)],
        [5, 12, 18, 10, 22, 13, 10, 8], sheet=_("Open recommendations"))
    return [
        Section(_("I. Registrations"), [summary, states, kinds, owners, fields, units]),
        Section(_("II. Progress and monitoring"), [completion, status, trend, coverage]),
        Section(_("III. Results"), [outcomes, exemplary]),
        Section(_("IV. Unfinished tasks and open recommendations"), [unfinished, recommendations]),
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return dmy(value)
    if isinstance(value, float):
        return number(value)
    return str(value)


def _printed_rows(table: ReportTable) -> list[list[str]]:
    """The rows as text for a printed document: an empty list shows one row saying so, a long one its first
    ``PRINTED_ROWS`` rows and a last row saying how many more the spreadsheet holds."""
    if not table.rows:
        return [[_("None."), *[""] * (len(table.columns) - 1)]]
    rows = [[_text(value) for value in row] for row in table.rows[:PRINTED_ROWS]]
    if len(table.rows) > PRINTED_ROWS:
        more = _("… and %(count)s more: every row is in the XLSX file of this report.",
                 count=number(len(table.rows) - PRINTED_ROWS))
        rows.append([more, *[""] * (len(table.columns) - 1)])
    return rows


def issuing_unit(viewer: Person | None, unit: OrgUnit | None) -> OrgUnit | None:
    """The unit whose committee issues the report: the chosen unit, else the viewer's highest reading unit."""
    if unit is not None:
        return unit
    held = sorted((g.unit for g in policy.grants(viewer, policy.READER_ROLES)), key=lambda u: len(u.path))
    return held[0] if held else None


def _recipients() -> list[str]:
    return [_("The Standing Committee"), _("The Fatherland Front Committee"), _("The Inspection Committee"),
            _("Archived at the office")]


def _filename(report: SummaryReport) -> str:
    name = "Báo cáo sơ kết" if report.report == MIDYEAR else "Báo cáo tổng kết"
    where = f" - {report.unit.name}" if report.unit is not None else ""
    return f"{name} {report.year}{where}"


def report_document(report: SummaryReport, viewer: Person | None, issued_on: date) -> Document:
    """The report as a Party document (the PDF's content)."""
    blocks: list[Block] = [Paragraph(as_of_line(report))]
    for section in report_sections(report):
        blocks.append(Heading(section.heading))
        for table in section.tables:
            blocks.append(Heading(table.title, level=2))
            blocks.append(Table(columns=table.columns, rows=_printed_rows(table), widths=table.widths))
    return Document(letterhead=letterhead(issuing_unit(viewer, report.unit)), issued_on=issued_on,
                    title=report_title(report), subtitle=[scope_line(report)], blocks=blocks,
                    recipients=_recipients(), filename=_filename(report))


# -- the three formats ---------------------------------------------------------------------------------------

def report_pdf(report: SummaryReport, viewer: Person | None, issued_on: date | None = None) -> bytes:
    """The report as PDF bytes (WeasyPrint, the dossier's print template). The template is rendered without the
    pages' context processors, so that a background job (no request, no signed-in user) makes the same file."""
    from weasyprint import HTML  # noqa: PLC0415 - optional system libraries; loaded only when a PDF is asked for

    document = report_document(report, viewer, issued_on or clock.today())
    html = current_app.jinja_env.get_template(PRINT_TEMPLATE).render(doc=document)
    return HTML(string=html).write_pdf()


def docx_context(report: SummaryReport, viewer: Person | None, issued_on: date) -> dict[str, Any]:
    """What the Word template is filled with (the names the template's tags use)."""
    doc = report_document(report, viewer, issued_on)
    head = doc.letterhead
    return {
        "superior": head.superior, "issuer": head.issuer, "party_name": doc.party_name,
        "reference": doc.reference, "date_line": doc.date_line, "title": str(doc.title).upper(),
        "subtitle": doc.subtitle, "as_of": as_of_line(report),
        "sections": [{"heading": s.heading, "tables": [
            {"title": t.title, "columns": t.columns, "rows": _printed_rows(t)} for t in s.tables]}
            for s in report_sections(report)],
        "recipients_label": doc.recipients_label, "recipients": doc.recipient_lines,
        "on_behalf": doc.on_behalf, "secretary_title": doc.secretary_title, "secretary": head.secretary,
    }


def report_docx(report: SummaryReport, viewer: Person | None, issued_on: date | None = None) -> bytes:
    """The report as DOCX bytes: the shipped Word template (``registry/exports/templates/so_ket.docx``) filled."""
    from docxtpl import DocxTemplate  # noqa: PLC0415 - keeps its Jinja environment out of the app's start-up

    with resources.files("registry.exports").joinpath("templates", TEMPLATE).open("rb") as source:
        template = DocxTemplate(io.BytesIO(source.read()))
    template.render(docx_context(report, viewer, issued_on or clock.today()), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def _sheet_title(n: int, title: str, taken: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", f"{n}. {title}")[:31].strip()
    name, k = base, 2
    while name.lower() in taken:
        name, k = f"{base[:28]} {k}", k + 1
    taken.add(name.lower())
    return name


def report_xlsx(report: SummaryReport, viewer: Person | None = None, issued_on: date | None = None) -> bytes:
    """The report as XLSX bytes: a sheet saying what it is, then one sheet per table, each with its header row
    frozen; text cells neutralised (``registry.exports.table.neutralise``), dates as dd/mm/yyyy."""
    workbook = Workbook(write_only=True)

    taken: set[str] = set()
    write_sheet(workbook, _sheet_title(0, _("Report"), taken), [_("Item"), _("Value")], [
        [_("Report title"), report_title(report)], [_("Scope"), scope_line(report)],
        [_("Figures as of"), report.as_of or clock.today()], [_("Issued on"), issued_on or clock.today()]])
    n = 0
    for section in report_sections(report):
        for table in section.tables:
            n += 1
            write_sheet(workbook, _sheet_title(n, table.sheet or table.title, taken), table.columns, table.rows)
    return workbook_bytes(workbook)


BUILDERS = {"docx": (report_docx, DOCX_MIMETYPE), "pdf": (report_pdf, PDF_MIMETYPE),
            "xlsx": (report_xlsx, XLSX_MIMETYPE)}


def export_report(viewer: Person | None, unit: OrgUnit | None, year: int, report: str, fmt: str,
                  issued_on: date | None = None) -> ExportFile:
    """A sơ kết or tổng kết (``report``) of ``year`` for ``unit`` and below (None: every unit the viewer reads)
    as ``fmt`` (docx, pdf, xlsx): the figures of what ``viewer`` may read. For pages and background jobs alike;
    the caller checks that the viewer may read reports of that unit (``policy.can(viewer, "view_reports",
    unit)``)."""
    if report not in REPORTS or fmt not in FORMATS:
        raise ValueError(f"{report}.{fmt}")
    content = summary_report(viewer, unit, year, report)
    build, mimetype = BUILDERS[fmt]
    return ExportFile(build(content, viewer, issued_on), f"{_filename(content)}.{fmt}", mimetype)
