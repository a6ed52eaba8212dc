"""The report page's download buttons with the jobs on, in a real Chromium: the button queues the file, the
browser lands on the job's page, which shows the download link when the file is made; the file opens as a Word
document."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Page, expect

from registry.models import TaskState
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_the_report_button_queues_the_file_and_the_job_page_downloads_it(page: Page, live_server, world, db, app,
                                                                         make_task, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    monkeypatch.setitem(app.config, "JOBS_FILES", str(tmp_path / "job-files"))
    make_task(TaskState.APPROVED)
    db.session.commit()
    sign_in(page, live_server, "standing")
    page.goto(f"{live_server}/reports?year={world.year.year}")
    page.locator("[data-report='tong_ket']").get_by_role("button", name="DOCX").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f]{32}$"))
    link = page.locator("#job-download")
    expect(link).to_be_visible()
    expect(page.locator("h1")).to_have_text("Báo cáo sơ kết hoặc tổng kết")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == f"Báo cáo tổng kết {world.year.year}.docx"
    text = "\n".join(p.text for p in docx.Document(Path(info.value.path())).paragraphs)
    assert f"BÁO CÁO TỔNG KẾT NĂM {world.year.year}" in text
