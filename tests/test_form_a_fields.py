"""Form A's text fields are declared once (``task_input.FORM_A_TEXT``) and everything else is made from that table:
for every entry, the page form has the field with its limit and its kind of input, the API's input schema has it
with ``maxLength``, the output schema has it, the registration page renders an input for it, a value registered
through the page or the API shows on the task page and in the year-end document (DOCX), and the trail labels a
change of it with its translated label."""

from __future__ import annotations

import re
from io import BytesIO

import docx
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from registry import labels
from registry.api.schemas import inputs
from registry.api.schemas.tasks import TaskSchema
from registry.blueprints.tasks import forms as task_forms
from registry.models import Task
from registry.services import rowseal, task_input
from registry.services.review import locked_record
from registry.services.task_input import FORM_A_TEXT
from tests.test_api_contract import API, api_as, json_task, token_for  # noqa: F401 - fixtures
from tests.test_task_pages import form_payload

pytestmark = pytest.mark.db

TEXTS = pytest.mark.parametrize("text", FORM_A_TEXT, ids=lambda text: text.name)


def values(tag: str) -> dict[str, str]:
    """A distinct value for every text field, within its limit."""
    return {text.name: f"{tag} {text.name.replace('_', ' ')} số {i}"[:text.limit] for i, text in
            enumerate(FORM_A_TEXT, start=1)}


