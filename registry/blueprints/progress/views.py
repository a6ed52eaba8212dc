"""Quarterly progress notes (Form B) and evidence files: write, edit, amend, attach, download.

The rules (windows, states, who may act, what a file may be) live in ``registry.services.progress`` and
``registry.services.evidence``; these views load, check permission, call the service and render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app, render_template, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry import clock, policy
from registry.blueprints.backfill import entry as backfill_entry
from registry.blueprints.common import REFUSED, attempt, done, get_or_404, load, submitted
from registry.blueprints.progress import bp
from registry.blueprints.progress.forms import (
    NOTE_FIELD_LABELS,
    STATUS_BY_VALUE,
    STATUS_LABELS,
    AmendNoteForm,
    EditNoteForm,
    NewNoteForm,
    UploadForm,
    fill_from_note,
    note_data,
    note_form,
    service_errors,
)
from registry.extensions import db
from registry.models import EvidenceFile, Indicator, NoteAmendment, ProgressNote, Task
from registry.models.task import DECIDED_STATES
from registry.services import progress as progress_service
from registry.services.errors import Conflict, ValidationFailed
from registry.services.evidence import EvidenceStore, FileTooLarge, StoreUnavailable, attach_evidence
from registry.services.progress import QuarterWindow
from registry.policy import require_unlocked
from registry.storage import send_stored
from registry.text import attachment_names


def _store() -> EvidenceStore:
    return EvidenceStore.from_config(current_app.config)


def _own_note(note_id: int) -> ProgressNote:
    """The note, if the current user writes its task's notes (else 403)."""
    note = get_or_404(ProgressNote, note_id)
    policy.require_party(current_user, "amend_note", note.task)
    return note


def _note_errors(backfill=None):
    """The service's field errors (named as the form names them) onto the form and the back-fill entry."""
    return lambda form, exc: backfill_entry.apply_errors(form, backfill, ValidationFailed(service_errors(exc.errors)))


def _attach(note: ProgressNote, upload) -> EvidenceFile:
    return attach_evidence(current_user, note, upload.stream, upload.filename, _store())


def _saved_message(note: ProgressNote) -> str:
    if note.is_percent_derived:
        return _("The note for quarter %(q)d is saved. Percent complete, derived from the indicators: %(p)s.",
                 q=note.quarter, p=format_decimal(note.percent_complete) + "%")
    return _("The note for quarter %(q)d is saved.", q=note.quarter)


def _noted(message: str, note: ProgressNote):
    """After a change of a note: ``message`` on the task page, at the note's quarter."""
    return done(message, "tasks.show", task_id=note.task_id, _anchor=f"quarter-{note.quarter}")


def _note_page(form, task: Task, mode: str, note: ProgressNote | None = None, backfill=None):
    window = progress_service.quarter_window(task, note.quarter) if note else None
    return render_template("progress/note_form.html", form=form, task=task, note=note, mode=mode, window=window,
                           is_percent_derived=progress_service.is_percent_derived(task),
                           status_labels=STATUS_LABELS, backfill=backfill), backfill_entry.status(form, backfill)


# -- notes --------------------------------------------------------------------------------------------------

@bp.route("/tasks/<id:task_id>/notes/new", methods=["GET", "POST"])
def new_note(task_id: int):
    task = backfill_entry.load_task(task_id, "amend_note")  # the owner, or the secretariat entering a past year
    progress_service.require_reporting(task)
    backfill = backfill_entry.entry(task, on_label=_("Date the note was submitted"), on_behalf_of=task.owner)
    # a past year's notes may be entered for every quarter; evidence is attached by the owner
    quarters = progress_service.open_quarters(task, clock.today() if backfill is None
                                              else task.year.quarter_deadlines[-1])
    if not quarters and request.method == "GET":
        raise Conflict(_("No quarter is waiting for a note: each quarter has one note, which can be written from "
                         "the first day of the quarter. To correct a note, edit or amend it on the task page."))
    form = note_form(NewNoteForm, task)
    if backfill is not None:
        del form.file
    form.quarter.choices = [(q, _("Quarter %(q)d", q=q)) for q in quarters]
    if request.method == "GET":
        wanted = request.args.get("quarter", type=int)
        form.quarter.data = wanted if wanted in quarters else quarters[0]
    elif backfill_entry.validate(form, backfill):
        def change() -> ProgressNote:
            note = progress_service.add_progress_note(current_user, task, form.quarter.data, note_data(form, task),
                                                      backfill=backfill_entry.context(backfill))
            if backfill is None and form.file.data:
                _attach(note, form.file.data)
            return note

        note = attempt(form, change, _note_errors(backfill))
        if note is not REFUSED:
            return _noted(_saved_message(note), note)
    return _note_page(form, task, "new", backfill=backfill)


def _change_note(note_id: int, check, form_class, mode: str, save, message):
    """The edit and the amendment page of a note: its window allows it (``check``, else 409); the form filled from
    the note, then ``save``-d by the service, the task page after it with ``message(note)``."""
    note = _own_note(note_id)
    check(note)
    form = note_form(form_class, note.task)
    if request.method == "GET":
        fill_from_note(form, note)
    elif submitted(form, lambda: save(note, form), _note_errors()) is not REFUSED:
        return _noted(message(note), note)
    return _note_page(form, note.task, mode, note)


