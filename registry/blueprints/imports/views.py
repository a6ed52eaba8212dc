"""Bulk registration from a spreadsheet, under the secretariat's menu: the template and a year's registrations to
download, the upload with its row-by-row report, and the confirmed import (all rows or none)."""

from __future__ import annotations

import base64
import binascii
import secrets

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry import queue
from registry.blueprints.common import allow, read_only, rollback
from registry.blueprints.imports import bp
from registry.blueprints.imports.forms import ConfirmForm, UploadForm
from registry.exports.sheet import MAX_BYTES, SheetError, read_rows
from registry.extensions import db
from registry.models import Year
from registry.services import bulk_registration, jobs
from registry.services.bulk_registration import ImportReport
from registry.text import attachment_names

#: a confirmed sheet of more rows than this is imported by a background job (when the jobs are on)
JOB_ROWS = 500


def _download(name: str, data: bytes, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(name))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _index_page(form: UploadForm, status: int = 200):
    years = db.session.scalars(select(Year).order_by(Year.year.desc())).all()
    return render_template("imports/index.html", form=form, years=years, max_mb=MAX_BYTES // (1024 * 1024)), status


def _report_page(report: ImportReport, filename: str, content: str | None, status: int):
    confirm = ConfirmForm(formdata=None, content=content, filename=filename) \
        if report.ok and report.new and content else None
    return render_template("imports/report.html", report=report, filename=filename, confirm=confirm,
                           upload=UploadForm(formdata=None)), status


@bp.route("/imports/registrations")
def index():
    """The page: the template, a year's registrations, the upload."""
    allow("import_registrations")
    return _index_page(UploadForm(formdata=None))


@bp.route("/imports/registrations/template.<any(xlsx, csv):fmt>")
def template(fmt: str):
    """The blank template (the XLSX with a sheet of the values each column takes)."""
    allow("import_registrations")
    return _download(*bulk_registration.template_file(current_user, fmt))


@bp.route("/imports/registrations/<int:year>.<any(xlsx, csv):fmt>")
def export(year: int, fmt: str):
    """The registrations of a year that the signed-in person reads, in the template's layout."""
    allow("import_registrations")
    row = db.session.scalar(select(Year).where(Year.year == year))
    if row is None:
        abort(404)
    return _download(*bulk_registration.export_file(current_user, row, fmt))


@bp.route("/imports/registrations/check", methods=["POST"])
@read_only
def check():
    """Check the uploaded file row by row; nothing is written. A clean file can then be confirmed."""
    allow("import_registrations")
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    upload = form.file.data
    data = upload.read(MAX_BYTES + 1)
    filename = (upload.filename or "")[:255]
    report = bulk_registration.check_import(current_user, data)
    rollback()
    content = base64.b64encode(data).decode("ascii") if report.ok else None
    return _report_page(report, filename, content, 200 if report.ok else 422)


@bp.route("/imports/registrations/confirm", methods=["POST"])
def confirm():
    """Import the checked file: every row or none (checked again in this transaction)."""
    allow("import_registrations")
    form = ConfirmForm()
    data = None
    if form.validate_on_submit():
        try:
            data = base64.b64decode(form.content.data or "", validate=True)
        except (binascii.Error, ValueError):
            data = None
    if not data:
        form = UploadForm(formdata=None)
        form.form_errors.append(_("The checked file did not come back whole: upload it again."))
        return _index_page(form, 422)
    filename = (form.filename.data or "")[:255]
    if queue.is_enabled() and _row_count(data) > JOB_ROWS:
        return _import_job(data, filename)
    report = bulk_registration.import_registrations(current_user, data)
    if not report.ok:
        rollback()
        return _report_page(report, filename, None, 422)
    flash(_("Imported: %(created)d registrations entered as drafts for their owners, %(already)d already "
            "registered.", created=len(report.created), already=len(report.already)), "success")
    return redirect(url_for("imports.index"))


def _row_count(data: bytes) -> int:
    """The sheet's rows below its header (0 when it cannot be read: the import in the request says why)."""
    try:
        return max(0, len(read_rows(data)) - 1)
    except SheetError:
        return 0


def _import_job(data: bytes, filename: str):
    """A large sheet imported in the background: the file is kept in the jobs' file store (under a folder of its
    own, removed by the job when it is over) and the person follows the job's page."""
    files = jobs.job_files()
    folder = secrets.token_hex(16)
    key = files.save(folder, data)
    try:
        job = jobs.enqueue(current_user, "import.registrations", upload=key, filename=filename)
    except Exception:
        files.delete(folder)
        raise
    return redirect(url_for("jobs.show", job_id=job.id))