def docx_text(data: bytes) -> str:
    document = docx.Document(BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_table_is_the_registrations_text_fields():
    names = [text.name for text in FORM_A_TEXT]
    assert len(set(names)) == len(names)
    assert task_input.TEXT_FIELDS == tuple(names)
    assert task_input.MAX_LENGTHS == {text.name: text.limit for text in FORM_A_TEXT}
    for text in FORM_A_TEXT:
        assert text.card in (task_input.TASK_CARD, task_input.COORDINATION_CARD)
        column = Task.__table__.columns[text.name]
        assert not column.nullable
        if getattr(column.type, "length", None):  # a String column holds what the form accepts
            assert column.type.length >= text.limit


@TEXTS
@pytest.mark.parametrize("form_class", [task_forms.NewRegistrationForm, task_forms.RegistrationForm,
                                        task_forms.AdjustForm])
def test_page_form_has_the_field_with_its_limit(text, form_class, app):
    with app.test_request_context():
        field = form_class(meta={"csrf": False})[text.name]
    assert isinstance(field, TextAreaField if text.multiline else StringField)
    assert not isinstance(field, TextAreaField) or text.multiline
    assert str(field.label.text) == str(text.label)
    assert [v.max for v in field.validators if isinstance(v, Length)] == [text.limit]
    assert any(isinstance(v, DataRequired) for v in field.validators) == bool(text.required)


@TEXTS
def test_api_schemas_have_the_field(text, client):
    for schema in (inputs.TaskFieldsInput, inputs.TaskUpdateInput, inputs.TaskCreateInput, inputs.AdjustInput):
        assert text.name in schema().fields, schema
    assert text.name in TaskSchema().fields
    document = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    for name in ("TaskCreateInput", "TaskUpdateInput", "AdjustInput"):
        assert document[name]["properties"][text.name]["maxLength"] == text.limit, name
    assert document["Task"]["properties"][text.name]["type"] == "string"
    assert text.name in document["Task"]["required"]
    assert (text.name in inputs.TaskCreateInput.service_checked()) == bool(text.required)


@TEXTS
def test_registration_page_renders_an_input(text, world, login_as):
    html = login_as(world.owner).get("/tasks/new").get_data(as_text=True)
    tag = "textarea" if text.multiline else "input"
    match = re.search(rf'<{tag}[^>]*\bid="{text.name}"[^>]*>', html)
    assert match, f"no <{tag}> for {text.name}"
    assert f'maxlength="{text.limit}"' in match.group(0)
    assert re.search(rf'<label for="{text.name}">{re.escape(str(escape(str(text.label))))}</label>', html)
    if text.hint:
        assert str(escape(str(text.hint))) in html


def test_registered_through_the_page_shows_on_the_task_page_and_in_the_document(world, login_as, db):
    given = values("Trang")
    client = login_as(world.owner)
    response = client.post("/tasks/new", data=form_payload(world, **given))
    assert response.status_code == 302, response.get_data(as_text=True)
    task = db.session.scalars(db.select(Task).where(Task.title == given["title"])).one()
    assert {name: getattr(task, name) for name in given} == given
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    with force_locale("vi"):
        heading = f"<h2>{escape(_('Registration (Form A)'))}</h2>"
    form_a_card = page.split(heading, 1)[1].split("</section>", 1)[0]
    for text in FORM_A_TEXT:
        value = str(escape(given[text.name]))
        if text.on_page:
            assert re.search(rf"<dt>{re.escape(str(escape(str(text.label))))}</dt><dd>{re.escape(value)}</dd>",
                             form_a_card), text.name
        else:
            assert value in page, text.name
    document = client.get(f"/tasks/{task.id}/review.docx")
    assert document.status_code == 200
    written = docx_text(document.data)
    for text in FORM_A_TEXT:
        assert given[text.name] in written, text.name
        if text.in_document:
            assert f"{text.label}: {given[text.name]}" in written, text.name


def test_registered_through_the_api_comes_back_and_shows_on_the_task_page(world, login_as, request):
    given = values("API")
    owner = request.getfixturevalue("api_as")(world.owner)
    response = owner.post("tasks", json={**json_task(world, **given), "year": world.year.year})
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert {name: body[name] for name in given} == given
    again = owner.get(f"tasks/{body['id']}").get_json()
    assert {name: again[name] for name in given} == given
    page = login_as(world.owner).get(f"/tasks/{body['id']}").get_data(as_text=True)
    for name, value in given.items():
        assert str(escape(value)) in page, name
    written = docx_text(login_as(world.owner).get(f"/tasks/{body['id']}/review.docx").data)
    for name, value in given.items():
        assert value in written, name


@TEXTS
def test_trail_label_comes_from_the_table(text, app):
    assert labels.TASK_FIELD[text.name] is text.trail_label
    assert labels.FIELD[text.name] is text.trail_label
    with force_locale("en"):
        english = str(text.trail_label)
    with force_locale("vi"):
        assert str(text.trail_label) != english, f"{text.name}: no Vietnamese label"


def test_a_change_of_every_text_field_is_labelled_in_the_history(world, login_as, make_task, db):
    task = make_task()
    client = login_as(world.owner)
    changed = values("Sửa")
    response = client.post(f"/tasks/{task.id}/edit", data=form_payload(world, **changed))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    history = page.split('<ol class="timeline">', 1)[1]
    with force_locale("vi"):
        for text in FORM_A_TEXT:
            assert f"<li>{escape(str(text.trail_label))}:" in history, text.name
            assert str(escape(changed[text.name])) in history, text.name


def test_a_text_field_added_later_stays_out_of_the_seals_while_empty(make_reviewed_task, monkeypatch):
    """A field with ``since`` did not exist when older records were sealed: while empty it is left out of the row
    seal (``rowseal.NEUTRAL``) and of the verdict's seal (``review.locked_record``), so those seals still hold."""
    assert rowseal.NEUTRAL.get("tasks", {}) == {name: "" for name in task_input.ADDED_TEXT_FIELDS}
    assert task_input.ADDED_TEXT_FIELDS == tuple(text.name for text in FORM_A_TEXT if text.since)
    task = make_reviewed_task(reference_documents="")
    assert "reference_documents" in locked_record(task, task.current_verdict)["task"]
    monkeypatch.setattr(task_input, "ADDED_TEXT_FIELDS", ("reference_documents",))  # as if added by a migration
    assert "reference_documents" not in locked_record(task, task.current_verdict)["task"]
    task.reference_documents = "Kế hoạch 18-KH/QU"
    assert locked_record(task, task.current_verdict)["task"]["reference_documents"] == "Kế hoạch 18-KH/QU"
