"""The per-person and per-collective dossier, the printed documents (dossier and Form D as PDF and DOCX), and the
audit pages: per task, per person, and the whole trail with its verification."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple
from datetime import datetime
from functools import cache
from io import BytesIO
from typing import Any

from flask import (
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from registry import clock, policy, queue
from registry.blueprints.common import allow, kept_html, load, read_only
from registry.blueprints.dossier import audit_view, bp
from registry.blueprints.dossier.forms import AuditFilterForm, VerifyForm
from registry.exports import docx as docx_writer
from registry.exports import pdf as pdf_writer
from registry.exports.document import (
    Document,
    person_document,
    review_document,
    unit_document,
)
from registry.labels import (
    COMMENDATION,
    JUDGEMENT,
    OUTCOME,
    OUTCOME_SHORT,
    PERIOD,
    PROGRESS_STATUS,
    SEALED_TABLE,
    SUPERVISION_FORM,
    VERIFY_KIND,
)
from registry.models import OrgUnit, Person, Task
from registry.services import dossier as dossier_service
from registry.services import jobs
from registry.services.dossier import OUTCOMES
from registry.services.verify import verify_all
from registry.storage import file_storage
from registry.text import attachment_names

#: the last verification's result, kept in the session of whoever ran it
VERIFICATION_KEY = "audit_verification"
#: rows that do not match the trail kept with it for the page (the command line names them all)
VERIFICATION_ROWS = 20


@bp.app_context_processor
def dossier_context():
    """Labels of the dossier and audit templates, and the predicates their links depend on."""
    return {
        "dossier_labels": {
            "outcome": OUTCOME, "outcome_short": OUTCOME_SHORT, "commendation": COMMENDATION, "period": PERIOD,
            "supervision_form": SUPERVISION_FORM, "judgement": JUDGEMENT, "progress_status": PROGRESS_STATUS,
            "verify_kind": VERIFY_KIND, "sealed_table": SEALED_TABLE,
        },
        "audit_view": audit_view,
    }


# -- dossiers --------------------------------------------------------------------------------------------------

def _load_person(person_id: int) -> Person:
    return load(Person, person_id, "view_person_dossier")


def _load_unit(unit_id: int) -> OrgUnit:
    return load(OrgUnit, unit_id, "view_unit_dossier")


def _parts(kind: str, subject_id: int, dossier: Callable[[], Any]) -> dict[str, Markup]:
    """A dossier's counts and years, rendered (``dossier()`` read once if either is not kept) and kept until the
    trail moves, per reader and language; the page around them (its downloads, forms) is rendered every time."""
    context = cache(lambda: {"dossier": dossier(), "outcomes": OUTCOMES})
    return {"dossier_counts": kept_html("dossier/_counts.html", (kind, subject_id), context),
            "dossier_years": kept_html("dossier/_years.html", (kind, subject_id), context)}


@bp.route("/people/<id:person_id>/dossier")
def person(person_id: int):
    subject = _load_person(person_id)
    return render_template("dossier/person.html", person=subject, **_parts(
        "person", subject.id, lambda: dossier_service.person_dossier(current_user, subject)))


@bp.route("/units/<id:unit_id>/dossier")
def unit(unit_id: int):
    subject = _load_unit(unit_id)
    return render_template("dossier/unit.html", unit=subject, jobs_enabled=queue.is_enabled(), **_parts(
        "unit", subject.id, lambda: dossier_service.unit_dossier(current_user, subject)))


def _download(document: Document, fmt: str):
    """The document as an attachment under its Vietnamese name (``filename*`` in UTF-8)."""
    if fmt == "pdf":
        data, mimetype = pdf_writer.render_pdf(document), pdf_writer.MIMETYPE
    else:
        data, mimetype = docx_writer.render_docx(document), docx_writer.MIMETYPE
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True,
                         download_name=f"{document.filename}.{fmt}", max_age=0)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(f"{document.filename}.{fmt}"))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/people/<id:person_id>/dossier.<any(pdf, docx):fmt>")
def person_export(person_id: int, fmt: str):
    subject = _load_person(person_id)
    document = person_document(subject, dossier_service.person_dossier(current_user, subject), clock.today())
    return _download(document, fmt)


@bp.route("/units/<id:unit_id>/dossier.<any(pdf, docx):fmt>")
def unit_export(unit_id: int, fmt: str):
    subject = _load_unit(unit_id)
    document = unit_document(subject, dossier_service.unit_dossier(current_user, subject), clock.today())
    return _download(document, fmt)


@bp.route("/units/<id:unit_id>/dossier.<any(pdf, docx):fmt>/job", methods=["POST"])
@read_only
def unit_export_job(unit_id: int, fmt: str):
    """The unit's dossier made in the background (a committee's dossier is long): to the job's page. With the
    jobs off, the file is made in the request as before."""
    subject = _load_unit(unit_id)
    if not VerifyForm().validate_on_submit():  # the CSRF token only
        abort(400)
    if not queue.is_enabled():
        return redirect(url_for("dossier.unit_export", unit_id=subject.id, fmt=fmt))
    job = jobs.enqueue(current_user, "dossier.unit", unit_id=subject.id, fmt=fmt)
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/tasks/<id:task_id>/review.<any(pdf, docx):fmt>")
def review_export(task_id: int, fmt: str):
    """Form D of one task: self-assessment, final assessment, verdict and commendation."""
    task = dossier_service.review_task(task_id)
    if task is None:
        abort(404)
    policy.require_party(current_user, "view", task)
    return _download(review_document(task, clock.today()), fmt)


# -- audit pages -----------------------------------------------------------------------------------------------

def _page(stmt, *count_key):
    page = dossier_service.audit_page(stmt, count_key, per_page=current_app.config["PAGE_SIZE"])
    return page, dossier_service.audit_context(page.items)


@bp.route("/tasks/<id:task_id>/audit")
def task_audit(task_id: int):
    task = load(Task, task_id)
    page, refs = _page(dossier_service.task_audit(task), "task", task.id)
    return render_template("dossier/task_audit.html", task=task, page=page, refs=refs, args={"task_id": task.id})


@bp.route("/people/<id:person_id>/audit")
def person_audit(person_id: int):
    subject = _load_person(person_id)
    page, refs = _page(dossier_service.person_audit(current_user, subject), "person", current_user.id, subject.id)
    return render_template("dossier/person_audit.html", person=subject, page=page, refs=refs,
                           args={"person_id": subject.id})


def _require_audit_reader() -> None:
    allow("read_audit")


@bp.route("/audit")
def audit_log():
    _require_audit_reader()
    form = AuditFilterForm(request.args)
    form.set_choices(dossier_service.recorded_actions())
    form.validate()
    filters = form.filters()
    page, refs = _page(dossier_service.audit_events(current_user, filters), "log", current_user.id, astuple(filters))
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("dossier/audit_log.html", form=form, page=page, refs=refs, args=args,
                           verify_form=VerifyForm(), verification=_last_verification())


def _last_verification() -> dict | None:
    """The result of the last "Verify now" in this session, with its time as a datetime."""
    stored = session.get(VERIFICATION_KEY)
    if not isinstance(stored, dict):
        return None
    try:
        return {**stored, "at": datetime.fromisoformat(stored["at"])}
    except (KeyError, TypeError, ValueError):
        return None


@bp.route("/audit/verify", methods=["POST"])
@read_only
def verify():
    """Verify the whole trail now (chain, HMACs, seals, evidence files) and show the result on the audit page."""
    _require_audit_reader()
    if not VerifyForm().validate_on_submit():
        abort(400)
    report = verify_all(current_app.config["AUDIT_KEY"], file_storage(current_app.config))
    shown = [{"kind": p.kind, "table": p.table, "id": p.id, "seq": p.seq} for p in report.rows[:VERIFICATION_ROWS]]
    session[VERIFICATION_KEY] = {"ok": report.ok, "events": report.events, "seq": report.seq, "kind": report.kind,
                                 "rows": shown, "rows_total": len(report.rows), "rows_checked": report.rows_checked,
                                 "at": clock.now().isoformat()}
    return redirect(url_for("dossier.audit_log", _anchor="verification"))
