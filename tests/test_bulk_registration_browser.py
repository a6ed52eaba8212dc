"""The secretariat's bulk registration in a real browser: the menu, the template download, an upload with a wrong
row (the report names row and column, nothing is written), the corrected upload, the confirmation and the
owner's drafts."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from registry import labels
from registry.exports.sheet import Sheet, xlsx_bytes
from registry.models import Task, TaskKind, TaskState
from registry.services import bulk_registration as bulk
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def _sheet(world, owner: str) -> bytes:
    cols = bulk.columns(1, 1)
    year = world.year.year
    values = {"year": year, "owner": owner, "committee": world.unit.code, "kind": str(labels.KIND[TaskKind.HARD]),
              "field": world.field.name, "title": "Nạo vét kênh Thụy Khuê", "deadline": date(year, 11, 30),
              "indicators.0.name": "Chiều dài kênh", "indicators.0.unit": "m", "indicators.0.baseline": 0,
              "indicators.0.target": 1200}
    return xlsx_bytes([Sheet("Đăng ký", [h for _k, h in cols], [[values.get(k) for k, _h in cols]])])


def test_upload_check_and_confirm(frozen_now, world, db, live_server, page, tmp_path):
    db.session.commit()
    wrong, right = tmp_path / "sai.xlsx", tmp_path / "dang-ky.xlsx"
    wrong.write_bytes(_sheet(world, "khong-co-ai"))
    right.write_bytes(_sheet(world, "owner"))
    sign_in(page, live_server, "secretary")
    page.click("#nav-import")
    expect(page.locator("h1")).to_have_text("Nhập đăng ký từ bảng tính")
    with page.expect_download() as download:
        page.click("#template-xlsx")
    assert download.value.suggested_filename == "mau-dang-ky.xlsx"

    page.set_input_files("#import-upload input[type=file]", str(wrong))
    page.click("#check-file")
    expect(page.locator("#import-refused")).to_be_visible()
    issue = page.locator("#import-issues tbody tr").first
    expect(issue).to_contain_text("2")
    expect(issue).to_contain_text("Người đăng ký (tên đăng nhập)")
    expect(issue).to_contain_text("Không có tài khoản nào có tên đăng nhập khong-co-ai.")
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0

    page.set_input_files("#import-upload input[type=file]", str(right))
    page.click("#check-file")
    expect(page.locator("#import-ready")).to_contain_text("1 bản sẽ được đăng ký")
    expect(page.locator("#import-rows")).to_contain_text("Nạo vét kênh Thụy Khuê")
    page.click("#confirm-import")
    expect(page.locator(".flash-success")).to_contain_text("Đã nhập: 1 bản đăng ký")
    db.session.expire_all()
    task = db.session.scalar(select(Task))
    assert task.owner_id == world.owner.id and task.state == TaskState.DRAFT
