"""A trail a person can read: every kind of audit event, rendered on the task, person and whole-trail views in
Vietnamese and in English, shows labels for every recorded field and value, names instead of ids, only the fields
that changed, years without a thousands separator and the right words; a carry-over is in both tasks' histories."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from registry import clock, labels
from registry.models import AuditEvent, OrgLevel, Period, Recommendation, TaskState
from registry.services import admin, commendations, monitoring, progress, public_page, review
from registry.services import tasks as task_service
from registry.services import tokens as token_service
from registry.services.audit import record_event
from registry.services.evidence import EvidenceStore, attach_evidence
from registry.services.people import _person_snapshot
from tests.conftest import task_input

SOURCE = Path(__file__).resolve().parent.parent / "registry"

#: keys recorded in events that must never show as such (nor any other recorded key)
RAW = re.compile(r"\b(full_name|org_unit_id|grace_days|committee_id|grants|unit_id|owner_unit_id|parent_id|"
                 r"merged_into_id|head_id|indicator_id|note_id|verdict_id|carried_from_id|missing_quarters|"
                 r"task_state|is_late|self_level|sha256|application/pdf|q\d_deadline|registration_\w+_on|"
                 r"rating_regulation|sort_order|username|type:)\b")


def recorded_actions() -> set[str]:
    """Every action name passed to ``record_event`` in the code (``kind.create``/``kind.update`` of admin)."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found.update(re.findall(r'record_event\(\s*\w+,\s*"([\w.]+)"', text))
        found.update(re.findall(r'record_event\(\s*actor,\s*"([\w.]+)"\s+if', text))
        found.update(re.findall(r'else\s+"([a-z_]+\.[a-z_]+)",\s*object_type', text))
        if "f\"{kind}.{'create' if is_new else 'update'}\"" in text:
            found.update(f"{kind}.{verb}" for kind in ("org_unit", "year", "field") for verb in ("create", "update"))
    return found


