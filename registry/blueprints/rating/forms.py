"""Forms of the rating facts and the commendation proposals: the list filters (GET) and the council's decision."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from registry.blueprints.common import BaseForm, DMYDateField, QuickSelect
from registry.labels import COMMENDATION, COUNCIL_DECISION, PROPOSAL_STATE
from registry.models import Commendation, CouncilDecision, ProposalState
from registry.services.commendations import MAX_DECISION_REF, MAX_REASON
from registry.services.rating import Subject


class _Filters(BaseForm):
    class Meta:
        csrf = False

    year = SelectField(_l("Year"), coerce=int, choices=[], validators=[Optional()])
    unit = SelectField(_l("Unit"), coerce=int, choices=[], validators=[Optional()], widget=QuickSelect())

    def set_units(self, years, units) -> None:
        self.year.choices = [(y.year, str(y.year)) for y in years]
        self.unit.choices = [(0, _l("All"))] + [(u.id, "\u2003" * depth + u.name) for u, depth in units]


class RatingFilterForm(_Filters):
    """The rating facts' filters (GET, no CSRF)."""

    by = SelectField(_l("Rated"), choices=[], default=Subject.PERSON.value, validators=[Optional()])

    def set_units(self, years, units) -> None:
        super().set_units(years, units)
        self.by.choices = [(Subject.PERSON.value, _l("Individuals")), (Subject.UNIT.value, _l("Collectives"))]


class ProposalFilterForm(_Filters):
    """The commendation proposals' filters (GET, no CSRF)."""

    state = SelectField(_l("State"), choices=[], validators=[Optional()])
    commendation = SelectField(_l("Commendation"), choices=[], validators=[Optional()])

    def set_units(self, years, units) -> None:
        super().set_units(years, units)
        self.year.choices = [(0, _l("All"))] + self.year.choices
        self.state.choices = [("", _l("All"))] + [(s.value, PROPOSAL_STATE[s]) for s in ProposalState]
        self.commendation.choices = [("", _l("All"))] + [(c.value, COMMENDATION[c]) for c in Commendation
                                                         if c is not Commendation.NONE]


class DecisionForm(BaseForm):
    """The emulation council's decision on one proposal, as the secretariat records it."""

    decision = RadioField(_l("The council's decision"), choices=[], validators=[Optional()])
    decision_ref = StringField(_l("Decision reference"), validators=[Length(max=MAX_DECISION_REF)],
                               render_kw={"placeholder": _l("e.g. Quyết định số 45-QĐ/ĐU")})
    decided_on = DMYDateField(_l("Date of the decision"))
    reason = TextAreaField(_l("Reason or remark"), validators=[Length(max=MAX_REASON)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = [(d.value, COUNCIL_DECISION[d]) for d in CouncilDecision]


def decision_data(form: DecisionForm) -> dict[str, Any]:
    """The service input of the decision form."""
    return {"decision": form.decision.data or None, "decision_ref": form.decision_ref.data or "",
            "decided_on": form.decided_on.data, "reason": form.reason.data or ""}
