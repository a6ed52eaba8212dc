"""Helpers shared by the views: forms in the user's language, service errors onto form fields, and the one
request pipeline of a page that changes something (``page_action``: load → policy → form → service → commit)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from werkzeug.wrappers import Response
from wtforms import DateField, FieldList, Form, FormField
from wtforms.validators import Length
from wtforms.widgets import Select, TextInput, html_params

from registry import policy
from registry.extensions import db
from registry.models import Task
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed, too_long
from registry.trail_cache import TrailCache


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

    def __call__(self, field, **kwargs):
        """Plain ``(value, label)`` choices are written straight from the list (WTForms would first build a
        ``SelectChoice`` of each, then dispatch each to ``render_option``): the same HTML, a third of the time."""
        choices = field.choices
        if self.multiple or not isinstance(choices, list) or \
                not all(type(choice) is tuple and len(choice) == 2 for choice in choices):
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in dir(flags):
            if name in self.validation_attrs and name not in kwargs:
                kwargs[name] = getattr(flags, name)
        coerce, data = field.coerce, field.data
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for value, label in choices:
            selected = "selected " if coerce(value) == data else ""
            shown = str(value) if isinstance(value, bool) else value
            html.append(f'<option {selected}value="{escape(shown)}">{escape(label or value)}</option>')
        html.append("</select>")
        return Markup("".join(html))

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


#: the rows a repeated part of a form shows at least
BLANK_ROWS = 3


def repeated(row_form: type[Form], max_rows: int) -> FieldList:
    """A repeated part of a page form (indicators, milestones, recommendations): ``BLANK_ROWS`` rows to begin
    with, ``max_rows`` at most."""
    return FieldList(FormField(row_form), min_entries=BLANK_ROWS, max_entries=max_rows)


def pad_rows(*lists: FieldList) -> None:
    """Leave at least one empty row (and at least ``BLANK_ROWS`` rows) in each list to fill in."""
    for rows in lists:
        wanted = min(max(BLANK_ROWS, len(rows.entries) + 1), rows.max_entries)
        while len(rows.entries) < wanted:
            rows.append_entry()


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


def passes(check: Callable[..., Any], *args: Any) -> bool:
    """True when a service's ``require_*`` check (403 or 409) lets the action through: whether to show a button."""
    try:
        check(*args)
    except (Conflict, PermissionDenied):
        return False
    return True


# -- the page pipeline ------------------------------------------------------------------------------------------

#: a check of the loaded object (None on a page without one) for the signed-in person: it raises
#: ``PermissionDenied`` (403) or ``Conflict`` (409) with the policy row's message, or answers a page of its own
#: (a ``Response``: the request stops there); anything else lets the request on (a service's ``require_*``
#: may answer what it checked)
Check = Callable[[Any], Any]


def loader(model, action: str = "view") -> Callable[[int], Any]:
    """The URL's row by ``load``: 404, then 403 with the policy row's message unless one may take ``action``."""
    return lambda ident: load(model, ident, action)


#: the URL's task, if the signed-in person may read it
load_task = loader(Task)


def under_task(model, action: str = "view") -> Callable[[int], Any]:
    """A loader of a row under a task (a note, an assessment, a recommendation): 404 when there is none, 403
    unless the signed-in person may take ``action`` on its task."""
    def load_row(ident: int) -> Any:
        row = get_or_404(model, ident)
        load(Task, row.task_id, action)
        return row
    return load_row


def may(action: str, on_object: bool = True) -> Check:
    """The whole policy row of ``action`` (who, 403; then the task's state, 409), with its messages; of the
    loaded object, or (``on_object=False``) in general."""
    return lambda obj: policy.require_can(current_user, action, obj if on_object else None)


def entry_status(form: FlaskForm, entry: Any = None) -> int:
    """422 when the page's form (or the back-fill entry's fields beside it) has errors, else 200."""
    return 422 if form.errors or (entry is not None and entry.form.errors) else 200


