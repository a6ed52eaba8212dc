"""Helpers shared by the views: forms in the user's language, service errors onto form fields, the one shape of
a form's change (``attempt`` the service call, then ``done``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import abort, flash, g, redirect, url_for
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import DateField, FieldList, Form, FormField
from wtforms.validators import Length
from wtforms.widgets import Select, TextInput

from registry import policy
from registry.extensions import db
from registry.models import Task
from registry.services.errors import ValidationFailed, too_long


def _without_nul(value):
    """NUL characters never belong in text (PostgreSQL refuses them); drop them from every submitted string."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class _Meta:
    def get_translations(self, form):
        """WTForms' own messages ("This field is required.") come from our catalogue."""
        return get_translations()

    def bind_field(self, form, unbound_field, options):
        if not issubclass(unbound_field.field_class, (FieldList, FormField)):
            options["filters"] = (*unbound_field.kwargs.get("filters", ()), *options.get("filters", ()),
                                  _without_nul)
        validators = unbound_field.kwargs.get("validators")
        if validators and any(_plain_max(v) for v in validators):
            options["validators"] = [Length(max=v.max, message=too_long(v.max)) if _plain_max(v) else v
                                     for v in validators]
        return unbound_field.bind(form=form, **options)


def _plain_max(validator) -> bool:
    """A ``Length(max=…)`` without a message of its own: it says the service's words (``too_long``), as the API
    and the service do, rather than WTForms' own."""
    return type(validator) is Length and validator.message is None and validator.min == -1 and validator.max >= 0


class BaseForm(FlaskForm):
    """Every page form: CSRF-protected, messages in the user's language."""

    class Meta(_Meta):
        pass


class QuickSelect(Select):
    """WTForms' select with its plain options written by one format each (the same HTML): a unit picker of a
    province has hundreds of options, which ``html_params`` made the slowest part of the task list."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')


class RowForm(Form):
    """A repeated row inside a page form (no CSRF of its own)."""

    class Meta(_Meta):
        pass


class DMYDateField(DateField):
    """A date typed as dd/mm/yyyy (ISO accepted too), with a message in the user's language.

    A text input rather than ``type=date``: browsers would show and send their own format."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", ["%d/%m/%Y", "%Y-%m-%d"])
        kwargs.setdefault("render_kw", {"placeholder": _l("dd/mm/yyyy"), "inputmode": "numeric"})
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for fmt in self.strptime_format:
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Enter a date as dd/mm/yyyy."))


def rollback() -> None:
    """Drop whatever this request changed (the after-request hook then commits nothing)."""
    db.session.rollback()
    g.rollback = True


def apply_errors(form: FlaskForm, exc: ValidationFailed) -> None:
    """Put a service's field errors on the matching form fields (``indicators.0.target`` → row 0)."""
    rollback()
    for key, messages in exc.errors.items():
        target = form
        for part in key.split("."):
            if part.isdigit():
                entries = getattr(target, "entries", None)
                target = entries[int(part)] if entries is not None and int(part) < len(entries) else None
            else:
                target = getattr(target, part, None)
            if target is None:
                break
        if target is not None and isinstance(getattr(target, "errors", None), list):
            target.errors.extend(str(m) for m in messages)
        else:
            form.form_errors.extend(str(m) for m in messages)
    for field in form:
        if isinstance(field, FieldList):  # its error list was computed at validation time
            row_errors = [entry.errors for entry in field.entries]
            field.errors = [e for e in field.errors if not isinstance(e, (list, dict))] + (
                row_errors if any(row_errors) else [])


def posted(form: FlaskForm) -> FlaskForm:
    """The form of a button (a POST with no fields to correct): 400 unless it validates (its CSRF token)."""
    if not form.validate_on_submit():
        abort(400)
    return form


#: what ``attempt`` answers when the service refused the input (its field errors are then on the form)
REFUSED: Any = object()


def attempt(form: FlaskForm, change: Callable[[], Any],
            on_error: Callable[[FlaskForm, ValidationFailed], None] = apply_errors) -> Any:
    """The result of the service call ``change()``; or, when the service refuses the input (``ValidationFailed``),
    ``REFUSED``, with the request's changes rolled back and the field errors on ``form`` (by ``on_error``)."""
    try:
        return change()
    except ValidationFailed as exc:
        on_error(form, exc)
        return REFUSED


def submitted(form: FlaskForm, change: Callable[[], Any],
              on_error: Callable[[FlaskForm, ValidationFailed], None] = apply_errors) -> Any:
    """On a valid submission of ``form``, the result of ``attempt``-ing the service call ``change()``; else (a GET,
    or the form's own errors) ``REFUSED``."""
    return attempt(form, change, on_error) if form.validate_on_submit() else REFUSED


def done(message: str, endpoint: str, **values: Any):
    """After a change: ``message`` (success) shown on the next page, ``endpoint`` with ``values``."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


def get_or_404(model, ident):
    """The row or a 404 page."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def load(model, ident, action: str = "view"):
    """The row, or a 404 page; then 403 (logged, with the policy row's message) unless the signed-in person may
    take ``action`` on it (for a task, only who may: the service checks the state and answers 409)."""
    obj = get_or_404(model, ident)
    if isinstance(obj, Task) and action in policy.RULES:
        policy.require_party(current_user, action, obj)
    else:
        policy.require_can(current_user, action, obj)
    return obj


def allow(action: str, obj=None) -> None:
    """403 (logged) unless the signed-in person may take ``action`` (on ``obj``) by the policy table."""
    policy.require_can(current_user, action, obj)


def read_only(view):
    """Mark a POST view that changes nothing (e.g. running a check), so it does not take the SQLite write lock."""
    view.is_read_only = True
    return view
