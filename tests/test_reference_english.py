"""Reference data in both languages: fields (lĩnh vực) and verdict levels have an English name shown in English
mode, Vietnamese stays the default and the fallback; unit levels and form placeholders go through Babel."""

from __future__ import annotations

from io import BytesIO

import docx
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from registry.localized import localized_name, pick_name
from registry.models import AuditEvent, Field, Notification, TaskState
from registry.services import notifications

S = TaskState
FIELD_VI, FIELD_EN = "GPMB – tái định cư", "Site clearance and resettlement"


def in_language(client, lang: str):
    with client.session_transaction() as session:
        session["lang"] = lang
    return client


@pytest.fixture
def english_field(world, db):
    world.field.name_en = FIELD_EN
    db.session.flush()
    return world.field


# -- the helper ---------------------------------------------------------------------------------------------------

def test_pick_name_prefers_english_only_in_english_mode(app):
    with app.test_request_context():
        with force_locale("en"):
            assert pick_name("Kinh tế", "Economy") == "Economy"
            assert pick_name("Kinh tế", " Economy ") == "Economy"
            assert pick_name("Kinh tế", None) == "Kinh tế"  # no English name: the Vietnamese one
            assert pick_name("Kinh tế", "   ") == "Kinh tế"
            assert localized_name({"name": "Y tế", "name_en": "Health"}) == "Health"
            assert localized_name(Field(name="Giáo dục", name_en="Education")) == "Education"
            assert Field(name="Giáo dục").display_name == "Giáo dục"
        with force_locale("vi"):
            assert pick_name("Kinh tế", "Economy") == "Kinh tế"
            assert Field(name="Giáo dục", name_en="Education").display_name == "Giáo dục"
        assert pick_name("Kinh tế", "Economy") == "Kinh tế"  # the default language is Vietnamese


# -- fields on the pages ------------------------------------------------------------------------------------------

def test_task_pages_show_the_field_in_the_current_language(english_field, world, make_task, login_as):
    task = make_task(S.SUBMITTED)
    client = login_as(world.owner)
    for url in (f"/tasks/{task.id}", "/tasks/", "/tasks/new"):
        vi = in_language(client, "vi").get(url).get_data(as_text=True)
        en = in_language(client, "en").get(url).get_data(as_text=True)
        assert FIELD_VI in vi and FIELD_EN not in vi, url
        assert FIELD_EN in en and FIELD_VI not in en, url
    # the registration form's choices: the same option, named in English
    en = in_language(client, "en").get("/tasks/new").get_data(as_text=True)
    assert f'<option value="{world.field.id}">{FIELD_EN}</option>' in en


def test_a_field_without_english_name_falls_back_to_vietnamese(world, make_task, login_as):
    task = make_task(S.SUBMITTED)
    assert world.field.name_en is None
    en = in_language(login_as(world.owner), "en").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'lang="en"' in en and FIELD_VI in en


def test_report_lists_fields_in_the_current_language(english_field, world, make_task, login_as):
    make_task(S.SUBMITTED)
    client = login_as(world.standing)
    url = f"/reports?year={world.year.year}"
    en = in_language(client, "en").get(url).get_data(as_text=True)
    vi = in_language(client, "vi").get(url).get_data(as_text=True)
    assert f'<tr data-field="{world.field.id}"><td>{FIELD_EN}</td>' in en
    assert f'<tr data-field="{world.field.id}"><td>{FIELD_VI}</td>' in vi


