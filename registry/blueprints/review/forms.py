"""Forms of the year-end review (Form D) and the labels of its enums.

They stop at the view: ``*_data`` turn a form into service input, ``service_errors`` maps a service's error keys
back onto the form's field names.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from registry.blueprints.common import BaseForm
from registry.blueprints.monitoring.forms import FindingsForm
from registry.labels import COMMENDATION
from registry.models import Commendation, Task, VerdictLevel, Year
from registry.services.review import MAX_COMMENDATION_FORM, MAX_CONCLUSION_REF, MAX_TEXT

#: choice of "no level chosen" in the level selects
NO_CHOICE = (0, "—")


def _level_choices(levels: list[VerdictLevel]) -> list[tuple[int, str]]:
    return [NO_CHOICE] + [(level.id, level.display_name) for level in levels]


# -- self-assessment ----------------------------------------------------------------------------------------

class SelfAssessmentForm(BaseForm):
    """The owner's part of Form D; one ``reached-<indicator id>`` field per indicator is added by
    ``self_assessment_form``."""

    deliverable = TextAreaField(_l("Deliverable produced"), validators=[Length(max=MAX_TEXT)])
    self_level_id = SelectField(_l("Self-rated level"), coerce=int, choices=[])
    shortcomings = TextAreaField(_l("Shortcomings"), validators=[Length(max=MAX_TEXT)])
    lessons = TextAreaField(_l("Lessons learned"), validators=[Length(max=MAX_TEXT)])


def reached_name(indicator_id: int) -> str:
    """The name of the input holding the value reached for an indicator."""
    return f"reached-{indicator_id}"


def self_assessment_form(task: Task, levels: list[VerdictLevel], **kwargs) -> SelfAssessmentForm:
    """The self-assessment form of ``task``: its fields plus one value-reached input per indicator."""
    form_class = type("TaskSelfAssessmentForm", (SelfAssessmentForm,), {})
    for indicator in task.indicators:
        setattr(form_class, reached_name(indicator.id), StringField(
            _l("Value reached"), validators=[Length(max=30)]))
    form = form_class(**kwargs)
    form.self_level_id.choices = _level_choices(levels)
    return form


def self_assessment_data(form: SelfAssessmentForm, task: Task) -> dict[str, Any]:
    """Service input: the value reached per indicator id, as typed (the service reads the numbers)."""
    return {
        "reached": {ind.id: (form[reached_name(ind.id)].data or "").strip() for ind in task.indicators},
        "deliverable": form.deliverable.data,
        "self_level_id": form.self_level_id.data,
        "shortcomings": form.shortcomings.data,
        "lessons": form.lessons.data,
    }


def service_errors(errors: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """A service's error keys as this blueprint's field names (``reached.12`` → ``reached-12``)."""
    return {(reached_name(int(key.split(".", 1)[1])) if key.startswith("reached.") else key): messages
            for key, messages in errors.items()}


# -- the monitor's final assessment ----------------------------------------------------------------------------

class FinalAssessmentForm(FindingsForm):
    """Form C for the year-end period."""

    def set_choices(self) -> None:
        self.set_finding_choices()


def final_assessment_data(form: FinalAssessmentForm) -> dict[str, Any]:
    return {name: getattr(form, name).data
            for name in ("supervision_form", "judgement", "strengths", "shortcomings", "causes")}


# -- the Standing Committee's verdict ----------------------------------------------------------------------------

class VerdictForm(BaseForm):
    level_id = SelectField(_l("Verdict"), coerce=int, choices=[])
    percent = StringField(_l("Share completed (%)"), validators=[Length(max=20)],
                          render_kw={"inputmode": "decimal"})
    reasons = TextAreaField(_l("Reasons"), validators=[Length(max=MAX_TEXT)])
    commendation = RadioField(_l("Commendation proposed"), choices=[], default=Commendation.NONE.value,
                              validators=[InputRequired(_l("Choose a commendation."))])
    commendation_form = StringField(_l("Form of the commendation"), validators=[Length(max=MAX_COMMENDATION_FORM)])
    measures = TextAreaField(_l("Measures for what is not done"), validators=[Length(max=MAX_TEXT)])
    conclusion_ref = StringField(_l("Conclusion document"), validators=[Length(max=MAX_CONCLUSION_REF)])

    def set_choices(self, levels: list[VerdictLevel]) -> None:
        self.level_id.choices = _level_choices(levels)
        self.commendation.choices = [(c.value, label) for c, label in COMMENDATION.items()]


def _percent(text: str | None) -> Any:
    """The share typed, as a number when it reads as one (a comma for decimals is fine); else as typed, for the
    service to refuse."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return float(text.replace(",", ".").rstrip("%").strip())
    except ValueError:
        return text


def verdict_data(form: VerdictForm) -> dict[str, Any]:
    data = {name: getattr(form, name).data
            for name in ("level_id", "reasons", "commendation", "commendation_form", "measures", "conclusion_ref")}
    data["percent"] = _percent(form.percent.data)
    return data


# -- reopening and carry-over ---------------------------------------------------------------------------------

class ReopenForm(BaseForm):
    reason = TextAreaField(_l("Reason for reopening"), validators=[Length(max=MAX_TEXT)])


class CarryOverForm(BaseForm):
    year_id = SelectField(_l("Carry over into"), coerce=int, choices=[])
    reason = TextAreaField(_l("Reason for carrying the task over"), validators=[Length(max=MAX_TEXT)])

    def set_choices(self, years: list[Year]) -> None:
        self.year_id.choices = [(year.id, str(year.year)) for year in years]