def visible_text(html: str) -> str:
    """The table of events as a reader sees it (tags and attribute values removed)."""
    body = html[html.index('<table class="list responsive audit">'):]
    body = body[:body.index("</table>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def trail(app, world, db, make_unit, make_task, make_reviewed_task, levels, tmp_path, frozen_now, monkeypatch):
    """One event of every kind, through the services where they are cheap to drive."""
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "PAGE_SIZE", 500)  # the whole trail on one page
    # the registration's life: create, update, submit, return, resubmit, approve, adjust, change the monitor
    draft = make_task(TaskState.DRAFT, title="Việc nháp để rút")
    task_service.withdraw_task(world.owner, draft, "Không còn phù hợp")
    task = make_task(TaskState.DRAFT)
    task_service.update_task(world.owner, task, task_input(world.field, world.year,
                                                           title="Giải phóng mặt bằng mương Thụy Khuê (sửa)"))
    task_service.submit_task(world.owner, task)
    task_service.return_task(world.standing, task, comment="Bổ sung chỉ tiêu")
    task_service.submit_task(world.owner, task)
    task_service.approve_task(world.standing, task, decision_ref="12-QĐ/ĐU", decision_date=clock.today(),
                              monitor=world.monitor)
    task_service.adjust_task(world.standing, task, reason="Điều chỉnh thời hạn",
                             data={"deadline": date(world.year.year, 12, 15)})
    task_service.assign_monitor(world.standing, task, world.other_monitor)
    task_service.assign_monitor(world.standing, task, world.monitor)
    # Form B: a note (late: quarter 1's deadline 05/04 has passed on 07/04, inside the grace days), an edit, evidence, an amendment
    frozen_now(clock.now().replace(month=4, day=7))
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Đối thoại với 20 hộ", "status": "on_track", "values": {str(task.indicators[0].id): 24}})
    progress.update_progress_note(world.owner, note, {
        "work_done": "Đối thoại với 24 hộ", "status": "at_risk", "values": {str(task.indicators[0].id): 20}})
    store = EvidenceStore(tmp_path)
    attach_evidence(world.owner, note, io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "Biên bản đối thoại.pdf", store)
    frozen_now(clock.now().replace(month=6, day=1))
    progress.amend_progress_note(world.owner, note, "Số liệu phường gửi lại", {
        "work_done": "Đối thoại với 24 hộ", "status": "late", "values": {str(task.indicators[0].id): 21}})
    # Form C: an assessment with a recommendation, acknowledged and replied to; the six-month review
    assessment = monitoring.add_assessment(world.monitor, task, Period.Q1, {
        "supervision_form": "document_review", "judgement": "late", "strengths": "Tích cực",
        "shortcomings": "Chậm", "causes": ""}, [
            {"content": "Đẩy nhanh đối thoại", "addressee": "Chủ tịch UBND phường",
             "reply_deadline": date(world.year.year, 6, 30)}])
    monitoring.acknowledge_assessment(world.owner, assessment)
    recommendation = db.session.scalar(select(Recommendation).where(Recommendation.assessment_id == assessment.id))
    monitoring.reply_to_recommendation(world.owner, recommendation, "Đã tăng cường tổ công tác")
    frozen_now(clock.now().replace(month=7, day=10))
    monitoring.take_mid_year_snapshots(world.secretariat, world.year)
    monitoring.conclude_mid_year(world.standing, task.mid_year_review, "Tiếp tục đẩy nhanh")
    # Form D on another task: self-assessment, verdict (unfinished), reopen, new verdict, carry-over
    reviewed = make_reviewed_task(level="partial")
    review.reopen_task(world.standing, reviewed, "Phát hiện sai sót số liệu")
    review.record_verdict(world.standing, reviewed, {
        "level_id": levels["partial"].id, "percent": 60, "reasons": "Còn 4 hộ", "commendation": "none",
        "commendation_form": "", "measures": "Chuyển sang năm sau"})
    next_year = admin.save_year(world.secretariat, None, {
        "year": world.year.year + 1, "registration_opens_on": date(world.year.year, 1, 1),
        "registration_closes_on": date(world.year.year + 1, 12, 31),
        "q1_deadline": date(world.year.year + 1, 4, 5), "q2_deadline": date(world.year.year + 1, 7, 5),
        "q3_deadline": date(world.year.year + 1, 10, 5), "q4_deadline": date(world.year.year + 1, 12, 20),
        "grace_days": 7, "rating_regulation": "366-QĐ/TW"})
    admin.save_year(None, next_year, {**{k: getattr(next_year, k) for k in admin.YEAR_FIELDS}, "grace_days": 10})
    carried = review.carry_over(world.owner, reviewed, next_year, "Còn 4 hộ chưa bàn giao")
    # the emulation council's decision on the commendation a verdict proposed
    commended = make_reviewed_task(level="exceeded")
    commendations.decide(world.secretariat, commended.current_verdict, {
        "decision": "accepted", "decision_ref": "45-QĐ/ĐU", "decided_on": clock.today(), "reason": ""})
    # reference data and accounts (the CLI as actor where a service asks for the top committee's office)
    ward = admin.save_org_unit(None, None, {"name": "Tổ dân phố 5", "code": "TDP5",
                                            "level": OrgLevel.RESIDENTIAL_GROUP.value,
                                            "parent_id": world.unit.id})
    admin.save_org_unit(None, ward, {"name": "Tổ dân phố số 5", "code": "TDP5", "level": "residential_group",
                                     "parent_id": world.unit.id, "head_id": world.owner.id})
    other = make_unit("Tổ dân phố 6", level=OrgLevel.RESIDENTIAL_GROUP)
    admin.merge_units(None, other, ward)
    field = admin.save_field(None, None, {"name": "Chuyển đổi số"})
    admin.save_field(None, field, {"name": "Chuyển đổi số", "sort_order": 5})
    person = world.other_owner
    snapshot = _person_snapshot(person)
    record_event(world.secretariat, "person.create", object_type="person", object_id=person.id, subject=person,
                 after=snapshot)
    record_event(world.secretariat, "person.update", object_type="person", object_id=person.id, subject=person,
                 before=snapshot, after={**snapshot, "full_name": "Lê Văn Khác Hai", "org_unit_id": ward.id,
                                         "grants": [{"role": "owner", "unit_id": world.unit.id},
                                                    {"role": "monitor", "unit_id": ward.id}]})
    for action in ("person.deactivate", "person.activate"):
        record_event(world.secretariat, action, object_type="person", object_id=person.id, subject=person,
                     before={"is_active": action.endswith("activate") and "de" not in action},
                     after={"is_active": "de" not in action})
    record_event(world.secretariat, "person.reset_password", object_type="person", object_id=person.id,
                 subject=person)
    record_event(person, "person.change_password", object_type="person", object_id=person.id, subject=person)
    record_event(None, "person.reset_link_sent", object_type="person", object_id=person.id, subject=person)
    record_event(person, "person.reset_by_link", object_type="person", object_id=person.id, subject=person)
    token, _plain = token_service.create_token(world.owner, "Máy chủ báo cáo")
    token_service.revoke_token(world.owner, token)
    public_page.save_public_page(world.secretariat, world.unit, {"is_enabled": True, "columns": ["owner", "status"]})
    db.session.commit()
    return {"task": task, "reviewed": reviewed, "carried": carried, "note": note}


def in_english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"
    return client


def pages(client, trail, world) -> dict[str, str]:
    out = {}
    for name, url in {"task": f"/tasks/{trail['task'].id}/audit", "reviewed": f"/tasks/{trail['reviewed'].id}/audit",
                      "carried": f"/tasks/{trail['carried'].id}/audit", "person": f"/people/{world.owner.id}/audit",
                      "other": f"/people/{world.other_owner.id}/audit"}.items():
        response = client.get(url)
        assert response.status_code == 200, url
        out[name] = response.get_data(as_text=True)
    response = client.get("/audit")
    assert response.status_code == 200
    out["audit"] = response.get_data(as_text=True)
    return out


def test_every_recorded_action_has_a_label():
    missing = sorted(action for action in recorded_actions() if action not in labels.ACTION)
    assert not missing, f"actions without a label: {missing}"


def test_trail_walks_every_action_kind(trail, db):
    recorded = set(db.session.scalars(select(AuditEvent.action).distinct()))
    assert recorded_actions() - recorded == set(), f"not walked: {sorted(recorded_actions() - recorded)}"


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_audit_views_read_as_words(lang, trail, world, login_as, db):
    client = login_as(world.secretariat)
    if lang == "en":
        in_english(client)
    shown = pages(client, trail, world)
    for name, html in shown.items():
        text = visible_text(html)
        raw = RAW.findall(text)
        assert not raw, f"{lang} {name}: raw keys {sorted(set(raw))}"
        assert not re.search(r"\b2\.0\d\d\b|\b2,0\d\d\b", text), f"{lang} {name}: a year with a separator"
        assert "#" not in text, f"{lang} {name}: a bare id"
        for event_action in re.findall(r'data-action="([\w.]+)"', html):
            assert event_action in labels.ACTION
    task_page = visible_text(shown["task"])
    late_word = "Submitted late" if lang == "en" else "Nộp muộn"
    assert late_word in task_page
    assert "Biên bản đối thoại.pdf" in task_page and "PDF" in task_page
    whole = " ".join(visible_text(html) for key, html in shown.items() if key.startswith("audit"))
    assert str(world.year.year + 1) in whole  # the year created, as a year
    assert "Tổ dân phố số 5" in whole and "Phường Thụy Khuê" in whole  # units by name
    if lang == "en":
        assert "Full name" in whole and "Grace days for editing notes" in whole and "Roles" in whole


def test_only_the_changed_fields_of_a_snapshot_are_shown(trail, world, login_as):
    client = login_as(world.secretariat)
    html = client.get(f"/people/{world.other_owner.id}/audit").get_data(as_text=True)
    row = html[html.index('data-action="person.update"'):]
    row = row[:row.index("</tr>")]
    keys = re.findall(r'data-key="(\w+)"', row)
    assert set(keys) == {"full_name", "org_unit_id", "grants"}, keys


def test_a_carry_over_is_in_both_histories(trail, world, login_as):
    client = login_as(world.owner)
    old = client.get(f"/tasks/{trail['reviewed'].id}/audit").get_data(as_text=True)
    new = client.get(f"/tasks/{trail['carried'].id}/audit").get_data(as_text=True)
    assert 'data-action="task.carry_over"' in old and 'data-action="task.carry_over"' in new
    assert trail["carried"].code in visible_text(old)  # the old task's history names the new task


def test_a_note_is_named_by_its_quarter_and_task(trail, world, login_as):
    html = login_as(world.secretariat).get(f"/tasks/{trail['task'].id}/audit").get_data(as_text=True)
    text = visible_text(html)
    assert f"Quý I, việc {trail['task'].code}" in text