def test_api_gives_both_names(english_field, world, client, db):
    from registry.services import tokens as token_service
    token = token_service.create_token(world.owner, "Kiểm thử")[1]
    db.session.commit()
    body = client.get(f"/api/v1/fields/{world.field.id}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert (body["name"], body["name_en"]) == (FIELD_VI, FIELD_EN)


# -- verdict levels -----------------------------------------------------------------------------------------------

def test_verdict_levels_in_the_current_language(make_reviewed_task, world, login_as, levels, db):
    task = make_reviewed_task(stop_at="final_assessed")
    levels["stopped"].name_en = None  # an English name not given: the Vietnamese one is shown
    db.session.commit()
    client = login_as(world.standing)
    en = in_language(client, "en").get(f"/tasks/{task.id}/verdict").get_data(as_text=True)
    vi = in_language(client, "vi").get(f"/tasks/{task.id}/verdict").get_data(as_text=True)
    assert f'<option value="{levels["exceeded"].id}">Completed beyond target</option>' in en
    assert f'<option value="{levels["partial"].id}">Partially completed</option>' in en
    assert f'<option value="{levels["stopped"].id}">Dừng có phê duyệt</option>' in en
    assert "Hoàn thành vượt mức" not in en
    assert f'<option value="{levels["exceeded"].id}">Hoàn thành vượt mức</option>' in vi
    assert "Completed beyond target" not in vi and "Partially completed" not in vi


def test_recorded_verdict_and_its_export_in_the_current_language(make_reviewed_task, world, login_as):
    task = make_reviewed_task("exceeded")
    client = login_as(world.owner)
    en = in_language(client, "en").get(f"/tasks/{task.id}").get_data(as_text=True)
    vi = in_language(client, "vi").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Completed beyond target" in en and "Hoàn thành vượt mức" not in en
    assert "Hoàn thành vượt mức" in vi and "Completed beyond target" not in vi

    def docx_text(lang: str) -> str:
        response = in_language(client, lang).get(f"/tasks/{task.id}/review.docx")
        assert response.status_code == 200
        document = docx.Document(BytesIO(response.data))
        return " ".join([p.text for p in document.paragraphs]
                        + [c.text for t in document.tables for r in t.rows for c in r.cells])

    assert "Completed beyond target" in docx_text("en")
    assert "Hoàn thành vượt mức" in docx_text("vi") and "Completed beyond target" not in docx_text("vi")


def test_verdict_notification_names_the_level_in_the_reader_language(make_reviewed_task, world, app, db):
    make_reviewed_task("partial")
    notice = db.session.scalar(select(Notification).where(Notification.kind == "task.verdict"))
    assert notice.params["level_en"] == "Partially completed"
    with app.test_request_context():
        with force_locale("en"):
            assert notice.params and "Partially completed" in notifications.message(notice)
        with force_locale("vi"):
            assert "Hoàn thành một phần" in notifications.message(notice)


# -- unit levels and placeholders go through Babel ----------------------------------------------------------------

def test_unit_levels_in_the_current_language(world, login_as):
    client = login_as(world.secretariat)
    assert "Xã / phường" in in_language(client, "vi").get("/admin/units").get_data(as_text=True)
    en = in_language(client, "en").get("/admin/units").get_data(as_text=True)
    assert "Commune / ward" in en and "Xã / phường" not in en
    form = in_language(client, "en").get("/admin/units/new").get_data(as_text=True)
    assert ">Party cell</option>" in form and ">Residential group</option>" in form


def test_placeholders_in_the_current_language(world, login_as):
    client = login_as(world.secretariat)
    vi = in_language(client, "vi").get("/admin/years/new").get_data(as_text=True)
    en = in_language(client, "en").get("/admin/years/new").get_data(as_text=True)
    assert 'placeholder="Ví dụ: 366-QĐ/TW"' in vi and 'placeholder="e.g. 366-QĐ/TW"' in en
    assert 'placeholder="dd/mm/yyyy"' in vi and 'placeholder="dd/mm/yyyy"' in en


# -- the secretariat enters the English name ----------------------------------------------------------------------

def test_admin_field_form_saves_the_english_name(world, login_as, db):
    client = login_as(world.secretariat)
    form = in_language(client, "vi").get(f"/admin/fields/{world.field.id}/edit").get_data(as_text=True)
    assert 'name="name_en"' in form and "Tên tiếng Anh" in form

    response = client.post("/admin/fields/new", data={"name": "Chuyển đổi số", "sort_order": "2", "is_active": "y",
                                                      "name_en": " Digital transformation "})
    assert response.status_code == 302
    field = db.session.scalar(select(Field).where(Field.name == "Chuyển đổi số"))
    assert field.name_en == "Digital transformation"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "field.create",
                                                       AuditEvent.object_id == field.id))
    assert event.after["name_en"] == "Digital transformation"
    listing = in_language(client, "vi").get("/admin/fields").get_data(as_text=True)
    assert "Digital transformation" in listing

    # emptied: the Vietnamese name is shown again
    response = client.post(f"/admin/fields/{field.id}/edit", data={"name": "Chuyển đổi số", "name_en": "  ",
                                                                  "sort_order": "2", "is_active": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Field, field.id).name_en is None


def test_too_long_english_name_is_refused_on_its_input(world, login_as, db):
    client = login_as(world.secretariat)
    events = db.session.scalar(select(func.count(AuditEvent.seq)))
    response = in_language(client, "vi").post(f"/admin/fields/{world.field.id}/edit",
                                              data={"name": FIELD_VI, "name_en": "x" * 201, "sort_order": "1"})
    assert response.status_code == 422
    assert '<p class="error" id="name_en-error">Tối đa 200 ký tự.</p>' \
        in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Field, world.field.id).name_en is None
    assert db.session.scalar(select(func.count(AuditEvent.seq))) == events
