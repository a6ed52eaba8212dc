"""Audit pages: per task, per person and the whole trail (filters, pagination newest first), who may see them,
and the "Verify now" button, which reports ok and, after a row is tampered with, the first bad event."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, func, select

from registry.blueprints.dossier import views as dossier_views
from registry.models import AuditEvent, TaskState
from tests.test_audit_verify import triggers_off, update_row


def seqs(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-seq="(\d+)">', html)]


def actions(html: str) -> list[str]:
    return re.findall(r'data-action="([\w.]+)"', html)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def evidence_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))


# -- who may see ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [
    ("owner", 200), ("monitor", 200), ("other_owner", 403), ("other_monitor", 403),
    ("standing", 200), ("secretariat", 200), ("inspector", 200),
])
def test_task_audit_permissions(who, status, world, make_task, login_as):
    task = make_task(TaskState.APPROVED)
    assert login_as(getattr(world, who)).get(f"/tasks/{task.id}/audit").status_code == status


@pytest.mark.parametrize("who, status", [
    ("owner", 200), ("other_owner", 403), ("monitor", 403), ("standing", 200), ("secretariat", 200),
    ("inspector", 200),
])
def test_person_audit_permissions(who, status, world, make_task, login_as):
    make_task(TaskState.APPROVED)
    assert login_as(getattr(world, who)).get(f"/people/{world.owner.id}/audit").status_code == status


@pytest.mark.parametrize("who, status", [
    ("owner", 403), ("monitor", 403), ("standing", 403), ("secretariat", 200), ("inspector", 200),
])
def test_global_audit_permissions(who, status, world, login_as, evidence_dir):
    client = login_as(getattr(world, who))
    assert client.get("/audit").status_code == status
    assert client.post("/audit/verify").status_code == (302 if status == 200 else 403)


def test_unknown_and_signed_out(client, world, login_as):
    assert client.get("/audit").status_code == 302
    client = login_as(world.secretariat)
    assert client.get("/tasks/999999/audit").status_code == 404
    assert client.get("/people/999999/audit").status_code == 404


# -- what they show -------------------------------------------------------------------------------------------

def test_task_audit_lists_its_events_newest_first_with_hashes(world, make_reviewed_task, make_task, login_as, db):
    task = make_reviewed_task()
    make_task(TaskState.SUBMITTED, title="Việc khác")  # events of another task stay out
    db.session.commit()
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.task_id == task.id)
                                     .order_by(AuditEvent.seq.desc())))
    assert 5 < len(events) <= 15
    client = login_as(world.owner)
    pages = [client.get(f"/tasks/{task.id}/audit?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    assert seqs(pages[0]) == [e.seq for e in events[:5]]  # PAGE_SIZE is 5 in the tests
    assert [n for page in pages for n in seqs(page)] == [e.seq for e in events]
    assert actions(pages[0])[0] == "task.verdict" and events[0].entry_hash[:12] in pages[0]
    # before → after: the approval shows its decision and who made it, in local time
    approve = next(e for e in events if e.action == "task.approve")
    html = "".join(pages)
    row = html.split(f'<tr data-seq="{approve.seq}">')[1].split("</tr>")[0]
    assert "12-QĐ/ĐU" in row and "<del>" in row and "<ins>" in row and world.standing.full_name in row
    assert world.monitor.full_name in row  # the monitor named by id in the change
    assert re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", row) and approve.entry_hash[:12] in row


def test_times_are_shown_in_vietnam_time(frozen_now, world, make_task, login_as, db):
    frozen_now(utc(2026, 3, 14, 20, 30))  # 03:30 on 15/03 in Hà Nội
    task = make_task()
    db.session.commit()
    html = login_as(world.owner).get(f"/tasks/{task.id}/audit").get_data(as_text=True)
    assert "15/03/2026 03:30" in html


def test_person_audit_shows_events_about_the_person(world, make_task, login_as, db):
    mine = make_task(TaskState.APPROVED, title="Việc của tôi")
    theirs = make_task(TaskState.APPROVED, owner=world.other_owner, title="Việc của người khác")
    db.session.commit()
    html = login_as(world.owner).get(f"/people/{world.owner.id}/audit").get_data(as_text=True)
    expected = list(db.session.scalars(select(AuditEvent.seq).where(AuditEvent.subject_person_id == world.owner.id)
                                       .order_by(AuditEvent.seq.desc()).limit(5)))
    assert seqs(html) == expected
    assert mine.code in html and theirs.code not in html


# -- the whole trail: filters and pages ---------------------------------------------------------------------------

@pytest.fixture
def trail(frozen_now, world, make_task, db):
    """Events on two days: 10/03/2026 (two tasks registered and approved) and 20/03/2026 (one submitted)."""
    frozen_now(utc(2026, 3, 10, 2, 0))
    first = make_task(TaskState.APPROVED, title="Việc thứ nhất")
    second = make_task(TaskState.APPROVED, owner=world.other_owner, title="Việc thứ hai")
    frozen_now(utc(2026, 3, 20, 2, 0))
    third = make_task(TaskState.SUBMITTED, title="Việc thứ ba")
    db.session.commit()
    return first, second, third


def all_seqs(db, *conditions) -> list[int]:
    return list(db.session.scalars(select(AuditEvent.seq).where(*conditions).order_by(AuditEvent.seq.desc())))


def test_global_trail_pages_newest_first(trail, world, login_as, db):
    client = login_as(world.inspector)
    expected = all_seqs(db)
    assert len(expected) > 5
    got = []
    for n in range(1, 5):
        got += seqs(client.get(f"/audit?page={n}").get_data(as_text=True))
    assert got == expected


@pytest.mark.parametrize("query, condition", [
    ("action=task.approve", lambda w: AuditEvent.action == "task.approve"),
    ("actor=pham thuong", lambda w: AuditEvent.actor_id == w.standing.id),  # diacritics ignored
    ("actor=other", lambda w: AuditEvent.actor_id == w.other_owner.id),  # the user name
    ("since=15/03/2026", lambda w: AuditEvent.occurred_at >= utc(2026, 3, 14, 17, 0)),  # local midnight
    ("until=14/03/2026", lambda w: AuditEvent.occurred_at < utc(2026, 3, 14, 17, 0)),
    ("since=10/03/2026&until=10/03/2026&action=task.create",
     lambda w: (AuditEvent.occurred_at < utc(2026, 3, 10, 17, 0)) & (AuditEvent.action == "task.create")),
])
def test_global_trail_filters(query, condition, trail, world, login_as, db):
    expected = all_seqs(db, condition(world))
    assert expected, "the filter selects something"
    client = login_as(world.secretariat)
    got = []
    for n in range(1, 5):
        got += seqs(client.get(f"/audit?{query}&page={n}").get_data(as_text=True))
    assert got == expected


def test_task_filter_and_pager_keep_the_filters(trail, world, login_as, db):
    first, _, _ = trail
    client = login_as(world.secretariat)
    html = client.get(f"/audit?task={first.id}").get_data(as_text=True)
    assert seqs(html) == all_seqs(db, AuditEvent.task_id == first.id)[:5]
    html = client.get("/audit?action=task.create").get_data(as_text=True)
    assert set(actions(html)) == {"task.create"}
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert total > 5 and "page=2" not in html  # three creations fit on one page
    html = client.get("/audit?since=10/03/2026").get_data(as_text=True)
    assert 'href="/audit?page=2&amp;since=10/03/2026"' in html


def test_invalid_filters_are_reported_and_ignored(trail, world, login_as, db):
    client = login_as(world.secretariat)
    response = client.get("/audit?since=31/02/2026&task=abc")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert seqs(html) == all_seqs(db)[:5]
    html = client.get("/audit?since=20/03/2026&until=10/03/2026").get_data(as_text=True)
    assert 'class="error"' in html


def in_all(html: str) -> int:
    """The pager's total ("Tổng cộng N", "N in all")."""
    return int(re.search(r'<p class="muted">Tổng cộng (\d+)</p>', html).group(1))




