"""The secretariat's administration pages: access, people, years, org units, and the people list's queries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event, select

from registry.models import AuditEvent, OrgLevel, OrgUnit, Person, Role, Year
from tests.conftest import PASSWORD

pytestmark = pytest.mark.db

ADMIN_GETS = [
    "/admin/people",
    "/admin/people?q=nguyen&role=owner",
    "/admin/people/new",
    "/admin/people/{person}/edit",
    "/admin/units",
    "/admin/units/new",
    "/admin/units/{unit}/edit",
    "/admin/years",
    "/admin/years/new",
    "/admin/years/{year}/edit",
    "/admin/fields",
    "/admin/fields/new",
    "/admin/fields/{field}/edit",
]


def _url(world, template: str) -> str:
    return template.format(person=world.owner.id, unit=world.unit.id, year=world.year.id, field=world.field.id)


def _fresh(db, model, **where):
    """A row as the database has it now (what the request committed)."""
    db.session.expire_all()
    return db.session.scalars(select(model).filter_by(**where)).one_or_none()


def _listed(response) -> str:
    """The rows of a list page (the header shows the signed-in person's name too)."""
    body = response.get_data(as_text=True)
    return body[body.find("<tbody>"):body.find("</tbody>")] if "<tbody>" in body else ""


def _grants(unit, *roles) -> dict:
    """Form fields of grant rows: each role in ``unit``."""
    out = {}
    for i, role in enumerate(roles):
        out[f"grants-{i}-role"] = role
        out[f"grants-{i}-unit_id"] = str(unit.id) if unit is not None else "0"
    return out


def _new_person_form(unit=None, **overrides) -> dict:
    data = {
        "username": "tran.binh",
        "full_name": "Trần Văn Bình",
        "position": "Bí thư Chi bộ",
        "email": "binh@example.vn",
        "org_unit_id": "0",
        "password": "mat-khau-ban-dau",
        **_grants(unit, "owner", "monitor"),
    }
    if "grants" in overrides:
        for key in [k for k in data if k.startswith("grants-")]:
            del data[key]
        data.update(overrides.pop("grants"))
    data.update(overrides)
    return data


def _year_form(year: Year, **overrides) -> dict:
    data = {
        "year": str(year.year),
        "registration_opens_on": year.registration_opens_on.strftime("%d/%m/%Y"),
        "registration_closes_on": year.registration_closes_on.strftime("%d/%m/%Y"),
        "q1_deadline": year.q1_deadline.strftime("%d/%m/%Y"),
        "q2_deadline": year.q2_deadline.strftime("%d/%m/%Y"),
        "q3_deadline": year.q3_deadline.strftime("%d/%m/%Y"),
        "q4_deadline": year.q4_deadline.strftime("%d/%m/%Y"),
        "rating_regulation": year.rating_regulation,
    }
    data.update(overrides)
    return data


# -- access ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ADMIN_GETS)
def test_secretariat_opens_every_admin_page(world, login_as, path):
    client = login_as(world.secretariat)
    response = client.get(_url(world, path))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for section in ("/admin/people", "/admin/units", "/admin/years", "/admin/fields"):
        assert f'href="{section}"' in body  # the sub-navigation


@pytest.mark.parametrize("role", ["owner", "monitor", "standing", "inspector"])
@pytest.mark.parametrize("path", ADMIN_GETS)
def test_other_roles_are_refused(world, login_as, role, path):
    client = login_as(getattr(world, role))
    response = client.get(_url(world, path))
    assert response.status_code == 403


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_anonymous_is_sent_to_sign_in(world, client, db, path):
    db.session.commit()
    response = client.get(_url(world, path))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", [
    "/admin/people/new", "/admin/people/{person}/edit", "/admin/people/{person}/active",
    "/admin/people/{person}/password", "/admin/units/new", "/admin/years/new", "/admin/fields/new",
])
def test_other_roles_cannot_post(world, login_as, db, path):
    client = login_as(world.standing)
    response = client.post(_url(world, path), data=_new_person_form(active="0", new_password="x" * 12,
                                                                    name="Lĩnh vực mới", code="NEW"))
    assert response.status_code == 403
    assert _fresh(db, Person, username="tran.binh") is None
    assert _fresh(db, Person, id=world.owner.id).is_active_account
    assert db.session.scalars(select(AuditEvent)).first() is None


# -- people ------------------------------------------------------------------------------------------------

