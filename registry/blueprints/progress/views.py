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
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from registry import clock, policy
from registry.blueprints.backfill import entry as backfill_entry
from registry.blueprints.common import done, get_or_404, load, page_action, passes, under_task
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
from registry.models import EvidenceFile, Indicator, IndicatorValue, NoteAmendment, Person, ProgressNote, Task
from registry.models.task import DECIDED_STATES
from registry.services import progress as progress_service
from registry.services.errors import Conflict
from registry.services.evidence import EvidenceStore, FileTooLarge, StoreUnavailable, attach_evidence
from registry.services.progress import QuarterWindow
from registry.policy import require_unlocked
from registry.storage import send_stored
from registry.text import attachment_names


def _store() -> EvidenceStore:
    return EvidenceStore.from_config(current_app.config)


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


def _note_page(form, task: Task, mode: str, note: ProgressNote | None = None, backfill=None) -> str:
    window = progress_service.quarter_window(task, note.quarter) if note else None
    return render_template("progress/note_form.html", form=form, task=task, note=note, mode=mode, window=window,
                           is_percent_derived=progress_service.is_percent_derived(task),
                           status_labels=STATUS_LABELS, backfill=backfill)


# -- notes --------------------------------------------------------------------------------------------------

def _open_quarters(task: Task) -> list[int]:
    """The quarters waiting for a note; a past year's notes may be entered for every quarter."""
    return progress_service.open_quarters(task, task.year.quarter_deadlines[-1] if backfill_entry.entering(task)
                                          else clock.today())


def _quarter_waiting(task: Task) -> None:
    if not _open_quarters(task) and request.method == "GET":
        raise Conflict(_("No quarter is waiting for a note: each quarter has one note, which can be written from "
                         "the first day of the quarter. To correct a note, edit or amend it on the task page."))


def _new_note_form(task: Task) -> NewNoteForm:
    form = note_form(NewNoteForm, task)
    if backfill_entry.entering(task):  # evidence is attached by the owner
        del form.file
    form.quarter.choices = [(q, _("Quarter %(q)d", q=q)) for q in _open_quarters(task)]
    return form


def _wanted_quarter(form, task: Task) -> None:
    """The quarter the link asked for (``?quarter=``), else the first one waiting."""
    quarters = [q for q, _label in form.quarter.choices]
    wanted = request.args.get("quarter", type=int)
    form.quarter.data = wanted if wanted in quarters else quarters[0]


@bp.route("/tasks/<id:task_id>/notes/new", methods=["GET", "POST"])
@page_action(lambda task_id: backfill_entry.load_task(task_id, "amend_note"),  # the owner, or the secretariat
             lambda task: progress_service.require_reporting(task), _quarter_waiting,  # entering a past year
             form=_new_note_form, fill=_wanted_quarter, errors=service_errors,
             entry=lambda task: backfill_entry.entry(task, on_label=_("Date the note was submitted"),
                                                     on_behalf_of=task.owner),
             render=lambda task, form, backfill: _note_page(form, task, "new", backfill=backfill))
def new_note(task, form, backfill):
    note = progress_service.add_progress_note(current_user, task, form.quarter.data, note_data(form, task),
                                              backfill=backfill_entry.context(backfill))
    if backfill is None and form.file.data:
        _attach(note, form.file.data)
    return _noted(_saved_message(note), note)


def _note_change(check, form_class, mode: str):
    """The pipeline of a note's edit and amendment pages: its window allows it (``check``, else 409); the form
    filled from the note."""
    return page_action(under_task(ProgressNote, "amend_note"), check,
                       form=lambda note: note_form(form_class, note.task), fill=fill_from_note,
                       errors=service_errors, render=lambda note, form: _note_page(form, note.task, mode, note))


@bp.route("/notes/<id:note_id>/edit", methods=["GET", "POST"])
@_note_change(progress_service.require_editable, EditNoteForm, "edit")
def edit_note(note, form):
    progress_service.update_progress_note(current_user, note, note_data(form, note.task))
    return _noted(_saved_message(note), note)


@bp.route("/notes/<id:note_id>/amend", methods=["GET", "POST"])
@_note_change(progress_service.require_amendable, AmendNoteForm, "amend")
def amend_note(note, form):
    progress_service.amend_progress_note(current_user, note, form.reason.data or "", note_data(form, note.task))
    return _noted(_("Amendment recorded. The values before it stay visible on the task page."), note)


# -- evidence -------------------------------------------------------------------------------------------------

@bp.route("/notes/<id:note_id>/files", methods=["POST"])
@page_action(under_task(ProgressNote, "amend_note"), lambda note: require_unlocked(note.task), form=UploadForm,
             render=lambda note, form: render_template("progress/upload.html", form=form, note=note, task=note.task))
def upload(note, form):
    evidence = _attach(note, form.file.data)
    return _noted(_("File “%(name)s” attached to the note for quarter %(q)d.", name=evidence.original_name,
                    q=note.quarter), note)


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


def _of_notes(model, *order_by):
    """A prebuilt statement: the rows of ``model`` that belong to the notes of the task ``:task_id``."""
    return (select(model).join(ProgressNote, model.note_id == ProgressNote.id)
            .where(ProgressNote.task_id == bindparam("task_id")).order_by(*order_by))


