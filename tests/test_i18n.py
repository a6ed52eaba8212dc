"""Translations: every UI string has a Vietnamese translation, pages are Vietnamese by default and English on
request, WTForms messages come from our catalogue, and dates read dd/mm/yyyy.

The catalogue check re-extracts the messages from the sources with Babel's Python API (the same method map as
``make messages``), so adding a ``_("…")`` without translating it in ``vi/LC_MESSAGES/messages.po`` fails here.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from registry.blueprints.common import BaseForm

PACKAGE = Path(__file__).resolve().parents[1] / "registry"
TRANSLATIONS = PACKAGE / "translations"
VI_PO = TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.po"
VI_MO = VI_PO.with_suffix(".mo")
#: the keywords of `make messages`: Babel's defaults plus ``-k _l -k lazy_gettext``
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
#: a printf-style conversion: ``%(name)s``, ``%d``, ``%%`` …
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
MAKE_TRANSLATIONS = "run `make translations` (pybabel compile -d registry/translations)"


def _placeholders(text: str) -> tuple[Counter, list[str]]:
    """Named placeholders as a multiset (a translation may reorder them), positional ones in order."""
    found = PLACEHOLDER.findall(text)
    named = Counter(p for p in found if p.startswith("%("))
    positional = [p for p in found if not p.startswith("%(")]
    return named, positional


def _ids(message_id) -> tuple[str, ...]:
    return tuple(message_id) if isinstance(message_id, (tuple, list)) else (message_id,)


def _strings(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (tuple, list)) else (message.string,)


@pytest.fixture(scope="module")
def extracted() -> dict:
    """msgid (str, or tuple for plurals) → ["file:line", …], extracted as ``make messages`` does."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with open(PACKAGE / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse(cfg)
    found: dict = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map, options_map, keywords=KEYWORDS):
        key = tuple(message) if isinstance(message, (tuple, list)) else message
        found.setdefault(key, []).append(f"registry/{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def vi_catalog():
    with open(VI_PO, "rb") as f:
        return read_po(f, locale="vi")


def test_extraction_finds_the_ui_strings(extracted):
    assert "Sign out" in extracted
    assert "Hard-task registry" in extracted
    assert len(extracted) > 100


def test_every_message_has_a_vietnamese_translation(extracted, vi_catalog):
    problems = []
    for message_id, where in sorted(extracted.items(), key=lambda item: str(item[0])):
        entry = vi_catalog.get(message_id)
        if entry is None:
            problems.append(f"not in vi catalog (run `make messages`, then translate): {message_id!r} at {where[0]}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {message_id!r} at {where[0]}")
        elif not all(s and s.strip() for s in _strings(entry)):
            problems.append(f"untranslated: {message_id!r} at {where[0]}")
    assert not problems, f"{len(problems)} message(s) lack a Vietnamese translation:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders(vi_catalog):
    problems = []
    for entry in vi_catalog:
        if not entry.id:
            continue
        expected = _placeholders(_ids(entry.id)[-1])
        for text in _strings(entry):
            if text and _placeholders(text) != expected:
                problems.append(f"{entry.id!r} → {text!r}")
        if entry.python_format != bool(PLACEHOLDER.search(_ids(entry.id)[0])):
            problems.append(f"python-format flag does not match the msgid: {entry.id!r}")
    for entry, errors in vi_catalog.check():
        problems.extend(f"{entry.id!r}: {error}" for error in errors)
    assert not problems, "placeholders differ between msgid and msgstr:\n" + "\n".join(problems)


def test_vi_catalog_is_complete_and_compilable(vi_catalog):
    assert not vi_catalog.fuzzy, "the catalog header is fuzzy: pybabel compile would skip it"
    assert vi_catalog.num_plurals == 1
    assert not [m.id for m in vi_catalog if m.id and m.fuzzy]


def test_compiled_catalog_matches_the_po(vi_catalog):
    assert VI_MO.exists(), f"{VI_MO} is missing: {MAKE_TRANSLATIONS}"
    with open(VI_MO, "rb") as f:
        compiled = read_mo(f)
    stale = [m.id for m in vi_catalog
             if m.id and (compiled.get(m.id) is None or _strings(compiled.get(m.id)) != _strings(m))]
    assert not stale, f"{VI_MO.name} is older than the .po ({len(stale)} differ, e.g. {stale[0]!r}): " \
                      f"{MAKE_TRANSLATIONS}"


def test_wtforms_messages_are_in_the_vi_catalog(vi_catalog):
    for message_id in ("This field is required.", "Not a valid choice.", "Not a valid integer value.",
                       ("Field must be at least %(min)d character long.",
                        "Field must be at least %(min)d characters long."),
                       "The CSRF token is missing."):
        entry = vi_catalog.get(message_id)
        assert entry is not None and all(_strings(entry)) and not entry.fuzzy, message_id


# -- pages -------------------------------------------------------------------------------------------------

def test_login_page_is_vietnamese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'lang="vi"' in html
    assert "Đăng nhập" in html
    assert "Tên đăng nhập" in html
    assert "Sign in" not in html


def test_home_is_vietnamese_by_default_and_english_on_request(world, login_as):
    client = login_as(world.owner)
    html = client.get("/").get_data(as_text=True)
    assert 'lang="vi"' in html
    assert "Đăng xuất" in html
    assert "Sổ đăng ký việc khó" in html
    assert "Sign out" not in html

    response = client.post("/language/en", data={"next": "/"})
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Sign out" in html
    assert "Hard-task registry" in html
    assert "Đăng xuất" not in html

    client.post("/language/vi", data={"next": "/"})
    assert "Đăng xuất" in client.get("/").get_data(as_text=True)


def test_login_errors_are_vietnamese(client):
    response = client.post("/login", data={"username": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Nhập tên đăng nhập." in html
    assert "Nhập mật khẩu." in html
    assert "Enter your username." not in html


def test_login_errors_are_english_when_chosen(client):
    client.post("/language/en", data={"next": "/login"})
    html = client.post("/login", data={"username": "", "password": ""}).get_data(as_text=True)
    assert "Enter your username." in html
    assert "Nhập tên đăng nhập." not in html


class _BuiltInMessagesForm(BaseForm):
    """Validators without a message of their own: WTForms' built-in messages, through our catalogue."""

    name = StringField("name", validators=[DataRequired(), Length(min=3)])
    code = StringField("code", validators=[Length(min=5)])
    number = IntegerField("number")
    choice = SelectField("choice", choices=[SelectChoice("a", "A")])


def test_wtforms_built_in_messages_are_vietnamese(app):
    with app.test_request_context("/", method="POST"):
        form = _BuiltInMessagesForm(formdata=MultiDict({"name": "", "code": "ab", "number": "x", "choice": "z"}))
        assert not form.validate()
        assert form.name.errors == ["Không được để trống mục này."]
        assert form.code.errors == ["Mục này phải có ít nhất 5 ký tự."]
        assert form.number.errors == ["Giá trị không phải là số nguyên hợp lệ."]
        assert form.choice.errors == ["Lựa chọn không hợp lệ."]


# -- dates -------------------------------------------------------------------------------------------------

def test_dates_render_day_month_year(app):
    dmy = app.jinja_env.filters["dmy"]
    assert dmy(date(2026, 1, 5)) == "05/01/2026"
    assert dmy(datetime(2026, 1, 5, 2, 30, tzinfo=timezone.utc)) == "05/01/2026 09:30"
    assert dmy(None) == ""
    with app.test_request_context("/"):
        assert render_template_string("{{ d|dmy }}", d=date(2026, 12, 31)) == "31/12/2026"


def test_templates_follow_the_language_of_a_force_locale_block(app):
    """The templates' ``_`` keeps its catalogue per language (registry/web.py:_translations) and still follows a
    ``force_locale`` block inside a Vietnamese request, and escapes what it fills in."""
    from flask_babel import force_locale

    template = app.jinja_env.from_string("{{ _('Approval queue') }}|{{ _('Hello, %(name)s', name='<b>') }}")
    with app.test_request_context("/"):
        assert template.render() == "Việc chờ phê duyệt|Xin chào, &lt;b&gt;"
        with force_locale("en"):
            assert template.render() == "Approval queue|Hello, &lt;b&gt;"
        assert template.render() == "Việc chờ phê duyệt|Xin chào, &lt;b&gt;"