@bp.route("/notes/<id:note_id>/edit", methods=["GET", "POST"])
def edit_note(note_id: int):
    return _change_note(note_id, progress_service.require_editable, EditNoteForm, "edit",
                        lambda note, form: progress_service.update_progress_note(current_user, note,
                                                                                 note_data(form, note.task)),
                        _saved_message)


@bp.route("/notes/<id:note_id>/amend", methods=["GET", "POST"])
def amend_note(note_id: int):
    return _change_note(note_id, progress_service.require_amendable, AmendNoteForm, "amend",
                        lambda note, form: progress_service.amend_progress_note(
                            current_user, note, form.reason.data or "", note_data(form, note.task)),
                        lambda note: _("Amendment recorded. The values before it stay visible on the task page."))


# -- evidence -------------------------------------------------------------------------------------------------

@bp.route("/notes/<id:note_id>/files", methods=["POST"])
def upload(note_id: int):
    note = _own_note(note_id)
    require_unlocked(note.task)
    form = UploadForm()
    if form.validate_on_submit():
        evidence = attempt(form, lambda: _attach(note, form.file.data))
        if evidence is not REFUSED:
            return _noted(_("File “%(name)s” attached to the note for quarter %(q)d.", name=evidence.original_name,
                            q=note.quarter), note)
    return render_template("progress/upload.html", form=form, note=note, task=note.task), 422


@bp.route("/files/<id:file_id>")
def download(file_id: int):
    evidence = get_or_404(EvidenceFile, file_id)
    load(Task, evidence.task_id)
    response = send_stored(_store().storage, evidence.stored_name, download_name=evidence.original_name,
                           mimetype=evidence.content_type, size=evidence.size_bytes)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(evidence.original_name))
    response.cache_control.private = True
    return response


@bp.app_errorhandler(FileTooLarge)
def file_too_large(exc: FileTooLarge):
    return render_template("error.html", status=413, title=_("Too large"), message=str(exc.message)), 413


@bp.app_errorhandler(StoreUnavailable)
def store_unavailable(exc: StoreUnavailable):
    return render_template("error.html", status=503, title=_("Try again later"), message=str(exc.message)), 503


# -- the task page's progress section ------------------------------------------------------------------------

@dataclass
class QuarterRow:
    """One quarter of the timeline: its dates, its note if any, and what the current user may do."""

    window: QuarterWindow
    note: ProgressNote | None
    is_open: bool
    is_overdue: bool
    can_write: bool = False
    can_edit: bool = False
    can_amend: bool = False
    can_upload: bool = False

    @property
    def quarter(self) -> int:
        return self.window.quarter


@dataclass
class Overview:
    """The progress section of a task page: four quarters and, per indicator, the values reported."""

    today: date
    rows: list[QuarterRow]
    #: (indicator, [value of Q1 … Q4 or None])
    series: list[tuple[Indicator, list[float | None]]] = field(default_factory=list)
    is_shown: bool = True
    can_act: bool = False


def _passes(check, *args) -> bool:
    try:
        check(*args)
    except Conflict:
        return False
    return True


def progress_overview(task: Task) -> Overview:
    """The notes of the task with their values, files and amendments, in a fixed number of queries."""
    notes = list(db.session.scalars(
        select(ProgressNote).where(ProgressNote.task_id == task.id).order_by(ProgressNote.quarter).options(
            selectinload(ProgressNote.values), selectinload(ProgressNote.files),
            selectinload(ProgressNote.amendments).joinedload(NoteAmendment.amended_by))))
    by_quarter = {n.quarter: n for n in notes}
    today = clock.today()
    can_act = policy.can(current_user, "amend_note", task)
    writable = set(progress_service.open_quarters(task, today)) if can_act and _passes(
        progress_service.require_reporting, task) else set()
    rows = []
    for quarter in (1, 2, 3, 4):
        window = progress_service.quarter_window(task, quarter)
        note = by_quarter.get(quarter)
        row = QuarterRow(window=window, note=note, is_open=window.is_open_on(today),
                         is_overdue=note is None and today > window.deadline, can_write=quarter in writable)
        if note is not None and can_act:
            row.can_edit = _passes(progress_service.require_editable, note)
            row.can_amend = _passes(progress_service.require_amendable, note)
            row.can_upload = True
        rows.append(row)
    series = [(indicator, [by_quarter[q].value_of(indicator.id) if q in by_quarter else None for q in (1, 2, 3, 4)])
              for indicator in task.indicators]
    return Overview(today=today, rows=rows, series=series, can_act=can_act,
                    is_shown=bool(notes) or task.state in DECIDED_STATES)


@bp.app_context_processor
def progress_helpers():
    return {"progress_overview": progress_overview, "PROGRESS_STATUS": STATUS_LABELS,
            "PROGRESS_STATUS_BY_VALUE": STATUS_BY_VALUE, "NOTE_FIELD": NOTE_FIELD_LABELS}
