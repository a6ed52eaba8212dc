"""Forms of monitoring (Form C), replies, the mid-year conclusion; labels of the monitoring enums.

They stop at the view: ``assessment_data`` and ``recommendation_rows`` turn a form into service input.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from registry.blueprints.common import BaseForm, DMYDateField, RowForm, pad_rows, repeated
from registry.labels import JUDGEMENT, PERIOD, SUPERVISION_FORM
from registry.models import Period
from registry.services.monitoring import MAX_ADDRESSEE, MAX_TEXT
from registry.services.monitoring import MAX_RECOMMENDATIONS as MAX_ROWS


class RecommendationRow(RowForm):
    content = TextAreaField(_l("Recommendation"), validators=[Length(max=MAX_TEXT)])
    addressee = StringField(_l("Addressed to"), validators=[Length(max=MAX_ADDRESSEE)])
    reply_deadline = DMYDateField(_l("Reply by"), validators=[Optional()])


class FindingsForm(BaseForm):
    """The findings of Form C, the same in a period's assessment and in the final one of the year."""

    supervision_form = RadioField(
        _l("Form of supervision"), choices=[],
        validators=[InputRequired(_l("Choose the form of supervision."))])
    strengths = TextAreaField(_l("Strengths"), validators=[Length(max=MAX_TEXT)])
    shortcomings = TextAreaField(_l("Shortcomings and limitations"), validators=[Length(max=MAX_TEXT)])
    causes = TextAreaField(_l("Causes"), validators=[Length(max=MAX_TEXT)])
    judgement = RadioField(_l("Judgement against the commitment"), choices=[],
                           validators=[InputRequired(_l("Choose the judgement."))])

    def set_finding_choices(self) -> None:
        self.supervision_form.choices = [(f.value, label) for f, label in SUPERVISION_FORM.items()]
        self.judgement.choices = [(j.value, label) for j, label in JUDGEMENT.items()]


class AssessmentForm(FindingsForm):
    """Form C: the monitor's assessment of one period, with its recommendations."""

    period = SelectField(_l("Period"), choices=[], validators=[InputRequired(_l("Choose the period."))])
    recommendations = repeated(RecommendationRow, MAX_ROWS)

    def set_choices(self, periods: list[Period]) -> None:
        self.period.choices = [(p.value, PERIOD[p]) for p in periods]
        self.set_finding_choices()

    def pad_rows(self) -> None:
        pad_rows(self.recommendations)


class ReplyForm(BaseForm):
    reply = TextAreaField(_l("Your reply"), validators=[InputRequired(_l("Write the reply.")),
                                                        Length(max=MAX_TEXT)])


class ConclusionForm(BaseForm):
    conclusion = TextAreaField(_l("Conclusion of the Standing Committee"),
                               validators=[InputRequired(_l("Write the conclusion.")), Length(max=MAX_TEXT)])


class ActionForm(BaseForm):
    """A button-only form (acknowledge, mark as read, take snapshots): carries just the CSRF token."""


def assessment_data(form: AssessmentForm) -> dict[str, Any]:
    """The assessment's fields as service input (the period and the rows go separately)."""
    return {name: getattr(form, name).data
            for name in ("supervision_form", "judgement", "strengths", "shortcomings", "causes")}


def recommendation_rows(form: AssessmentForm) -> list[dict[str, Any]]:
    """Every recommendation row, blank ones included: the service skips them and keeps the row indexes."""
    return [dict(entry.data) for entry in form.recommendations]
