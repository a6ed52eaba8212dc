"""Forms of the registration workflow. They stop at the view: ``task_data`` turns one into service input."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import HiddenInput

from registry import labels
from registry.blueprints.common import BaseForm, DMYDateField, QuickSelect, RowForm, pad_rows, repeated
from registry.models import Authority, TaskKind, TaskState
from registry.models.base import MAX_ID
from registry.services.task_input import (
    FORM_A_TEXT,
    MAX_INDICATOR_NAME,
    MAX_INDICATOR_UNIT,
    MAX_MILESTONE,
    MAX_ROWS,
    TEXT_FIELDS,
    TextField,
)
from registry.services.task_core import MAX_DECISION_REF, MAX_REASON


class IndicatorRow(RowForm):
    name = StringField(_l("Indicator"), validators=[Length(max=MAX_INDICATOR_NAME)])
    unit = StringField(_l("Unit"), validators=[Length(max=MAX_INDICATOR_UNIT)])
    baseline = StringField(_l("Baseline"), validators=[Length(max=30)])
    target = StringField(_l("Target"), validators=[Length(max=30)])


class MilestoneRow(RowForm):
    description = StringField(_l("Milestone"), validators=[Length(max=MAX_MILESTONE)])
    due_on = DMYDateField(_l("Due on"), validators=[Optional()])


def _kind_choices():
    return [(k.value, labels.KIND[k]) for k in TaskKind]


def text_field(text: TextField):
    """The form field of one of Form A's text fields (``task_input.FORM_A_TEXT``)."""
    validators = [DataRequired(text.required)] if text.required else []
    kind = TextAreaField if text.multiline else StringField
    return kind(text.label, validators=[*validators, Length(max=text.limit)])


def _with_text_fields(cls):
    """Adds Form A's text fields to the form class, one per entry of ``task_input.FORM_A_TEXT``."""
    for text in FORM_A_TEXT:
        setattr(cls, text.name, text_field(text))
    return cls


@_with_text_fields
class TaskFieldsForm(BaseForm):
    """The content of Form A, shared by registration and adjustment; its text fields (title, situation, …) come
    from ``task_input.FORM_A_TEXT``."""

    kind = RadioField(_l("Kind"), choices=[], validators=[InputRequired(_l("Choose a kind of task."))])
    field_id = SelectField(_l("Field"), coerce=int, choices=[], validators=[DataRequired(_l("Choose a field."))])
    deadline = DMYDateField(_l("Deadline"), validators=[Optional()])
    authority = RadioField(_l("Authority"), choices=[], default=Authority.OWN.value)
    indicators = repeated(IndicatorRow, MAX_ROWS)
    milestones = repeated(MilestoneRow, MAX_ROWS)

    def set_choices(self, fields) -> None:
        self.kind.choices = _kind_choices()
        self.field_id.choices = [(0, "—")] + [(f.id, f.display_name) for f in fields]
        self.authority.choices = [(a.value, labels.AUTHORITY[a]) for a in Authority]

    def pad_rows(self) -> None:
        pad_rows(self.indicators, self.milestones)


class RegistrationForm(TaskFieldsForm):
    """The owner's form for a draft or returned registration."""

    is_committed = BooleanField(_l("I commit to carry out this task within the year and answer for the result."))


class NewRegistrationForm(RegistrationForm):
    """A new registration also chooses the year and whether it is individual or collective."""

    year_id = SelectField(_l("Year"), coerce=int, choices=[])
    owner_unit_id = SelectField(_l("Registered by"), coerce=int, choices=[], default=0)
    #: the committee whose Standing Committee decides the task (shown when the owner sits on several)
    committee_id = SelectField(_l("Registered with the committee"), coerce=int, choices=[])


class AdjustForm(TaskFieldsForm):
    reason = TextAreaField(_l("Reason for the adjustment"),
                           validators=[DataRequired(_l("Give the reason for the adjustment.")), Length(max=MAX_REASON)])


class ApproveForm(BaseForm):
    decision_ref = StringField(_l("Decision reference"), validators=[
        DataRequired(_l("Give the decision reference, e.g. 12-QĐ/ĐU.")), Length(max=MAX_DECISION_REF)])
    decision_date = DMYDateField(_l("Decision date"), validators=[DataRequired(_l("Enter a date as dd/mm/yyyy."))])
    monitor_id = SelectField(_l("Monitor (Fatherland Front)"), coerce=int, choices=[],
                             validators=[DataRequired(_l("Choose a monitor."))])