def test_create_person_with_roles_and_audit(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post("/admin/people/new", data=_new_person_form(world.unit, org_unit_id=str(world.unit.id)))
    assert response.status_code == 302
    person = _fresh(db, Person, username="tran.binh")
    assert person is not None
    assert response.headers["Location"].endswith(f"/admin/people/{person.id}/edit")
    assert person.full_name == "Trần Văn Bình"
    assert person.org_unit_id == world.unit.id
    assert person.roles == {Role.OWNER, Role.MONITOR}
    assert person.check_password("mat-khau-ban-dau")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.create")).all()
    assert [(e.object_id, e.actor_id) for e in events] == [(person.id, world.secretariat.id)]


def test_duplicate_username_is_refused_and_input_kept(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post("/admin/people/new", data=_new_person_form(world.unit, username="owner"))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Tên đăng nhập này đã được sử dụng." in body
    assert 'value="Trần Văn Bình"' in body
    assert 'value="binh@example.vn"' in body
    assert 'value="owner"' in body  # the username typed stays, to be corrected
    assert '<option selected value="monitor">' in body  # the grant rows typed stay too
    db.session.expire_all()
    assert db.session.scalars(select(Person).where(Person.full_name == "Trần Văn Bình")).first() is None


def test_person_without_role_is_refused(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post("/admin/people/new", data=_new_person_form(grants={}))
    assert response.status_code == 422
    assert "Hãy giao cho người này ít nhất một vai trò trong một đơn vị." in response.get_data(as_text=True)
    assert _fresh(db, Person, username="tran.binh") is None


def test_edit_person_changes_roles(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post(f"/admin/people/{world.owner.id}/edit", data={
        "username": "owner", "full_name": "Trần Thị Chủ", "position": "Chủ tịch UBND phường", "email": "",
        "org_unit_id": str(world.unit.id), **_grants(world.unit, "owner", "standing"),
    })
    assert response.status_code == 302
    owner = _fresh(db, Person, id=world.owner.id)
    assert owner.position == "Chủ tịch UBND phường"
    assert owner.roles == {Role.OWNER, Role.STANDING}
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.update")).one()


def test_deactivated_person_loses_their_session(world, app, login_as, db):
    owner_client = app.test_client()
    login_as(world.owner)  # commits the world
    with owner_client.session_transaction() as session:
        session["_user_id"] = str(world.owner.id)
        session["_fresh"] = True
    assert owner_client.get("/admin/people").status_code == 403  # signed in (just not allowed here)

    client = login_as(world.secretariat)
    response = client.post(f"/admin/people/{world.owner.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert not _fresh(db, Person, id=world.owner.id).is_active_account
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.deactivate")).one()

    for path in ("/", "/admin/people"):
        response = owner_client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    page = client.get(f"/admin/people/{world.owner.id}/edit").get_data(as_text=True)
    assert "Mở khóa tài khoản" in page

    signed_in_again = login_as(world.owner)  # a fresh session cookie for the deactivated account
    response = signed_in_again.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    client = login_as(world.secretariat)

    response = client.post(f"/admin/people/{world.owner.id}/active", data={"active": "1"})
    assert response.status_code == 302
    assert _fresh(db, Person, id=world.owner.id).is_active_account


def test_secretariat_cannot_deactivate_themselves(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post(f"/admin/people/{world.secretariat.id}/active", data={"active": "0"})
    assert response.status_code == 422
    assert "Không thể tự khóa tài khoản của chính mình." in response.get_data(as_text=True)
    assert _fresh(db, Person, id=world.secretariat.id).is_active_account


def test_reset_password(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post(f"/admin/people/{world.owner.id}/password", data={"new_password": "short"})
    assert response.status_code == 422
    assert "Dùng ít nhất 10 ký tự." in response.get_data(as_text=True)
    assert _fresh(db, Person, id=world.owner.id).check_password(PASSWORD)

    response = client.post(f"/admin/people/{world.owner.id}/password", data={"new_password": "mat-khau-moi-2026"})
    assert response.status_code == 302
    assert _fresh(db, Person, id=world.owner.id).check_password("mat-khau-moi-2026")


def test_people_search_and_role_filter(world, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 50)
    client = login_as(world.secretariat)
    rows = _listed(client.get("/admin/people?q=Thường Vụ"))
    assert "Phạm Thường Vụ" in rows and "Đỗ Thường Vụ Hai" in rows and "Trần Thị Chủ" not in rows

    response = client.get("/admin/people?q=Monitor")  # usernames match without diacritics or case
    rows = _listed(response)
    assert "Vũ Mặt Trận" in rows and "Hoàng Giám Sát" in rows and "Ngô Văn Phòng" not in rows

    rows = _listed(client.get("/admin/people?q=mat tran"))  # names match without diacritics too
    assert "Vũ Mặt Trận" in rows and "Hoàng Giám Sát" not in rows
    assert "Vũ Mặt Trận" in _listed(client.get("/admin/people?q=Mặt Trận"))

    rows = _listed(client.get("/admin/people?role=inspector"))
    assert "Bùi Kiểm Tra" in rows and "Vũ Mặt Trận" not in rows
    assert "Ủy ban Kiểm tra (chỉ xem)" in rows

    response = client.get("/admin/people?q=100%25")  # LIKE wildcards are taken literally
    assert "Không tìm thấy ai phù hợp." in response.get_data(as_text=True)


def _count_people_list_queries(app, db, client) -> tuple[int, str]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/admin/people")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_people_list_queries_do_not_grow_with_rows(app, db, login_as, make_person, make_unit, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 50)
    secretary = make_person(Role.SECRETARIAT, username="secretary", full_name="Ngô Văn Phòng")
    for i in range(2):
        make_person(Role.OWNER, Role.MONITOR, full_name=f"Người thứ {i}", unit=make_unit(f"Đơn vị A{i}"))
    client = login_as(secretary)
    few, body = _count_people_list_queries(app, db, client)
    assert body.count("Người thứ") == 2 and "Đơn vị A1" in body

    for i in range(2, 14):
        make_person(Role.OWNER, Role.MONITOR, full_name=f"Người thứ {i}", unit=make_unit(f"Đơn vị A{i}"))
    db.session.commit()
    many, body = _count_people_list_queries(app, db, client)
    assert body.count("Người thứ") == 14 and "Đơn vị A13" in body
    assert many == few


# -- years -------------------------------------------------------------------------------------------------

def test_extending_the_registration_window(world, login_as, db):
    closes = date(world.year.year + 1, 1, 15)
    client = login_as(world.secretariat)
    response = client.post(f"/admin/years/{world.year.id}/edit",
                           data=_year_form(world.year, registration_closes_on=closes.strftime("%d/%m/%Y")))
    assert response.status_code == 302
    assert _fresh(db, Year, id=world.year.id).registration_closes_on == closes
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "year.update")).one()
    assert "15/01/" in client.get("/admin/years").get_data(as_text=True)


def test_window_closing_before_it_opens_is_refused(world, login_as, db):
    before = world.year.registration_closes_on
    opens = world.year.registration_opens_on
    client = login_as(world.secretariat)
    bad = date(opens.year - 1, 1, 1).strftime("%d/%m/%Y")
    response = client.post(f"/admin/years/{world.year.id}/edit",
                           data=_year_form(world.year, registration_closes_on=bad))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Ngày kết thúc đăng ký phải sau ngày mở đăng ký." in body
    assert f'value="{bad}"' in body
    assert _fresh(db, Year, id=world.year.id).registration_closes_on == before


def test_create_year_and_bad_date(world, login_as, db):
    client = login_as(world.secretariat)
    data = {"year": "2031", "registration_opens_on": "01/11/2030", "registration_closes_on": "31/03/2031",
            "q1_deadline": "05/04/2031", "q2_deadline": "05/07/2031", "q3_deadline": "05/10/2031",
            "q4_deadline": "20/12/2031", "rating_regulation": "366-QĐ/TW"}
    response = client.post("/admin/years/new", data={**data, "q2_deadline": "31/02/2031"})
    assert response.status_code == 422
    assert "Nhập ngày theo dạng dd/mm/yyyy." in response.get_data(as_text=True)
    assert _fresh(db, Year, year=2031) is None

    response = client.post("/admin/years/new", data=data)
    assert response.status_code == 302
    assert _fresh(db, Year, year=2031).q4_deadline == date(2031, 12, 20)


# -- org units and fields ----------------------------------------------------------------------------------

def test_unit_cannot_sit_under_its_own_descendant(world, login_as, make_unit, db):
    top = make_unit("Đảng bộ phường", level=OrgLevel.COMMUNE, parent=world.unit)
    cell = make_unit("Chi bộ khu dân cư số 1", level=OrgLevel.PARTY_CELL, parent=top)
    client = login_as(world.secretariat)
    response = client.post(f"/admin/units/{top.id}/edit", data={
        "name": "Đảng bộ phường", "code": top.code, "level": "commune", "parent_id": str(cell.id),
        "head_id": "0", "is_active": "y",
    })
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Đơn vị không thể trực thuộc chính nó hoặc đơn vị cấp dưới của nó." in body
    assert _fresh(db, OrgUnit, id=top.id).parent_id == world.unit.id

    units = client.get("/admin/units").get_data(as_text=True)
    assert units.index("Đảng bộ phường") < units.index("Chi bộ khu dân cư số 1")


def test_create_unit_with_head(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post("/admin/units/new", data={
        "name": "Chi bộ tổ dân phố 7", "code": "CB7", "level": "party_cell", "parent_id": str(world.unit.id),
        "head_id": str(world.owner.id), "is_active": "y",
    })
    assert response.status_code == 302
    unit = _fresh(db, OrgUnit, code="CB7")
    assert (unit.parent_id, unit.head_id, unit.level) == (world.unit.id, world.owner.id, OrgLevel.PARTY_CELL)
    assert "Trần Thị Chủ" in client.get("/admin/units").get_data(as_text=True)


def test_field_create_edit_and_duplicate(world, login_as, db):
    client = login_as(world.secretariat)
    response = client.post("/admin/fields/new", data={"name": "GPMB – tái định cư", "sort_order": "3"})
    assert response.status_code == 422
    assert "Lĩnh vực này đã có." in response.get_data(as_text=True)

    response = client.post(f"/admin/fields/{world.field.id}/edit", data={"name": "Đất đai", "sort_order": "2"})
    assert response.status_code == 302
    db.session.expire_all()
    field = db.session.get(type(world.field), world.field.id)
    assert (field.name, field.sort_order, field.is_active) == ("Đất đai", 2, False)