_NOTES = select(ProgressNote).where(ProgressNote.task_id == bindparam("task_id")).order_by(ProgressNote.quarter)
#: the notes' collections, as their relationships order them (prebuilt: a ``selectinload`` per collection costs
#: several times more)
_NOTE_COLLECTIONS = {
    "values": _of_notes(IndicatorValue, IndicatorValue.id),
    "files": _of_notes(EvidenceFile, EvidenceFile.id),
    "amendments": _of_notes(NoteAmendment, NoteAmendment.id).options(
        joinedload(NoteAmendment.amended_by).lazyload(Person.grants)),
}


def _task_notes(task: Task) -> list[ProgressNote]:
    """The notes of the task with their values, files and amendments: four statements, whatever their rows."""
    params = {"task_id": task.id}
    notes = list(db.session.scalars(_NOTES, params))
    if notes:
        for key, statement in _NOTE_COLLECTIONS.items():
            if any(key in inspect(note).unloaded for note in notes):
                by_note: dict[int, list] = {note.id: [] for note in notes}
                for row in db.session.scalars(statement, params).unique():
                    by_note[row.note_id].append(row)
                for note in notes:
                    if key in inspect(note).unloaded:
                        set_committed_value(note, key, by_note[note.id])
    return notes


def progress_overview(task: Task) -> Overview:
    """The notes of the task with their values, files and amendments, in a fixed number of queries."""
    notes = _task_notes(task)
    by_quarter = {n.quarter: n for n in notes}
    today = clock.today()
    can_act = policy.can(current_user, "amend_note", task)
    writable = set(progress_service.open_quarters(task, today)) if can_act and passes(
        progress_service.require_reporting, task) else set()
    rows = []
    for quarter in (1, 2, 3, 4):
        window = progress_service.quarter_window(task, quarter)
        note = by_quarter.get(quarter)
        row = QuarterRow(window=window, note=note, is_open=window.is_open_on(today),
                         is_overdue=note is None and today > window.deadline, can_write=quarter in writable)
        if note is not None and can_act:
            row.can_edit = passes(progress_service.require_editable, note)
            row.can_amend = passes(progress_service.require_amendable, note)
            row.can_upload = True
        rows.append(row)
    series = [(indicator, [by_quarter[q].value_of(indicator.id) if q in by_quarter else None for q in (1, 2, 3, 4)])
              for indicator in task.indicators]
    return Overview(today=today, rows=rows, series=series, can_act=can_act,
                    is_shown=bool(notes) or task.state in DECIDED_STATES)


# -- the charts of the task page ------------------------------------------------------------------------------

#: the chart's width and height, and its left, right, top and bottom margins
CHART_BOX = CHART_W, CHART_H, CHART_L, CHART_R, CHART_T, CHART_B = 340, 214, 52, 16, 26, 48
CHART_PW, CHART_PH = CHART_W - CHART_L - CHART_R, CHART_H - CHART_T - CHART_B


@dataclass(frozen=True)
class ChartDot:
    point: str  #: "x,y" for the line through the values
    x: str
    y: str
    label_y: str
    value: float


@dataclass(frozen=True)
class ChartFigures:
    """What ``indicator_chart`` draws, computed here rather than in the template (a page has one per indicator):
    the ticks of the value axis (text y, line y, value), the quarters under the axis (x, label), the y of the
    baseline and of the target, the dots of the values reported, and the label of each value's quarter."""

    ticks: list[tuple[str, str, float]]
    quarters: list[tuple[str, str]]
    baseline_y: str | None
    target_y: str
    dots: list[ChartDot]
    labels: list[str]
    box: tuple[int, ...] = CHART_BOX


@bp.app_template_global("indicator_chart_figures")
def chart_figures(indicator: Indicator, values: list[float | None]) -> ChartFigures:
    """The scale of one indicator's chart: the target, the baseline and the values reported, padded by 12 %
    (safe when they are all equal or all zero)."""
    known = [v for v in values if v is not None]
    nums = [indicator.target] + ([indicator.baseline] if indicator.baseline is not None else []) + known
    lo0, hi0 = min(nums), max(nums)
    span = hi0 - lo0
    pad = span * 0.12 if span > 0 else (abs(hi0) * 0.12 if hi0 != 0 else 1)
    hi = hi0 + pad
    k = CHART_PH / (hi - (lo0 - pad))

    def y(v: float) -> float:
        return CHART_T + (hi - v) * k

    def x(q: int) -> float:
        return CHART_L + (q - 0.5) * CHART_PW / 4

    labels = [_("Q%(q)d", q=q) for q in range(1, max(4, len(values)) + 1)]
    return ChartFigures(
        ticks=[("%.1f" % (y(tick) + 4), "%.1f" % y(tick), tick) for tick in ([lo0, hi0] if span > 0 else [lo0])],
        quarters=[("%.1f" % x(q), labels[q - 1]) for q in range(1, 5)],
        baseline_y="%.1f" % y(indicator.baseline) if indicator.baseline is not None else None,
        target_y="%.1f" % y(indicator.target),
        dots=[ChartDot("%.1f,%.1f" % (x(q), y(v)), "%.1f" % x(q), "%.1f" % y(v), "%.1f" % (y(v) - 8), v)
              for q, v in enumerate(values, start=1) if v is not None],
        labels=labels,
    )


@bp.app_context_processor
def progress_helpers():
    return {"progress_overview": progress_overview, "PROGRESS_STATUS": STATUS_LABELS,
            "PROGRESS_STATUS_BY_VALUE": STATUS_BY_VALUE, "NOTE_FIELD": NOTE_FIELD_LABELS}
