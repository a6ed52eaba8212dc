"""Forms of the quarterly progress notes (Form B) and evidence uploads. ``note_data`` turns one into service input."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from registry.blueprints.common import BaseForm
from registry.labels import PROGRESS_STATUS
from registry.models import ProgressNote, Task
from registry.services.progress import MAX_TEXT, TEXT_FIELDS
from registry.services.task_core import MAX_REASON

STATUS_LABELS = PROGRESS_STATUS
STATUS_BY_VALUE = {status.value: label for status, label in STATUS_LABELS.items()}

#: labels of a note's parts, where an amendment shows them field by field
NOTE_FIELD_LABELS = {
    "work_done": _l("Work done"),
    "values": _l("Indicator values"),
    "percent_complete": _l("Percent complete"),
    "status": _l("Status"),
    "difficulties": _l("Difficulties and obstacles"),
    "causes": _l("Causes"),
    "proposals": _l("Proposals and recommendations"),
    "next_plan": _l("Plan for the next quarter"),
}

#: an indicator's input is named ``values-<indicator id>``
VALUE_PREFIX = "values-"


class NoteFieldsForm(BaseForm):
    """The content of Form B, shared by writing, editing and amending a note; indicator inputs are added per task."""

    work_done = TextAreaField(_l("Work done"), validators=[Length(max=MAX_TEXT)])
    percent_complete = StringField(_l("Percent complete"), validators=[Length(max=30)],
                                   render_kw={"inputmode": "decimal"})
    status = RadioField(_l("Status"), choices=[], validate_choice=False)
    difficulties = TextAreaField(_l("Difficulties and obstacles"), validators=[Length(max=MAX_TEXT)])
    causes = TextAreaField(_l("Causes"), validators=[Length(max=MAX_TEXT)])
    proposals = TextAreaField(_l("Proposals and recommendations"), validators=[Length(max=MAX_TEXT)])
    next_plan = TextAreaField(_l("Plan for the next quarter"), validators=[Length(max=MAX_TEXT)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [(s.value, label) for s, label in STATUS_LABELS.items()]

    def value_field(self, indicator_id: int):
        """The input of one indicator's current value."""
        return self[f"{VALUE_PREFIX}{indicator_id}"]


class NewNoteForm(NoteFieldsForm):
    quarter = SelectField(_l("Quarter"), coerce=int, choices=[], validate_choice=False)
    file = FileField(_l("Evidence file (optional)"))


class EditNoteForm(NoteFieldsForm):
    pass


class AmendNoteForm(NoteFieldsForm):
    reason = TextAreaField(_l("Reason for the amendment"), validators=[Length(max=MAX_REASON)])


class UploadForm(BaseForm):
    file = FileField(_l("Evidence file"), validators=[FileRequired(_l("Choose a file."))])


def note_form(form_class: type[NoteFieldsForm], task: Task, **kwargs) -> NoteFieldsForm:
    """An instance of ``form_class`` with one value input per indicator of the task."""

    class TaskNoteForm(form_class):  # type: ignore[valid-type, misc]
        pass

    for indicator in task.indicators:
        setattr(TaskNoteForm, f"{VALUE_PREFIX}{indicator.id}",
                StringField(f"{indicator.name} ({indicator.unit})", validators=[Length(max=30)],
                            render_kw={"inputmode": "decimal"}))
    return TaskNoteForm(**kwargs)


def note_data(form: NoteFieldsForm, task: Task) -> dict[str, Any]:
    """The service input of a note form."""
    data: dict[str, Any] = {name: getattr(form, name).data for name in TEXT_FIELDS}
    data["status"] = form.status.data
    data["percent_complete"] = form.percent_complete.data
    data["values"] = {indicator.id: form.value_field(indicator.id).data for indicator in task.indicators}
    return data


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def fill_from_note(form: NoteFieldsForm, note: ProgressNote) -> None:
    """Pre-fill a form from a note (GET of the edit and amend pages)."""
    for name in TEXT_FIELDS:
        getattr(form, name).data = getattr(note, name)
    form.status.data = note.status.value
    form.percent_complete.data = "" if note.is_percent_derived else _text(note.percent_complete)
    for indicator in note.task.indicators:
        form.value_field(indicator.id).data = _text(note.value_of(indicator.id))


def service_errors(errors: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The service names an indicator's value ``values.<id>``; the form's input is ``values-<id>``."""
    return {(VALUE_PREFIX + key.split(".", 1)[1] if key.startswith("values.") else key): messages
            for key, messages in errors.items()}
