"""The task list in a real Chromium: a click on a column header sorts the list (and again, the other way) keeping
the filters; "Tải CSV" then downloads exactly the filtered, sorted list, every page of it."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from registry.models import TaskState
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_sort_by_a_header_then_download_the_sorted_list(page: Page, live_server, world, make_task, app, db,
                                                        monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    year = world.year.year
    made = [make_task(TaskState.SUBMITTED, title=t, deadline=date(year, m, 28))
            for t, m in (("Bến xe", 9), ("Âm nhạc", 7), ("Dọn kênh", 11))]
    make_task(TaskState.APPROVED, title="Đã duyệt")  # filtered out by the state filter
    db.session.commit()
    sign_in(page, live_server, "secretary")
    page.goto(f"{live_server}/tasks/?state=submitted")
    page.get_by_role("link", name="Thời hạn hoàn thành").click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Thời hạn hoàn thành")
    assert "state=submitted" in page.url and "sort=deadline" in page.url
    page.get_by_role("link", name="Thời hạn hoàn thành").click()  # again: the other way
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Thời hạn hoàn thành")
    latest_first = sorted(made, key=lambda t: t.deadline, reverse=True)
    expect(page.locator("tbody tr td[data-label='Mã']")).to_have_text([t.code for t in latest_first[:2]])

    with page.expect_download() as info:
        page.get_by_role("link", name="Tải CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("danh-sach-viec-kho-") and download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Mã", "Tên việc"]
    assert [r[0] for r in rows[1:]] == [t.code for t in latest_first]  # all pages, in the page's order
    expect(page.locator(".long-task-status")).to_have_text("Tệp đã sẵn sàng: xem trong mục tải về.")
