"""The Foundation journey in a real Chromium: register → return → fix and resubmit → approve → history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from registry.models import Task, TaskState
from tests.helpers import sign_in, sign_out

pytestmark = pytest.mark.browser






def test_register_return_resubmit_approve(page: Page, live_server, world, db):
    db.session.commit()
    base = live_server
    year = world.year.year

    # the owner registers a task with two indicators and submits it
    sign_in(page, base, "owner")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.goto(f"{base}/tasks/new")
    page.check("input[name=kind][value=hard]")
    page.select_option("#field_id", str(world.field.id))
    page.fill("#title", "Vận động 44 hộ dân bàn giao mặt bằng mương Thụy Khuê")
    page.fill("#situation", "Dự án cải tạo mương chậm từ năm 2012.")
    page.fill("#goal", "100% hộ dân bàn giao mặt bằng")
    page.fill("#deliverable", "Mặt bằng sạch")
    page.fill("#deadline", f"30/11/{year}")
    page.fill("#indicators-0-name", "Hộ chưa đồng thuận")
    page.fill("#indicators-0-unit", "hộ")
    page.fill("#indicators-0-baseline", "44")
    page.fill("#indicators-0-target", "0")
    page.fill("#indicators-1-name", "Diện tích bàn giao")
    page.fill("#indicators-1-unit", "m²")
    page.fill("#indicators-1-baseline", "0")
    page.fill("#indicators-1-target", "1500")
    page.fill("#milestones-0-description", "Đối thoại với các hộ")
    page.fill("#milestones-0-due_on", f"30/06/{year}")
    page.check("#is_committed")
    page.click("button[name=action][value=submit]")
    expect(page.locator("h1 .badge.state-submitted")).to_be_visible()
    task_url = page.url
    task_id = int(re.search(r"/tasks/(\d+)", task_url).group(1))
    sign_out(page)

    # a Standing Committee member returns it with a comment
    sign_in(page, base, "standing")
    page.goto(f"{base}/tasks/queue")
    page.click(f"a[href='/tasks/{task_id}/decide']")
    page.fill("#comment", "Đề nghị bổ sung mốc bàn giao mặt bằng.")
    page.click("form[action$='/return'] button[type=submit]")
    expect(page.locator("h1 .badge.state-returned")).to_be_visible()
    sign_out(page)

    # the owner fixes and resubmits
    sign_in(page, base, "owner")
    page.goto(task_url)
    expect(page.locator(".flash-warning")).to_contain_text("Đề nghị bổ sung mốc bàn giao mặt bằng.")
    page.click(f"a[href='/tasks/{task_id}/edit']")
    page.fill("#milestones-1-description", "Bàn giao mặt bằng cho chủ đầu tư")
    page.fill("#milestones-1-due_on", f"31/10/{year}")
    page.click("button[name=action][value=submit]")
    expect(page.locator("h1 .badge.state-submitted")).to_be_visible()
    sign_out(page)

    # it is approved with a monitor assigned
    sign_in(page, base, "standing2")
    page.goto(f"{base}/tasks/{task_id}/decide")
    page.fill("#decision_ref", "Quyết định số 25-QĐ/QU")
    page.select_option("#monitor_id", str(world.monitor.id))
    page.click("form[action$='/approve'] button[type=submit]")
    expect(page.locator("h1 .badge.state-approved")).to_be_visible()

    # the task page shows the approved state and its history
    history = page.locator(".timeline > li")
    expect(history).to_have_count(6)  # create, submit, return, update, submit, approve
    expect(page.locator("body")).to_contain_text("Quyết định số 25-QĐ/QU")
    expect(page.locator("body")).to_contain_text(world.monitor.full_name)
    expect(page.locator("body")).to_contain_text("Đã phê duyệt")

    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert task.state == TaskState.APPROVED and len(task.indicators) == 2 and len(task.milestones) == 2
    assert task.monitor_id == world.monitor.id and task.approved_by_id == world.standing2.id


def test_phone_layout_and_field_errors(page: Page, live_server, world, db):
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, "owner")
    page.goto(f"{live_server}/tasks/new")
    page.fill("#deadline", "31/02/2026")
    page.click("button[name=action][value=save]")
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#deadline-error")).to_be_visible()
    expect(page.locator("#deadline")).to_have_value("31/02/2026")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the form overflows a phone screen ({width}px)"
