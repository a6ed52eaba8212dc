"""Commendation proposals: the list of what verdicts proposed (scope, filters, states), the council's decision as
the secretariat records it (who may, field messages, 409s out of order, the audit event and the row seal), the
DOCX and XLSX read back, and the API."""

from __future__ import annotations

import io
import logging
from datetime import date, datetime, timezone

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.models.org import place
from registry.models import AuditEvent, CommendationDecision, CouncilDecision, ProposalState, Role
from registry.services import commendations, review
from registry.services import tokens as token_service
from registry.services.commendations import proposal_filters, proposal_state, proposals
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed
from registry.services.verify import verify_all
from registry.extensions import db
from tests.helpers import count_queries
from tests.test_rating import drive

VERDICT_AT = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def scene(frozen_now, world, levels, make_unit, make_person, db):
    """Three proposals of the world's committee (a reward, a praise, one whose verdict was reopened), a verdict
    without a commendation, and a proposal of another committee."""
    frozen_now(VERDICT_AT)
    reward = drive(world, levels, world.owner, level="exceeded", commendation="reward", title="Mương Thụy Khuê")
    praise = drive(world, levels, world.other_owner, level="on_time", commendation="praise", title="Tam Đa")
    plain = drive(world, levels, world.owner, level="late", title="Không khen")
    lapsed = drive(world, levels, world.owner, level="exceeded", commendation="reward", title="Mở lại")
    lapsed_verdict = lapsed.current_verdict
    review.reopen_task(world.standing, lapsed, "Sai số liệu")
    far_unit = make_unit("Xã Xa Xôi", parent=None)
    far = {"owner": make_person(Role.OWNER, committee=far_unit, unit=far_unit, full_name="Xa Văn Chủ"),
           "standing": make_person(Role.STANDING, committee=far_unit),
           "monitor": make_person(Role.MONITOR, committee=far_unit),
           "secretariat": make_person(Role.SECRETARIAT, committee=far_unit)}
    theirs = drive(world, levels, far["owner"], level="exceeded", commendation="reward", decider=far["standing"],
                   monitor=far["monitor"], title="Việc xã xa")
    frozen_now(datetime(2026, 12, 20, 3, 0, tzinfo=timezone.utc))
    db.session.commit()
    return {"reward": reward.current_verdict, "praise": praise.current_verdict, "plain": plain.current_verdict,
            "lapsed": lapsed_verdict, "theirs": theirs.current_verdict, "far": far}


ACCEPT = {"decision": "accepted", "decision_ref": "Quyết định số 45-QĐ/ĐU", "decided_on": date(2026, 12, 18),
          "reason": ""}
REFUSE = {"decision": "not_accepted", "decision_ref": "", "decided_on": date(2026, 12, 18),
          "reason": "Chưa đủ tiêu chuẩn theo quy chế thi đua"}


def _ids(stmt):
    return [v.id for v in db.session.scalars(stmt).unique()]


def test_list_holds_the_proposals_the_viewer_may_read(scene, world):
    listed = _ids(proposals(world.secretariat, proposal_filters(year=world.year.year)))
    assert set(listed) == {scene["reward"].id, scene["praise"].id, scene["lapsed"].id}  # not the plain verdict
    assert _ids(proposals(scene["far"]["secretariat"], proposal_filters())) == [scene["theirs"].id]
    assert _ids(proposals(world.owner, proposal_filters())) == sorted([scene["reward"].id, scene["lapsed"].id])


def test_states_and_filters(scene, world, db):
    commendations.decide(world.secretariat, scene["praise"], REFUSE)
    db.session.commit()
    states = {v.id: proposal_state(v) for v in db.session.scalars(
        proposals(world.secretariat, proposal_filters())).unique()}
    assert states == {scene["reward"].id: ProposalState.PROPOSED, scene["praise"].id: ProposalState.NOT_ACCEPTED,
                      scene["lapsed"].id: ProposalState.LAPSED}
    for state in ProposalState:
        found = _ids(proposals(world.secretariat, proposal_filters(state=state.value)))
        assert found == [vid for vid, s in states.items() if s is state], state
    assert _ids(proposals(world.secretariat, proposal_filters(commendation="praise"))) == [scene["praise"].id]
    assert _ids(proposals(world.secretariat, proposal_filters(year=1999))) == []
    by_state = _ids(proposals(world.secretariat, proposal_filters(sort="state")))
    assert by_state == [scene["reward"].id, scene["praise"].id, scene["lapsed"].id]


def test_recording_a_decision_writes_its_audit_event_and_seal(scene, world, db, app, tmp_path):
    row = commendations.decide(world.secretariat, scene["reward"], ACCEPT)
    db.session.commit()
    assert row.decision is CouncilDecision.ACCEPTED and row.recorded_by_id == world.secretariat.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "commendation.decide"))
    assert event.actor_id == world.secretariat.id and event.task_id == scene["reward"].task_id
    assert event.unit_id == world.unit.id
    assert event.after["council_decision"] == "accepted" and event.after["decision_ref"] == ACCEPT["decision_ref"]
    assert event.after["decided_on"] == "2026-12-18"
    assert f"commendation_decisions:{row.id}" in event.data["rows"]
    assert verify_all(app.config["AUDIT_KEY"], tmp_path).ok
    # a direct edit of the row is caught by the trail
    db.session.execute(CommendationDecision.__table__.update().values(decision_ref="Sửa tay"))
    db.session.commit()
    report = verify_all(app.config["AUDIT_KEY"], tmp_path)
    assert not report.ok


