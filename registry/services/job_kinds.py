"""The long works that run as background jobs: a unit's dossier as PDF/DOCX, the six-month snapshots of a year,
the reminders (also daily, ``daily_reminders``), the sơ kết / tổng kết report files and a large bulk
registration. Each is the same service the synchronous path calls, with its progress reported."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry import clock, policy
from registry.exports import docx as docx_writer
from registry.exports import pdf as pdf_writer
from registry.exports.document import unit_document
from registry.exports.reports import FORMATS as REPORT_FORMATS
from registry.exports.reports import export_report
from registry.models import OrgUnit, Person, Year, db
from registry.services import bulk_registration, monitoring
from registry.services import dossier as dossier_service
from registry.services.errors import Conflict
from registry.services.jobs import JobContext, JobRecord, enqueue, file_kind, job_kind, once_today, periodic
from registry.services.notifications import Mailer, send_reminders
from registry.services.reports import REPORTS

log = logging.getLogger("registry.jobs")

#: tasks snapshotted per transaction by the mid-year job (the write lock is released between batches)
MIDYEAR_BATCH = 200
#: the formats of a dossier file
FORMATS = {"pdf": (pdf_writer.render_pdf, pdf_writer.MIMETYPE), "docx": (docx_writer.render_docx, docx_writer.MIMETYPE)}


def unit_dossier_file(actor: Person | None, progress, unit_id: int, fmt: str) -> tuple[str, bytes, str]:
    """A unit's dossier as ``fmt`` for ``actor`` (who must still be allowed to read it)."""
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or fmt not in FORMATS:
        raise Conflict(_l("There is no such page or record."))
    policy.require_can(actor, "view_unit_dossier", unit)
    progress(5, note=_("Collecting the tasks…"))
    dossier = dossier_service.unit_dossier(actor, unit)
    progress(40, note=_("Laying out the document…"))
    document = unit_document(unit, dossier, clock.today())
    progress(60, note=_("Creating the file…"))
    render, mimetype = FORMATS[fmt]
    return f"{document.filename}.{fmt}", render(document), mimetype


file_kind("dossier.unit", _l("Unit dossier"), unit_dossier_file)


@job_kind("midyear", _l("Six-month review snapshots"), writes=True)
def midyear(ctx: JobContext, year_id: int) -> str:
    """Snapshot every approved task of the year that the asker runs the review of, in batches."""
    year = db.session.get(Year, year_id)
    if year is None:
        raise Conflict(_l("There is no such page or record."))
    if ctx.actor is not None:
        policy.require_can(ctx.actor, "run_midyear")
    total = monitoring.count_awaiting_snapshot(ctx.actor, year)
    done = 0
    while True:
        taken = monitoring.take_mid_year_snapshots(ctx.actor, year, limit=MIDYEAR_BATCH)
        done += taken
        ctx.progress(done, total)
        if taken < MIDYEAR_BATCH:
            break
        ctx.commit()
    return _("Mid-year review of %(year)d: %(n)d snapshots taken.", year=year.year, n=done)


@job_kind("remind", _l("Reminders of quarterly notes"), writes=True)
def remind(ctx: JobContext, **_params: Any) -> str:
    """``flask remind`` as a job: notifications, then e-mails when SMTP is configured."""
    result = send_reminders(Mailer.from_config(current_app.config), locale=ctx.record.locale)
    return _("%(created)d new reminders, %(emailed)d e-mails sent.", created=result.created, emailed=result.emailed)


@periodic("registry.reminders", "JOBS_REMINDERS_CRON")
def daily_reminders() -> JobRecord | None:
    """The worker's reminder run (``JOBS_REMINDERS_CRON``, by default 07:00): the ``remind`` job, once a day
    however many workers schedule it (``send_reminders`` itself never sends the same reminder twice)."""
    if not once_today("reminders"):
        log.info("reminders: already sent today")
        return None
    return enqueue(None, "remind")


def report_file(actor: Person | None, progress, report: str, fmt: str, year: int,
                unit_id: int | None = None) -> tuple[str, bytes, str]:
    """The sơ kết / tổng kết (``report``) of ``year`` for the unit and below (None: every unit ``actor`` reads) as
    ``fmt``: the figures of what ``actor`` may read when the job runs (who must still read reports there)."""
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if (unit_id is not None and unit is None) or report not in REPORTS or fmt not in REPORT_FORMATS:
        raise Conflict(_l("There is no such page or record."))
    policy.require_can(actor, "view_reports", unit)
    progress(10, note=_("Counting the figures…"))
    exported = export_report(actor, unit, int(year), report, fmt, clock.today())
    return exported.filename, exported.content, exported.mimetype


file_kind("report.summary", _l("Six-month or year-end report"), report_file)

#: the problems of a refused import kept on the job's record (checking the file again lists every one)
IMPORT_ISSUES = 500


@job_kind("import.registrations", _l("Bulk registration from a spreadsheet"), writes=True)
def import_registrations(ctx: JobContext, upload: str, filename: str = "") -> str:
    """A checked registration sheet imported in one transaction (every row or none). ``upload`` is the sheet's
    key in the jobs' file store, where the page put it; it is removed once the import is over, whatever the
    outcome. Rows with problems leave nothing written and are kept on the record, row by row."""
    try:
        if ctx.actor is not None:
            policy.require_can(ctx.actor, "import_registrations")
        path = ctx.files.open_path(upload)
        if path is None:
            raise Conflict(_l("The uploaded file is no longer kept: upload it again."))
        data = path.read_bytes()
        ctx.progress(1, note=_("Checking the rows…"))
        noted = False

        def progress(done: int, total: int) -> None:
            nonlocal noted
            ctx.progress(10 + 89 * done / total if total else 99,
                         note=None if noted else _("Registering the rows…"))
            noted = True

        report = bulk_registration.import_registrations(ctx.actor, data, progress=progress)
    finally:
        ctx.files.delete(upload.partition("/")[0])
    if not report.ok:
        ctx.record.issues = [[issue.row, issue.column, issue.message] for issue in report.issues[:IMPORT_ISSUES]]
        raise Conflict(_l("Nothing was imported: %(n)d problem(s) in the file. Correct them in the spreadsheet and "
                          "upload it again.", n=len(report.issues)))
    return _("Imported: %(created)d registrations entered as drafts for their owners, %(already)d already "
             "registered.", created=len(report.created), already=len(report.already))
