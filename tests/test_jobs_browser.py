"""A background job's page in a real Chromium: the progress bar follows the job (static/job-status.js polls its
state), and when the job is done the page shows the download link, which downloads the file."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registry import clock
from registry.services import jobs
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_the_progress_bar_follows_the_job_then_the_file_downloads(page: Page, live_server, world, db, app,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    db.session.commit()
    record = jobs.JobRecord(id=secrets.token_hex(16), kind="dossier.unit", person_id=world.standing.id, params={},
                            locale="vi", created_at=clock.now().isoformat(), state=jobs.RUNNING, progress=10)
    jobs.save_record(record)
    sign_in(page, live_server, "standing")
    page.goto(f"{live_server}/jobs/{record.id}")
    bar = page.locator("#job-progress")
    expect(page.locator("h1")).to_have_text("Hồ sơ của tập thể")
    expect(bar).to_have_attribute("value", "10")

    record.progress, record.note = 60, "Đang dàn trang văn bản…"
    jobs.save_record(record)
    expect(page.locator("#job-percent")).to_have_text("60 %")
    expect(page.locator("#job-state")).to_have_text("Đang dàn trang văn bản…")
    assert bar.evaluate("el => el.value") == 60

    record.state, record.progress, record.note, record.summary = jobs.DONE, 100, "", "Tệp đã sẵn sàng."
    record.file = jobs.job_files().save(record.id, b"%PDF-1.4 test")
    record.filename, record.mimetype = "Hồ sơ tập thể.pdf", "application/pdf"
    jobs.save_record(record)
    link = page.locator("#job-download")
    expect(link).to_be_visible()  # the page reloaded itself
    expect(page.locator("#job-state")).to_have_text("Tệp đã sẵn sàng.")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "Hồ sơ tập thể.pdf"
    assert Path(info.value.path()).read_bytes() == b"%PDF-1.4 test"


def test_a_failed_job_shows_why(page: Page, live_server, world, db):
    db.session.commit()
    record = jobs.JobRecord(id=secrets.token_hex(16), kind="midyear", person_id=world.secretariat.id, params={},
                            locale="vi", created_at=clock.now().isoformat(), state=jobs.QUEUED)
    jobs.save_record(record)
    sign_in(page, live_server, "secretary")
    page.goto(f"{live_server}/jobs/{record.id}")
    expect(page.locator("#job-state")).to_have_text("Đang chờ đến lượt…")
    record.state, record.error = jobs.FAILED, "Không hoàn thành được việc này. Chưa có gì được lưu; vui lòng thử lại."
    jobs.save_record(record)
    expect(page.locator("#job-state")).to_contain_text("Không thực hiện được: Không hoàn thành được việc này.")
    expect(page.locator("#job-download")).to_have_count(0)
