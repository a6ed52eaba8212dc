"""Search in a real Chromium: a Standing Committee member types a query without diacritics in the task list's
search box and sees the task found by a word of its progress note, the note's words highlighted, and nothing of
a task they may not read."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from registry.models import TaskState
from registry.services import progress
from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_a_query_without_diacritics_finds_and_highlights(frozen_now, world, make_task, db, live_server, page):
    task = make_task(TaskState.APPROVED, title="Cải tạo mương thoát nước Thụy Khuê")
    progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Đã nạo vét 300 m mương, đối thoại với 12 hộ dân", "status": "on_track",
        "values": {str(task.indicators[0].id): 10}})
    make_task(TaskState.SUBMITTED, title="Chỉnh trang vỉa hè phố Thụy Khuê")
    make_task(TaskState.SUBMITTED, owner=world.other_owner, title="Nạo vét hồ điều hòa")  # the standing reads it
    db.session.commit()

    sign_in(page, live_server, world.standing.username)
    page.goto(f"{live_server}/tasks/")
    page.get_by_label("Tìm kiếm").fill("nao vet muong")
    page.get_by_role("button", name="Lọc").click()

    main = page.locator("main")
    expect(main).to_contain_text("Tìm thấy 1 việc")
    expect(main.get_by_role("link", name="Cải tạo mương thoát nước Thụy Khuê")).to_be_visible()
    expect(main).not_to_contain_text("Chỉnh trang vỉa hè")
    marks = main.locator(".search-snippets mark")
    expect(marks).to_have_text(["nạo", "vét", "mương"])
    expect(main.locator("td mark").first).to_have_text("mương")  # the title's word
    assert "nao+vet+muong" in page.url

    page.get_by_label("Tìm kiếm").fill("NẠO VÉT")
    page.get_by_role("button", name="Lọc").click()
    expect(main).to_contain_text("Tìm thấy 2 việc")
    expect(main.locator("tbody td a").first).to_have_text("Nạo vét hồ điều hòa")  # a title match ranks first
