"""The monitoring journey in a real Chromium, with the clock moved between steps: the owner writes a Q1 note
with a PDF, the monitor assesses it with a recommendation, the owner acknowledges and replies, and when Q2's
deadline passes without a note the Standing Committee sees the task in its attention list."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from registry.models import (
    Assessment,
    EvidenceFile,
    ProgressNote,
    RecommendationStatus,
    TaskState,
)
from tests.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser

PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
       b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
       b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)






def test_note_assessment_reply_and_attention(frozen_now, world, make_task, db, page: Page, live_server, tmp_path,
                                             app, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    frozen_now(utc(2026, 3, 20, 3, 0))
    task = make_task(TaskState.APPROVED)
    indicator = task.indicators[0]
    db.session.commit()
    base, task_url = live_server, f"{live_server}/tasks/{task.id}"
    pdf = tmp_path / "bien-ban-doi-thoai.pdf"
    pdf.write_bytes(PDF)

    # 1. 31/03: the Q1 note is due; the owner sees it in the header and writes it with a PDF attached
    frozen_now(utc(2026, 3, 31, 3, 0))
    sign_in(page, base, "owner")
    expect(page.locator("#attention-count")).to_have_text("1")
    page.click("#nav-attention")
    expect(page.locator(f"#notes-due tr.note-due[data-task='{task.id}'][data-quarter='1']")).to_be_visible()
    page.goto(f"{task_url}/notes/new?quarter=1")
    page.fill("[name=work_done]", "Đối thoại với 30 hộ; 14 hộ còn chưa đồng thuận.")
    page.fill(f"[name='values-{indicator.id}']", "14")
    status = page.locator("select[name=status]")
    if status.count():
        status.select_option("on_track")
    else:
        page.check("input[name=status][value=on_track]")
    percent = page.locator("input[name=percent_complete]")
    if percent.count() and percent.is_visible() and percent.is_enabled():
        percent.fill("68")
    page.set_input_files("input[name=file]", str(pdf))
    page.click("form:has([name=work_done]) button[type=submit]")
    page.wait_for_url(re.compile(rf"/tasks/{task.id}(#.*)?$"))  # back on the task page: the note is saved
    db.session.expire_all()
    note = db.session.scalar(select(ProgressNote).where(ProgressNote.task_id == task.id))
    assert note is not None and note.quarter == 1
    assert [f.original_name for f in db.session.scalars(select(EvidenceFile).where(EvidenceFile.note_id == note.id))] \
        == ["bien-ban-doi-thoai.pdf"]
    sign_out(page)

    # 2. 02/04: the monitor sees the new note and assesses it with one recommendation
    frozen_now(utc(2026, 4, 2, 3, 0))
    sign_in(page, base, "monitor")
    page.click("#nav-attention")
    expect(page.locator(f"#to-assess-{note.id}")).to_be_visible()
    page.goto(task_url)
    page.click("#new-assessment")
    page.select_option("#period", "q1")
    page.check("input[name=supervision_form][value=field_survey]")
    page.fill("#strengths", "Chủ động đối thoại, giảm từ 44 xuống 14 hộ.")
    page.fill("#shortcomings", "Chưa có phương án nhà tái định cư.")
    page.check("input[name=judgement][value=on_track]")
    page.fill("#recommendations-0-content", "Đề nghị báo cáo quận bố trí 8 căn hộ tái định cư.")
    page.fill("#recommendations-0-addressee", "Bí thư Đảng ủy phường")
    page.fill("#recommendations-0-reply_deadline", "20/04/2026")
    page.click("#save-assessment")
    assessment_box = page.locator("article.assessment").first
    expect(assessment_box).to_be_visible()
    db.session.expire_all()
    assessment = db.session.scalar(select(Assessment).where(Assessment.task_id == task.id))
    recommendation = assessment.recommendations[0]
    expect(page.locator(f"#recommendation-{recommendation.id}.rec-open")).to_be_visible()
    sign_out(page)

    # 3. 10/04: the owner is notified, acknowledges the assessment and replies to the recommendation
    frozen_now(utc(2026, 4, 10, 3, 0))
    sign_in(page, base, "owner")
    expect(page.locator("#unread-count")).to_be_visible()
    page.click("#nav-notifications")
    expect(page.locator("li.notification.unread").first).to_be_visible()
    page.goto(task_url)
    page.click(f"#assessment-{assessment.id} button[name=acknowledge]")
    expect(page.locator(f"#assessment-{assessment.id} button[name=acknowledge]")).to_have_count(0)
    page.click(f"#reply-{recommendation.id}")
    page.fill("#reply", "Đã có văn bản đề nghị quận bố trí 8 căn hộ.")
    page.click("#send-reply")
    expect(page.locator(f"#recommendation-{recommendation.id}.rec-replied")).to_be_visible()
    db.session.expire_all()
    assessment = db.session.get(Assessment, assessment.id)
    assert assessment.acknowledged_by_id == world.owner.id
    assert assessment.recommendations[0].status == RecommendationStatus.REPLIED
    sign_out(page)

    # 4. 06/07: Q2's deadline (05/07) has passed without a note: the Standing Committee sees the task
    frozen_now(utc(2026, 7, 6, 3, 0))
    sign_in(page, base, "standing")
    expect(page.locator("#attention-count")).to_be_visible()
    page.click("#nav-attention")
    row = page.locator(f"#late-or-at-risk tr[data-task='{task.id}']")
    expect(row).to_be_visible()
    row.locator(f"a[href='/tasks/{task.id}']").click()
    expect(page.locator(f"#assessment-{assessment.id}")).to_be_visible()
