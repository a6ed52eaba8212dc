"""The secretariat's form for a committee's public page: switched on or off, and the columns it shows."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from registry import labels
from registry.blueprints.common import BaseForm
from registry.models import PUBLIC_COLUMNS, PublicPage


class PublicPageForm(BaseForm):
    is_enabled = BooleanField(_l("Publish this committee's page (anyone can read it without signing in)"))
    #: the choices are checked by the service, which says what is wrong on the field
    columns = SelectMultipleField(_l("Columns shown besides the title"), validate_choice=False,
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())

    def set_choices(self) -> None:
        self.columns.choices = [(name, labels.PUBLIC_COLUMN[name]) for name in PUBLIC_COLUMNS]


def public_page_data(form: PublicPageForm) -> dict[str, Any]:
    return {"is_enabled": bool(form.is_enabled.data), "columns": list(form.columns.data or [])}


def public_page_initial(page: PublicPage | None) -> dict[str, Any]:
    if page is None:  # a page never saved: off, with every column offered ticked
        return {"is_enabled": False, "columns": list(PUBLIC_COLUMNS)}
    return {"is_enabled": page.is_enabled, "columns": list(page.columns or [])}