class ReturnForm(BaseForm):
    comment = TextAreaField(_l("What must the owner change?"),
                            validators=[DataRequired(_l("Say what the owner must change.")), Length(max=MAX_REASON)])


class MonitorForm(BaseForm):
    monitor_id = SelectField(_l("Monitor (Fatherland Front)"), coerce=int, choices=[],
                             validators=[DataRequired(_l("Choose a monitor."))])


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Length(max=MAX_REASON)])


class ActionForm(BaseForm):
    """A button-only form (submit): carries just the CSRF token."""


class FilterSelect(SelectField):
    """A filter's picker: written by ``QuickSelect``, and a value outside its choices (an error: the list then
    ignores that filter) found by comparing the plain ``(value, label)`` choices at once, not through WTForms'
    choice objects one by one (a province's unit picker has hundreds, read on every page of the list)."""

    widget = QuickSelect()

    def pre_validate(self, form):
        choices = self.choices
        if self.process_errors or not self.validate_choice or not isinstance(choices, list) or \
                not all(type(choice) is tuple and len(choice) == 2 for choice in choices):
            return super().pre_validate(form)
        coerce, data = self.coerce, self.data
        if not any(coerce(value) == data for value, _label in choices):
            raise ValidationError(self.invalid_choice_message or self.gettext("Not a valid choice."))


class FilterForm(BaseForm):
    """The task list filters (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    year = FilterSelect(_l("Year"), coerce=int, choices=[], validators=[Optional()])
    unit = FilterSelect(_l("Unit"), coerce=int, choices=[], validators=[Optional()])
    field = FilterSelect(_l("Field"), coerce=int, choices=[], validators=[Optional()])
    kind = FilterSelect(_l("Kind"), choices=[], validators=[Optional()])
    state = FilterSelect(_l("State"), choices=[], validators=[Optional()])
    owner_name = StringField(_l("Owner's name"), validators=[Optional(), Length(max=200)])
    owner = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    notes = FilterSelect(_l("Quarterly notes"), choices=[], validators=[Optional()])
    quarter = FilterSelect(_l("Quarter"), coerce=int, choices=[], validators=[Optional()])

    def set_choices(self, years, units, fields) -> None:
        any_ = _l("All")
        self.year.choices = [(0, any_)] + [(y.year, str(y.year)) for y in years]
        self.unit.choices = [(0, any_)] + [(u.id, "\u2003" * depth + u.name) for u, depth in units]
        self.field.choices = [(0, any_)] + [(f.id, f.display_name) for f in fields]
        self.kind.choices = [("", any_)] + [(k.value, labels.KIND[k]) for k in TaskKind]
        self.state.choices = [("", any_)] + [(s.value, labels.STATE[s]) for s in TaskState]
        self.notes.choices = [("", any_), ("overdue", _l("Missing or late")), ("missing", _l("Missing a quarter")),
                              ("late", _l("Submitted late"))]
        self.quarter.choices = [(0, _l("Any quarter"))] + [(q, _l("Quarter %(q)d", q=q)) for q in range(1, 5)]


def task_data(form: TaskFieldsForm) -> dict[str, Any]:
    """The service input of a registration or adjustment form."""
    data: dict[str, Any] = {
        name: getattr(form, name).data
        for name in ("kind", "field_id", *TEXT_FIELDS, "deadline", "authority")
    }
    data["indicators"] = [dict(entry.data) for entry in form.indicators]
    data["milestones"] = [dict(entry.data) for entry in form.milestones]
    if isinstance(form, RegistrationForm):
        data["is_committed"] = form.is_committed.data
    return data


def fill_from_task(form: TaskFieldsForm, task) -> None:
    """Pre-fill a form from a task (GET of the edit and adjust pages)."""
    for name in (*TEXT_FIELDS, "deadline"):
        getattr(form, name).data = getattr(task, name)
    form.kind.data = task.kind.value
    form.authority.data = task.authority.value
    form.field_id.data = task.field_id
    if isinstance(form, RegistrationForm):
        form.is_committed.data = task.is_committed
    for rows in (form.indicators, form.milestones):
        while len(rows.entries):
            rows.pop_entry()
    for ind in task.indicators:
        form.indicators.append_entry({"name": ind.name, "unit": ind.unit,
                                      "baseline": "" if ind.baseline is None else _num(ind.baseline),
                                      "target": _num(ind.target)})
    for ms in task.milestones:
        form.milestones.append_entry({"description": ms.description, "due_on": ms.due_on})


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")