def page_action(load: Callable[[int], Any] | None, *checks: Check, form: Callable[..., FlaskForm],
                render: Callable[..., Any] | None = None, fill: Callable[[Any, Any], None] | None = None,
                entry: Callable[[Any], Any] | None = None, errors: Callable[[dict], dict] | None = None,
                on_error: Callable[[FlaskForm, ValidationFailed], None] = apply_errors, button: bool = False):
    """The one shape of a page that changes something, as Indico's request handlers run it:

    1. the URL's id → ``load`` (404; 403, logged, with the policy row's message); a page of no row: no ``load``
       (or one that answers None without an id: a "new" and an "edit" page in one);
    2. each ``check`` of the object (403 / 409 with the row's message, or a ``Response`` of its own);
    3. the form — a form class, or ``form(obj)`` (choices set) — and, with ``entry``, the back-fill part beside
       it (``entry(obj)``, None when the person does not enter a past year);
    4. a GET: ``fill(form, obj)`` and the page; a POST: the form and the entry validate (a ``button`` form, only
       its CSRF token: else 400), then the decorated view — the service call and its ``done(...)`` answer;
    5. the service's ``ValidationFailed`` (keys renamed by ``errors``): the request rolled back, the messages on
       their fields (the entry's own first, then ``on_error``) and the page again;
    6. the page: ``render``'s body with 422 when anything is wrong, else 200 (a response of its own, such as a
       redirect, as it is); no ``render``: the service's refusal stays the error page.

    The view and ``render`` take ``(obj, form)`` (``obj`` None on a page of no row), and the entry after the form
    when there is an ``entry``; the single commit (or the rollback) is ``web.py``'s after-request hook."""

    def decorator(process):
        @wraps(process)
        def view(**view_args: Any):
            obj = load(*view_args.values()) if load is not None else None
            for check in checks:
                answer = check(obj)
                if isinstance(answer, Response):
                    return answer
            page_form = form() if isinstance(form, type) else form(obj)
            extra = entry(obj) if entry is not None else None
            parts = (obj, page_form, *(() if entry is None else (extra,)))
            if request.method == "GET":
                if fill is not None:
                    fill(page_form, obj)
            elif _valid(page_form, extra, button):
                try:
                    return process(*parts)
                except ValidationFailed as exc:
                    if render is None:
                        raise
                    refused = ValidationFailed(errors(exc.errors)) if errors is not None else exc
                    on_error(page_form, extra.take(refused) if extra is not None else refused)
            body = render(*parts)
            return body if isinstance(body, Response) else (body, entry_status(page_form, extra))
        return view

    return decorator


def shown(template: str, name: str = "task", **context: Callable[[Any], Any]) -> Callable[..., str]:
    """A ``render`` of ``page_action``: ``template`` with the form, the object as ``name``, the back-fill entry as
    ``backfill`` and each of ``context`` worked out from the object."""
    def render(obj, form, backfill=None):
        return render_template(template, form=form, backfill=backfill, **{name: obj},
                               **{key: value(obj) for key, value in context.items()})
    return render


def _valid(form: FlaskForm, entry: Any, button: bool) -> bool:
    """The POST's form and the entry's own fields (both, so every error shows); a button's form: 400 unless its
    CSRF token holds."""
    if button:
        return posted(form) is form
    valid = form.validate_on_submit()
    return (entry.validate() and valid) if entry is not None else valid


def read_only(view):
    """Mark a POST view that changes nothing (e.g. running a check), so it does not take the SQLite write lock."""
    view.is_read_only = True
    return view



# -- parts of pages kept rendered -------------------------------------------------------------------------------

#: rendered parts of pages, per template, reader, language and the caller's key, until the trail moves
_kept_html = {size_key: TrailCache(size_key) for size_key in ("PAGE_CACHE_SIZE", "REPORT_CACHE_SIZE")}


#: what a kept part holds in place of the session's CSRF token, put back on the way out (never in the page)
_TOKEN_MARK = secrets.token_hex(16)


def kept_html(template: str, key: tuple, context: Callable[[], dict[str, Any]], *,
              size_key: str = "PAGE_CACHE_SIZE") -> Markup:
    """``template`` rendered with ``context()``, kept until the trail moves (``registry.trail_cache``) under the
    template, the signed-in reader (what they may see and the links they get), the language and ``key`` (what
    else the part depends on: its subject, the query's arguments). Its forms' CSRF tokens (Flask-WTF's, the
    session's own) are rendered as a mark and the request's token put in their place, so one reader's part serves
    their every session. ``size_key``: the config key of how many are kept (``REPORT_CACHE_SIZE`` for the
    dashboard's large ones)."""
    reader = current_user.id if current_user.is_authenticated else None

    def render() -> str:
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        token = g.pop(field, None)
        setattr(g, field, _TOKEN_MARK)  # generate_csrf answers with what the request holds
        try:
            return render_template(template, **context())
        finally:
            g.pop(field, None)
            if token is not None:
                setattr(g, field, token)

    html = _kept_html[size_key].get((template, reader, str(get_locale()), *key), render)
    return Markup(html.replace(_TOKEN_MARK, generate_csrf()) if _TOKEN_MARK in html else html)
