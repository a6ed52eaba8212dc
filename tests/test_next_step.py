"""The task page's "what to do next" line (registry.services.guidance.next_step), per role and state: the
owner's due note with its deadline, the monitor's period to assess, the Standing Committee's decision, a neutral
line for anyone else."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from registry.models import Period, TaskState, Year
from registry.services import monitoring, progress
from registry.services import tasks as task_service
from registry.services.guidance import next_step

S = TaskState


def at(frozen_now, day: date) -> None:
    frozen_now(datetime(day.year, day.month, day.day, 3, tzinfo=timezone.utc))


@pytest.fixture
def note(world):
    def write(task, quarter: int):
        return progress.add_progress_note(world.owner, task, quarter, {
            "work_done": f"Quý {quarter}", "status": "on_track", "values": {task.indicators[0].id: 10 * quarter}})
    return write


def step_of(person, task, **expected):
    step = next_step(person, task)
    found = {"text": str(step.text), "endpoint": step.endpoint, "values": step.values, "is_action": step.is_action}
    for key, value in expected.items():
        if key == "says":
            assert value in found["text"], (found["text"], value)
        else:
            assert found[key] == value, (key, found)
    return step


# -- the owner ----------------------------------------------------------------------------------------------------

def test_owner_of_a_draft_completes_and_submits_it_before_the_window_closes(world, make_task, frozen_now):
    at(frozen_now, date(2026, 3, 15))
    task = make_task()
    step_of(world.owner, task, endpoint="tasks.edit", values={"task_id": task.id}, is_action=True,
            says="Hoàn thiện phiếu đăng ký (Mẫu A) và gửi Ban Thường vụ trước ngày 31/12/2026")


def test_owner_of_a_returned_registration_revises_it(world, make_task, frozen_now):
    at(frozen_now, date(2026, 3, 15))
    task = make_task(S.RETURNED)
    step_of(world.owner, task, endpoint="tasks.edit", says="Sửa bản đăng ký theo ý kiến của Ban Thường vụ")


def test_owner_of_a_draft_after_the_window_closed_is_told_so(world, make_task, frozen_now, db):
    at(frozen_now, date(2026, 3, 15))
    task = make_task()
    world.year.registration_opens_on, world.year.registration_closes_on = date(2026, 1, 1), date(2026, 3, 1)
    db.session.flush()
    step_of(world.owner, task, endpoint=None, is_action=False, says="đã kết thúc ngày 01/03/2026")


def test_owner_waits_for_the_decision_the_standing_committee_decides(world, make_task, frozen_now):
    at(frozen_now, date(2026, 3, 15))
    task = make_task(S.SUBMITTED)
    step_of(world.owner, task, is_action=False, endpoint=None, says="Đã gửi ngày 15/03/2026")
    for decider in (world.standing, world.standing2):
        step_of(decider, task, endpoint="tasks.decide", values={"task_id": task.id}, is_action=True,
                says="Xem xét và phê duyệt bản đăng ký")
    step_of(world.monitor, task, is_action=False, says="không có việc gì cần đồng chí thực hiện")  # not assigned
    task_service.assign_monitor(world.standing, task, world.monitor)  # named before the approval
    step_of(world.monitor, task, is_action=False, says="Việc chưa được triển khai: chưa có nội dung để giám sát")


def test_owner_submits_the_current_quarters_note_by_its_deadline(world, make_task, note, frozen_now):
    at(frozen_now, date(2026, 8, 10))
    task = make_task(S.APPROVED)
    note(task, 1)
    note(task, 2)
    step_of(world.owner, task, endpoint="progress.new_note", values={"task_id": task.id, "quarter": 3},
            is_action=True, says="Nộp báo cáo tiến độ quý III trước ngày 05/10/2026 (Mẫu B)")


def test_owner_is_told_of_the_earliest_overdue_note_first(world, make_task, frozen_now):
    at(frozen_now, date(2026, 5, 10))
    task = make_task(S.APPROVED)
    step_of(world.owner, task, endpoint="progress.new_note", values={"task_id": task.id, "quarter": 1},
            says="Báo cáo tiến độ quý I đã quá hạn từ ngày 05/04/2026")
    # the office of the committee is told to remind the owner; an inspector only reads
    step_of(world.secretariat, task, is_action=False, says="Báo cáo quý I đã quá hạn từ ngày 05/04/2026: nhắc")
    step_of(world.inspector, task, is_action=False, endpoint=None,
            says="Đồng chí được xem việc này; không có việc gì cần đồng chí thực hiện.")


def test_office_of_a_past_year_task_is_sent_to_the_entries_left(world, make_task, frozen_now):
    at(frozen_now, date(2026, 3, 20))
    task = make_task(S.APPROVED)
    at(frozen_now, date(2027, 2, 1))  # the year is over: the office enters what its register records
    step_of(world.secretariat, task, endpoint="tasks.show", values={"task_id": task.id, "_anchor": "backfill"},
            is_action=True, says="Năm 2026 đã kết thúc")
    step_of(world.inspector, task, is_action=False, endpoint=None)


def test_after_the_note_the_owner_answers_the_monitor(world, make_task, note, frozen_now):
    at(frozen_now, date(2026, 3, 20))
    task = make_task(S.APPROVED)
    step_of(world.owner, task, says="quý I trước ngày 05/04/2026")
    step_of(world.monitor, task, endpoint="monitoring.new_assessment", says="Cho ý kiến giám sát quý I (Mẫu C)")
    note(task, 1)
    step_of(world.monitor, task, endpoint="monitoring.new_assessment",
            says="Người đăng ký đã nộp báo cáo quý I: cho ý kiến giám sát quý này")
    step_of(world.owner, task, is_action=False, endpoint=None,
            says="báo cáo quý II viết được từ ngày 01/04/2026, hạn nộp ngày 05/07/2026")
    assessment = monitoring.add_assessment(world.monitor, task, Period.Q1, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Đúng kế hoạch"},
        [{"content": "Công khai danh sách hộ", "addressee": "UBND phường", "reply_deadline": date(2026, 4, 30)}])
    recommendation = assessment.recommendations[0]
    step_of(world.owner, task, endpoint="monitoring.reply", values={"rec_id": recommendation.id},
            says="Trả lời kiến nghị của cán bộ giám sát trước ngày 30/04/2026")
    step_of(world.monitor, task, is_action=False, says="Hiện chưa có kỳ cần giám sát")
    monitoring.reply_to_recommendation(world.owner, recommendation, "Đã niêm yết tại nhà văn hóa")
    step_of(world.owner, task, endpoint="tasks.show", values={"task_id": task.id, "_anchor": "monitoring"},
            says="xác nhận đã tiếp nhận")
    monitoring.acknowledge_assessment(world.owner, assessment)
    step_of(world.owner, task, is_action=False, says="báo cáo quý II")


def test_four_quarters_reported_the_owner_self_assesses(world, make_task, note, frozen_now):
    at(frozen_now, date(2026, 10, 15))
    task = make_task(S.APPROVED)
    for quarter in (1, 2, 3, 4):
        note(task, quarter)
    step_of(world.owner, task, endpoint="review.self_assessment", values={"task_id": task.id},
            says="Đã báo cáo đủ bốn quý: viết bản tự đánh giá cuối năm (Mẫu D)")


def test_year_end_order_self_assessment_final_assessment_verdict(world, make_reviewed_task, frozen_now, db):
    at(frozen_now, date(2026, 12, 10))
    task = make_reviewed_task(stop_at="self_assessed")
    step_of(world.owner, task, is_action=False, says="Đã gửi bản tự đánh giá")
    step_of(world.monitor, task, endpoint="review.final_assessment", values={"task_id": task.id},
            says="cho ý kiến đánh giá cuối năm (Mẫu D)")
    step_of(world.standing, task, is_action=False, says="Đang chờ ý kiến đánh giá cuối năm")
    monitoring.add_assessment(world.monitor, task, Period.FINAL, {
        "supervision_form": "field_survey", "judgement": "on_track", "strengths": "Hoàn thành sớm"})
    db.session.refresh(task)
    step_of(world.monitor, task, is_action=False, says="đang chờ kết luận của Ban Thường vụ")
    step_of(world.standing, task, endpoint="review.verdict", values={"task_id": task.id},
            says="Ghi kết luận cuối năm (Mẫu D)")


def test_a_reviewed_task_is_closed_for_everyone(world, make_reviewed_task, frozen_now):
    at(frozen_now, date(2026, 12, 10))
    task = make_reviewed_task()
    for person in (world.owner, world.monitor, world.standing):
        step_of(person, task, is_action=False, endpoint=None,
                says="Đã có kết luận ngày 10/12/2026: việc đã kết thúc và bị khóa")


def test_an_unfinished_task_may_be_carried_over_when_a_later_year_is_open(world, make_reviewed_task, frozen_now,
                                                                        db):
    at(frozen_now, date(2026, 12, 10))
    task = make_reviewed_task("partial")
    step_of(world.owner, task, is_action=False, says="bị khóa")  # no later year open yet
    db.session.add(Year(year=2027, registration_opens_on=date(2026, 11, 1), registration_closes_on=date(2027, 3, 31),
                        q1_deadline=date(2027, 4, 5), q2_deadline=date(2027, 7, 5), q3_deadline=date(2027, 10, 5),
                        q4_deadline=date(2027, 12, 20), rating_regulation="366-QĐ/TW"))
    db.session.flush()
    step_of(world.owner, task, endpoint="review.carry_over", values={"task_id": task.id},
            says="có thể chuyển việc sang năm sau")


def test_standing_committee_concludes_the_six_month_review(world, make_task, frozen_now):
    at(frozen_now, date(2026, 7, 1))
    task = make_task(S.APPROVED)
    step_of(world.standing, task, is_action=False, says="Việc đang triển khai")
    monitoring.take_mid_year_snapshots(world.secretariat, world.year)
    step_of(world.standing, task, endpoint="monitoring.conclude_midyear", values={"task_id": task.id},
            says="Ghi kết luận sơ kết 6 tháng của Ban Thường vụ")
    monitoring.conclude_mid_year(world.standing, task.mid_year_review, "Đạt tiến độ đề ra")
    step_of(world.standing, task, is_action=False, says="Việc đang triển khai")


def test_withdrawn_registration(world, make_task, frozen_now):
    at(frozen_now, date(2026, 3, 15))
    task = make_task(S.WITHDRAWN)
    step_of(world.owner, task, is_action=False, says="Bản đăng ký đã được rút")
    step_of(world.standing, task, is_action=False, says="không có việc gì cần đồng chí thực hiện")


def test_owners_own_task_as_a_standing_committee_member_is_the_owners_step(world, make_task, frozen_now):
    """world.standing registers too: on their own task they are the owner, and another member decides."""
    at(frozen_now, date(2026, 3, 15))
    task = make_task(S.SUBMITTED, owner=world.standing)
    step_of(world.standing, task, is_action=False, says="đang chờ Ban Thường vụ xem xét")
    step_of(world.standing2, task, endpoint="tasks.decide")


# -- on the task page ------------------------------------------------------------------------------------------------

def _line(html: str) -> str:
    found = re.search(r'<p class="next-step[^"]*" id="next-step">(.*?)</p>', html, re.S)
    assert found is not None, "no next-step line"
    return found.group(0)


def test_the_task_page_shows_the_line_with_a_link_to_the_step(world, make_task, note, login_as, frozen_now, db):
    at(frozen_now, date(2026, 8, 10))
    task = make_task(S.APPROVED)
    note(task, 1)
    note(task, 2)
    db.session.commit()
    line = _line(login_as(world.owner).get(f"/tasks/{task.id}").get_data(as_text=True))
    assert 'class="next-step is-action"' in line
    assert "Việc cần làm tiếp:" in line and "Nộp báo cáo tiến độ quý III trước ngày 05/10/2026" in line
    assert f'href="/tasks/{task.id}/notes/new?quarter=3"' in line and "Thực hiện ngay" in line
    line = _line(login_as(world.inspector).get(f"/tasks/{task.id}").get_data(as_text=True))
    assert 'class="next-step"' in line and "href" not in line
    assert "không có việc gì cần đồng chí thực hiện" in line


def test_the_line_follows_the_language(world, make_task, login_as, frozen_now, db):
    at(frozen_now, date(2026, 3, 15))
    task = make_task(S.SUBMITTED)
    db.session.commit()
    client = login_as(world.standing)
    client.post("/language/en", data={"next": "/"})
    line = _line(client.get(f"/tasks/{task.id}").get_data(as_text=True))
    assert "Next step:" in line and "Review the registration and approve it" in line
    assert f'href="/tasks/{task.id}/decide"' in line


def test_submitting_moves_the_line_on(world, make_task, login_as, frozen_now, db):
    at(frozen_now, date(2026, 3, 15))
    task = make_task()
    db.session.commit()
    client = login_as(world.owner)
    assert "Hoàn thiện phiếu đăng ký" in _line(client.get(f"/tasks/{task.id}").get_data(as_text=True))
    task_service.submit_task(world.owner, db.session.get(type(task), task.id))
    db.session.commit()
    assert "đang chờ Ban Thường vụ xem xét" in _line(client.get(f"/tasks/{task.id}").get_data(as_text=True))

