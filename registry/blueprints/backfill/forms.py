"""Forms of entering a past year afterwards (nhập bổ sung). They stop at the view, as every form does."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.validators import DataRequired

from registry.blueprints.common import BaseForm, DMYDateField
from registry.blueprints.tasks.forms import RegistrationForm


class BackfillForm(BaseForm):
    """What a back-filled entry adds to an action's form page: the date it happened and, where the page names
    them, the Standing Committee member who decided. Rendered inside the page's own form, whose CSRF token it
    shares."""

    class Meta:
        csrf = False

    backfill_on = DMYDateField(_l("Date it happened"))
    backfill_by = SelectField(_l("Decided by (Standing Committee member)"), coerce=int, choices=[],
                              validate_choice=False)


class BackfillRegistrationForm(RegistrationForm):
    """Form A of a past year, as the paper register gives it: the year, the owner and committee, the
    registration date, and the registration itself."""

    year_id = SelectField(_l("Year"), coerce=int, choices=[])
    #: "<person id>:<committee id>": an owner with a committee where they hold the owner role
    registrant = SelectField(_l("Owner and the committee registered with"), choices=[],
                             validators=[DataRequired(_l("Choose the owner named in the register."))])
    owner_unit_id = SelectField(_l("Registered by"), coerce=int, choices=[], default=0)
    backfill_on = DMYDateField(_l("Date of registration"))
    is_committed = BooleanField(_l("The owner committed to carry out the task within the year (as the register "
                                   "shows)."))