def test_who_may_record(scene, world, make_unit, make_person, db):
    for person in (world.owner, world.standing, world.inspector, world.monitor, scene["far"]["secretariat"]):
        with pytest.raises(PermissionDenied):
            commendations.decide(person, scene["reward"], ACCEPT)
    # the secretariat of a unit above the committee may
    province = make_unit("Tỉnh Trên", parent=None)
    world.unit.parent = province
    place(world.unit)
    above = make_person(Role.SECRETARIAT, committee=province)
    db.session.flush()
    assert commendations.decide(above, scene["reward"], ACCEPT).recorded_by_id == above.id
    assert db.session.scalar(select(func.count(CommendationDecision.id))) == 1


def test_out_of_order_is_409(scene, world, db):
    commendations.decide(world.secretariat, scene["reward"], ACCEPT)
    with pytest.raises(Conflict, match="đã được ghi nhận"):
        commendations.decide(world.secretariat, scene["reward"], REFUSE)
    with pytest.raises(Conflict, match="mở lại"):
        commendations.decide(world.secretariat, scene["lapsed"], ACCEPT)
    with pytest.raises(Conflict, match="không đề nghị"):
        commendations.decide(world.secretariat, scene["plain"], ACCEPT)


def test_a_decided_proposal_stays_decided_when_the_verdict_is_reopened(scene, world, db):
    commendations.decide(world.secretariat, scene["reward"], ACCEPT)
    review.reopen_task(world.standing, scene["reward"].task, "Xem lại")
    db.session.commit()
    assert proposal_state(scene["reward"]) is ProposalState.ACCEPTED and not scene["reward"].is_current


@pytest.mark.parametrize("data, field, words", [
    ({**ACCEPT, "decision": None}, "decision", "Chọn Hội đồng chấp thuận"),
    ({**ACCEPT, "decision": "maybe"}, "decision", "Chọn Hội đồng chấp thuận"),
    ({**ACCEPT, "decision_ref": ""}, "decision_ref", "Ghi số, ký hiệu"),
    ({**REFUSE, "reason": "  "}, "reason", "Ghi lý do Hội đồng"),
    ({**ACCEPT, "decided_on": None}, "decided_on", "dd/mm/yyyy"),
    ({**ACCEPT, "decided_on": date(2027, 1, 1)}, "decided_on", "sau hôm nay"),
    ({**ACCEPT, "decided_on": date(2026, 3, 1)}, "decided_on", "sau ngày kết luận (15/03/2026)"),
    ({**ACCEPT, "decision_ref": "x" * 201}, "decision_ref", "200"),
    ({**REFUSE, "reason": "x" * 2001}, "reason", "2000"),
    ({**ACCEPT, "extra": "1"}, "extra", "không hợp lệ"),
])
def test_field_messages_and_nothing_written(scene, world, db, data, field, words):
    with pytest.raises(ValidationFailed) as caught:
        commendations.decide(world.secretariat, scene["reward"], data)
    assert field in caught.value.errors and words in " ".join(map(str, caught.value.errors[field]))
    db.session.rollback()
    assert db.session.scalar(select(func.count(CommendationDecision.id))) == 0


def test_page_form_records_and_shows_vietnamese_messages(scene, world, login_as, client, db):
    login_as(world.secretariat)
    url = f"/commendations/{scene['reward'].id}/decision"
    page = client.get(url)
    assert page.status_code == 200 and "Giấy khen" in page.get_data(as_text=True)
    refused = client.post(url, data={"decision": "accepted", "decision_ref": "", "decided_on": "18/12/2026"})
    assert refused.status_code == 422
    assert "Ghi số, ký hiệu của quyết định khen thưởng." in refused.get_data(as_text=True)
    bad_date = client.post(url, data={"decision": "accepted", "decision_ref": "45-QĐ/ĐU", "decided_on": "31/02/2026"})
    assert bad_date.status_code == 422
    assert db.session.scalar(select(func.count(CommendationDecision.id))) == 0
    done = client.post(url, data={"decision": "accepted", "decision_ref": "45-QĐ/ĐU", "decided_on": "18/12/2026"})
    assert done.status_code == 302
    assert client.post(url, data={"decision": "accepted", "decision_ref": "46", "decided_on": "18/12/2026"}
                       ).status_code == 409
    listed = client.get("/commendations?state=accepted").get_data(as_text=True)
    assert f'data-verdict="{scene["reward"].id}"' in listed and "45-QĐ/ĐU" in listed and "18/12/2026" in listed


