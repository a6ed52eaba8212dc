"""The dashboard in a real Chromium: the secretariat filters one commune, goes on to its task list and sorts it by
deadline, then downloads the sơ kết as DOCX and the list as XLSX — the numbers in both as the pages show them."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.helpers import sign_in
from tests.test_dashboard import history  # noqa: F401 - the hand-computed history, as a fixture

pytestmark = pytest.mark.browser


def test_filter_a_commune_then_its_list_and_the_downloads(page: Page, live_server, world, history):  # noqa: F811
    a = history["a"]
    sign_in(page, live_server, "secretary")
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    expect(page.locator("#report-scope")).to_contain_text("Tất cả đơn vị")
    expect(page.locator("#report-summary tr[data-figure='tasks.total'] td")).to_have_text("10")
    page.select_option("#unit", str(a.id))
    page.select_option("#period", "midyear")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("#report-scope")).to_contain_text("Xã An Phú")
    expect(page.locator("#report-scope")).to_contain_text("Số liệu tính đến ngày 30/06/2026")
    expect(page.locator("#report-summary tr[data-figure='tasks.total'] td")).to_have_text("5")
    assert page.locator("#report-states svg").count() == 1
    numbers = page.locator("#report-states details")
    expect(numbers.locator("table")).to_be_hidden()
    numbers.locator("summary").click()  # the chart's numbers, one click away
    expect(numbers.locator("tr[data-state='in_progress'] td").last).to_have_text("1")

    with page.expect_download() as info:
        page.locator("[data-report='so_ket']").get_by_role("link", name="DOCX").click()
    download = info.value
    assert download.suggested_filename == "Báo cáo sơ kết 2026 - Xã An Phú.docx"
    document = docx.Document(BytesIO(Path(download.path()).read_bytes()))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in document.tables[0].cell(0, 1).text
    summary = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert summary[1] == ["Số việc đăng ký (kể cả bản nháp)", "5"]

    page.locator("#report-task-list").click()
    assert f"unit={a.id}" in page.url
    page.get_by_role("link", name="Thời hạn hoàn thành").click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Thời hạn hoàn thành")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải XLSX").click()
    sheet = load_workbook(BytesIO(Path(info.value.path()).read_bytes())).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    titles = [r[1] for r in rows]
    # commune A's six tasks, earliest deadline first (t7: 15/06)
    assert len(rows) == 6 and titles[0] == "Nạo vét hồ trước mùa mưa"
    deadlines = [r[6] for r in rows]
    assert deadlines == sorted(deadlines)