def test_totals_and_actions_kept_until_the_trail_moves(trail, world, login_as, db, make_task, kept):
    """The trail's totals and the filter's actions are kept per reader and filters until the next event: the
    same page again counts nothing, and a new event shows at once in the totals and the rows."""
    from registry.models import AuditHead
    client = login_as(world.secretariat)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    html = client.get("/audit").get_data(as_text=True)
    assert in_all(html) == total and 'value="task.submit"' in html
    assert in_all(client.get("/audit?action=task.approve").get_data(as_text=True)) == len(
        all_seqs(db, AuditEvent.action == "task.approve"))
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        again = client.get("/audit").get_data(as_text=True)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert in_all(again) == total
    assert not any("count(" in s.lower() and "audit_events" in s for s in statements)  # kept: not counted
    assert not any("DISTINCT audit_events.action" in s for s in statements)

    make_task(TaskState.DRAFT, title="Việc thứ tư")  # audited: the trail moves
    db.session.commit()
    head = db.session.scalar(select(AuditHead.last_seq))
    moved = client.get("/audit").get_data(as_text=True)
    assert in_all(moved) == total + 1 == db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert seqs(moved)[0] == head
    # another reader's scope is counted for them
    assert in_all(login_as(world.inspector).get("/audit").get_data(as_text=True)) == total + 1