def test_page_permissions(scene, world, login_as, client, caplog):
    caplog.set_level(logging.WARNING, logger="registry.policy")
    url = f"/commendations/{scene['reward'].id}/decision"
    for person, status in ((world.standing, 403), (world.inspector, 403), (world.owner, 403),
                           (scene["far"]["secretariat"], 403)):
        login_as(person)
        assert client.get(url).status_code == status, person.username
    login_as(world.standing)
    html = client.get("/commendations").get_data(as_text=True)
    assert "Mương Thụy Khuê" in html and "Việc xã xa" not in html
    assert f'/commendations/{scene["reward"].id}/decision' not in html  # no button for who may not record
    login_as(world.secretariat)
    assert f'/commendations/{scene["reward"].id}/decision' in client.get("/commendations").get_data(as_text=True)
    assert client.get(f"/commendations/{scene['lapsed'].id}/decision").status_code == 409
    assert client.get("/commendations/999999/decision").status_code == 404


def test_xlsx_and_docx_read_back(scene, world, login_as, client, db):
    commendations.decide(world.secretariat, scene["praise"], REFUSE)
    db.session.commit()
    login_as(world.secretariat)
    response = client.get(f"/commendations.xlsx?year={world.year.year}&sort=owner")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert len(rows) == 4
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title["Tam Đa"][2] == "Lê Văn Khác" and by_title["Tam Đa"][5] == "Biểu dương"
    assert by_title["Tam Đa"][8] == "Không được chấp thuận" and by_title["Tam Đa"][11] == REFUSE["reason"]
    assert by_title["Tam Đa"][10] == datetime(2026, 12, 18)
    assert by_title["Mương Thụy Khuê"][8] == "Đề nghị"
    response = client.get(f"/commendations.docx?year={world.year.year}&state=proposed")
    assert response.status_code == 200
    document = read_docx(io.BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "DANH SÁCH ĐỀ NGHỊ BIỂU DƯƠNG, KHEN THƯỞNG" in text.upper()
    assert "1 đề nghị, 1 đề nghị đang chờ Hội đồng quyết định." in text
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert any("Mương Thụy Khuê" in c for c in cells)
    assert not any("Tam Đa" in c for c in cells)  # not accepted: filtered out
    assert not any("Việc xã xa" in c for c in cells)


def test_api_list_and_decision(scene, world, client, db):
    tokens = {p.username: token_service.create_token(p, "Kiểm thử")[1] for p in (world.secretariat, world.standing)}
    db.session.commit()

    def headers(person):
        return {"Authorization": f"Bearer {tokens[person.username]}"}

    listed = client.get("/api/v1/commendations?state=proposed", headers=headers(world.standing)).get_json()
    assert [i["verdict_id"] for i in listed["items"]] == [scene["reward"].id, scene["praise"].id]
    assert listed["items"][0]["state"] == "proposed" and listed["items"][0]["decision"] is None
    url = f"/api/v1/commendations/{scene['reward'].id}/decision"
    body = {"decision": "accepted", "decision_ref": "45-QĐ/ĐU", "decided_on": "2026-12-18"}
    assert client.post(url, json=body, headers=headers(world.standing)).status_code == 403
    missing = client.post(url, json={**body, "decision_ref": ""}, headers=headers(world.secretariat))
    assert missing.status_code == 422 and "decision_ref" in missing.get_json()["errors"]
    done = client.post(url, json=body, headers=headers(world.secretariat))
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["state"] == "accepted" and done.get_json()["decision"]["decision_ref"] == "45-QĐ/ĐU"
    assert client.post(url, json=body, headers=headers(world.secretariat)).status_code == 409
    lapsed = f"/api/v1/commendations/{scene['lapsed'].id}/decision"
    assert client.post(lapsed, json=body, headers=headers(world.secretariat)).status_code == 409
    assert client.post("/api/v1/commendations/999999/decision", json=body,
                       headers=headers(world.secretariat)).status_code == 404


def test_list_runs_a_fixed_number_of_queries(world, levels, make_person, make_unit, login_as, client, db,
                                             frozen_now, app):
    frozen_now(VERDICT_AT)

    def grow(n):
        for i in range(n):
            head = make_person(Role.OWNER, unit=world.unit)
            unit = make_unit(f"Tổ {head.id}", head=head) if i % 2 else None
            verdict = drive(world, levels, head, level="exceeded", unit=unit,
                            commendation=("praise", "reward")[i % 2]).current_verdict
            if i % 3 == 0:
                commendations.decide(world.secretariat, verdict, ACCEPT | {"decided_on": VERDICT_AT.date()})
        db.session.commit()

    grow(2)
    login_as(world.secretariat)
    url = f"/commendations?year={world.year.year}&sort=owner"
    small, _ = count_queries(db, client, url)
    grow(9)
    large, page = count_queries(db, client, url)
    assert page.count("data-verdict=") == min(11, app.config["PAGE_SIZE"])
    assert _ids(proposals(world.secretariat, proposal_filters(year=world.year.year))).__len__() == 11
    assert large == small
