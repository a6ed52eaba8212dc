"""Forms of the audit pages: the filters of the whole trail (GET) and the "Verify now" button (POST)."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from registry import labels
from registry.blueprints.common import BaseForm, DMYDateField
from registry.models.base import MAX_ID
from registry.services.dossier import AuditFilters


@lru_cache(maxsize=16)
def _action_choices(locale: str, recorded: tuple[str, ...]) -> list[tuple[str, str]]:
    """The actions by their names in ``locale`` (the current one), sorted by name: the same until the trail
    records a new action, so kept per language and recorded actions."""
    known = {action: str(label) for action, label in labels.ACTION.items()}
    for action in recorded:
        known.setdefault(action, action)
    return sorted(known.items(), key=lambda item: item[1].lower())


class AuditFilterForm(BaseForm):
    """Filters of the whole audit trail (GET, no CSRF)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    actor = StringField(_l("Done by"), validators=[Optional(), Length(max=200)])
    since = DMYDateField(_l("From"), validators=[Optional()])
    until = DMYDateField(_l("Until"), validators=[Optional()])
    task = IntegerField(_l("Task number"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    def set_choices(self, recorded: tuple[str, ...]) -> None:
        """Every labelled action, plus any other action found in the trail."""
        self.action.choices = [("", _l("All"))] + _action_choices(str(get_locale()), tuple(recorded))

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date comes before the start date."))

    def filters(self) -> AuditFilters:
        """The valid filters as service input (an invalid field is ignored)."""
        def valid(f):
            return f.data if f.data and not f.errors else None

        return AuditFilters(action=valid(self.action) or "", actor=(valid(self.actor) or "").strip(),
                            since=valid(self.since), until=valid(self.until), task_id=valid(self.task))


class VerifyForm(BaseForm):
    """The "Verify now" button: carries just the CSRF token."""