# -- verification ---------------------------------------------------------------------------------------------

def test_verify_now_reports_ok_then_the_tampered_event(world, make_reviewed_task, login_as, db, evidence_dir,
                                                       monkeypatch):
    make_reviewed_task()
    db.session.commit()
    client = login_as(world.inspector)
    html = client.get("/audit").get_data(as_text=True)
    assert 'id="verify-status"' in html and "data-ok" not in html  # nothing run on a page load

    response = client.post("/audit/verify")
    assert response.status_code == 302 and response.headers["Location"].endswith("/audit#verification")
    html = client.get("/audit").get_data(as_text=True)
    assert 'data-ok="true"' in html

    with triggers_off(db):
        update_row(db, 3, action="task.forged")
    db.session.commit()
    client.post("/audit/verify")
    html = client.get("/audit").get_data(as_text=True)
    assert 'data-ok="false"' in html and 'data-seq="3"' in html and 'data-kind="edited"' in html

    def fail(*args, **kwargs):
        raise AssertionError("verify ran on a page load")

    monkeypatch.setattr(dossier_views, "verify_all", fail)
    assert client.get("/audit?page=2").status_code == 200


def test_verify_names_a_deleted_event(world, make_task, login_as, db, evidence_dir):
    make_task(TaskState.APPROVED)
    db.session.commit()
    with triggers_off(db):
        db.session.execute(AuditEvent.__table__.delete().where(AuditEvent.seq == 2))
    db.session.commit()
    client = login_as(world.secretariat)
    client.post("/audit/verify")
    html = client.get("/audit").get_data(as_text=True)
    assert 'data-seq="2"' in html and 'data-kind="deleted"' in html


def test_the_audit_scope_of_a_top_units_authority(world, make_unit, make_person, db):
    """Holding every top unit: the whole trail (no condition to scan with); holding one of two top units: its
    subtree and the installation-wide events, not the other top unit's."""
    from registry import policy
    from registry.models import OrgLevel, Role
    from registry.services.audit import record_event

    inside = make_unit("Xã trong tỉnh")
    record_event(world.standing, "unit.update", object_type="org_unit", object_id=inside.id, unit_id=inside.id)
    record_event(world.secretariat, "year.update", object_type="year", object_id=world.year.id)  # no unit
    db.session.commit()

    def seen(person) -> set[int | None]:
        return set(db.session.scalars(select(AuditEvent.unit_id).where(policy.audit_scope(person))))

    assert seen(world.secretariat) == set(db.session.scalars(select(AuditEvent.unit_id))) >= {inside.id, None}
    other = make_unit("Tỉnh khác", level=OrgLevel.PROVINCE, parent=None)
    record_event(world.secretariat, "unit.update", object_type="org_unit", object_id=other.id, unit_id=other.id)
    db.session.commit()
    assert other.id not in seen(world.secretariat)  # no longer every top unit
    assert {inside.id, None} <= seen(world.secretariat)
    both = make_person(grants=[(Role.SECRETARIAT, world.secretariat.grants[0].unit), (Role.SECRETARIAT, other)])
    assert seen(both) == set(db.session.scalars(select(AuditEvent.unit_id)))
