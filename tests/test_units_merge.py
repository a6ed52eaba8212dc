"""Merging (sáp nhập) and renaming units: people, grants, sub-units and open tasks move; history stays."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from registry import clock, policy
from registry.models import AuditEvent, OrgLevel, OrgUnit, Person, Role, Task, TaskState
from registry.services import admin
from registry.services import tasks as task_service
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.verify import verify_all
from tests.conftest import task_input


def test_merge_moves_people_grants_children_and_open_tasks(db, world, make_unit, make_person, make_task,
                                                          make_reviewed_task, tmp_path):
    province = world.unit
    old = make_unit("Phường Bưởi", parent=province)
    new = make_unit("Phường Tây Hồ", parent=province)
    cell = make_unit("Chi bộ số 3", level=OrgLevel.PARTY_CELL, parent=old)
    owner = make_person(Role.OWNER, unit=old, committee=old)
    standing = make_person(Role.STANDING, committee=old)
    make_person(Role.MONITOR, committee=old)
    both = make_person(grants=[(Role.MONITOR, old), (Role.MONITOR, new)])
    open_task = task_service.create_task(owner, world.year, task_input(world.field, world.year))
    task_service.submit_task(owner, open_task)
    assert open_task.committee_id == old.id
    db.session.flush()

    admin.merge_units(world.secretariat, old, new)
    db.session.commit()
    db.session.expire_all()

    old, new = db.session.get(OrgUnit, old.id), db.session.get(OrgUnit, new.id)
    assert old.merged_into_id == new.id and not old.is_active and old.parent_id == new.id
    assert old.path.startswith(new.path)
    assert db.session.get(OrgUnit, cell.id).parent_id == new.id
    assert db.session.get(OrgUnit, cell.id).path == f"{new.path}{cell.id}/"
    assert db.session.get(Person, owner.id).org_unit_id == new.id
    assert {(g.role, g.unit_id) for g in db.session.get(Person, standing.id).grants} == {(Role.STANDING, new.id)}
    assert {(g.role, g.unit_id) for g in db.session.get(Person, both.id).grants} == {(Role.MONITOR, new.id)}
    assert db.session.get(Task, open_task.id).committee_id == new.id
    # the successor's Standing Committee decides what moved
    assert policy.permits(db.session.get(Person, standing.id), "approve", db.session.get(Task, open_task.id))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "org_unit.merge"))
    assert event.after["merged_into_id"] == new.id and open_task.id in event.after["tasks"]
    assert verify_all("test-audit-key", tmp_path).ok


def test_merge_refuses_a_unit_into_its_own_sub_unit_and_outside_scope(db, world, make_unit, make_person):

    a = make_unit("Phường A", parent=world.unit)
    child = make_unit("Tổ A1", level=OrgLevel.RESIDENTIAL_GROUP, parent=a)
    with pytest.raises(ValidationFailed):
        admin.merge_units(world.secretariat, a, child)
    other_top = make_unit("Tỉnh khác", level=OrgLevel.PROVINCE, parent=None)
    foreign = make_unit("Xã khác", parent=other_top)
    with pytest.raises(PermissionDenied):
        admin.merge_units(world.secretariat, a, foreign)
    ward_office = make_person(Role.SECRETARIAT, committee=a)
    sibling = make_unit("Phường B", parent=world.unit)
    with pytest.raises(PermissionDenied):  # a ward's office cannot merge its own ward away
        admin.merge_units(ward_office, a, sibling)


def test_merge_page(world, login_as, make_unit, db):
    old = make_unit("Phường Bưởi", parent=world.unit)
    new = make_unit("Phường Tây Hồ", parent=world.unit)
    client = login_as(world.secretariat)
    page = client.get(f"/admin/units/{old.id}/merge")
    assert page.status_code == 200 and "Phường Tây Hồ" in page.get_data(as_text=True)
    refused = client.post(f"/admin/units/{old.id}/merge", data={"into_id": "0"})
    assert refused.status_code == 422
    response = client.post(f"/admin/units/{old.id}/merge", data={"into_id": str(new.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OrgUnit, old.id).merged_into_id == new.id
    assert login_as(world.owner).get(f"/admin/units/{new.id}/merge").status_code == 403


def test_rename_keeps_the_old_name_for_earlier_years(db, world, make_unit, frozen_now):
    unit = make_unit("Phường Bưởi", parent=world.unit)
    admin.save_org_unit(world.secretariat, unit, {"name": "Phường Tây Hồ", "code": unit.code, "level": "commune",
                                                  "parent_id": world.unit.id})
    db.session.flush()
    year = clock.today().year
    assert unit.name == "Phường Tây Hồ"
    assert unit.name_in(year - 1) == "Phường Bưởi" and unit.name_in(year) == "Phường Tây Hồ"


def test_collective_task_of_a_past_year_shows_the_old_name(db, world, make_unit, make_year, levels, frozen_now):

    frozen_now(datetime(2025, 3, 1, 9, tzinfo=timezone.utc))
    past = make_year(2025)
    unit = make_unit("Phường Bưởi", parent=world.unit, head=world.owner)
    task = task_service.create_task(world.owner, past, task_input(world.field, past), owner_unit_id=unit.id)
    frozen_now(datetime(2026, 3, 1, 9, tzinfo=timezone.utc))
    admin.save_org_unit(world.secretariat, unit, {"name": "Phường Tây Hồ", "code": unit.code, "level": "commune",
                                                  "parent_id": world.unit.id, "head_id": world.owner.id})
    db.session.flush()
    assert task.owner_label.startswith("Phường Bưởi")
    assert task.state == TaskState.DRAFT
