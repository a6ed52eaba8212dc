"""The year end in a real Chromium: the owner self-assesses, the monitor gives the final assessment, the Standing
Committee records "Hoàn thành vượt mức" with a proposal for khen thưởng, and the task is locked."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect

from registry.models import TaskState
from registry.services import progress
from tests.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser






def test_self_assessment_final_assessment_verdict_and_lock(page: Page, live_server, frozen_now, world, make_task,
                                                           levels, db):
    frozen_now(datetime(2026, 3, 20, 3, tzinfo=timezone.utc))
    task = make_task(TaskState.APPROVED)
    indicator = task.indicators[0]
    progress.add_progress_note(world.owner, task, 1, {"work_done": "Đã đối thoại với 44 hộ", "status": "on_track",
                                                      "values": {indicator.id: 20}})
    db.session.commit()
    frozen_now(datetime(2026, 12, 10, 3, tzinfo=timezone.utc))
    base = live_server
    task_url = f"{base}/tasks/{task.id}"

    # the owner self-assesses: every indicator reached, the deliverable, a self-rated level
    sign_in(page, base, "owner")
    page.goto(task_url)
    expect(page.locator(f"a[href*='/tasks/{task.id}/notes/new']").first).to_be_visible()
    page.click("a#self-assess")
    page.fill(f"input[name='reached-{indicator.id}']", "0")
    page.fill("#deliverable", "Mặt bằng sạch 1.500 m² đã bàn giao cho chủ đầu tư")
    page.select_option("#self_level_id", str(levels["exceeded"].id))
    page.fill("#lessons", "Đối thoại trực tiếp với từng hộ")
    page.click("#submit-self-assessment")
    expect(page.locator("h1 .badge.state-self_assessed")).to_be_visible()
    expect(page.locator("#self-assessment")).to_contain_text("Mặt bằng sạch 1.500 m²")
    expect(page.locator("#final-pending")).to_be_visible()
    sign_out(page)

    # the assigned monitor gives the final assessment
    sign_in(page, base, "monitor")
    page.goto(task_url)
    page.click("a#final-assess")
    page.check("input[name=supervision_form][value=field_survey]")
    page.fill("#strengths", "Hoàn thành trước thời hạn, nhân dân đồng tình")
    page.check("input[name=judgement][value=on_track]")
    page.click("#submit-final-assessment")
    expect(page.locator("#final-assessment")).to_contain_text("Hoàn thành trước thời hạn")
    expect(page.locator("#verdict-pending")).to_be_visible()
    sign_out(page)

    # the Standing Committee records "Hoàn thành vượt mức" and proposes khen thưởng
    sign_in(page, base, "standing")
    page.goto(task_url)
    page.click("a#record-verdict")
    expect(page.locator("#self-assessment")).to_be_visible()
    expect(page.locator("#final-assessment")).to_be_visible()
    page.select_option("#level_id", str(levels["exceeded"].id))
    page.fill("#reasons", "Hoàn thành sớm hơn cam kết, vượt chỉ tiêu")
    page.check("input[name=commendation][value=reward]")
    page.fill("#commendation_form", "Giấy khen của Ban Thường vụ Quận ủy")
    page.fill("#conclusion_ref", "Kết luận số 25-KL/QU")
    page.click("#submit-verdict")
    expect(page.locator("#locked-banner")).to_be_visible()
    expect(page.locator("h1 .badge.state-reviewed")).to_be_visible()
    expect(page.locator(".verdict-level[data-level=exceeded]")).to_have_text(levels["exceeded"].name)
    expect(page.locator(".verdict-commendation[data-commendation=reward]")).to_contain_text(
        "Giấy khen của Ban Thường vụ Quận ủy")
    expect(page.locator("#verdict .seal")).to_be_visible()
    expect(page.locator("a#reopen")).to_be_visible()
    sign_out(page)

    # the owner can no longer change anything: no edit or note buttons, and the edit page answers 409
    sign_in(page, base, "owner")
    page.goto(task_url)
    expect(page.locator("#locked-banner")).to_be_visible()
    expect(page.locator(f"a[href='/tasks/{task.id}/edit']")).to_have_count(0)
    expect(page.locator("a[href*='/notes/']")).to_have_count(0)
    expect(page.locator("form[action*='/notes/']")).to_have_count(0)
    expect(page.locator("a#self-assess, a#carry-over")).to_have_count(0)
    response = page.goto(f"{task_url}/edit")
    assert response is not None and response.status == 409
    expect(page.locator(".error-page")).to_be_visible()
    response = page.goto(f"{task_url}/notes/new")
    assert response is not None and response.status == 409
