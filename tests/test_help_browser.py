"""Help where people look, in a real Chromium: the header's "Hướng dẫn" opens the help of the user's role, the
breadcrumbs lead back, and a form's own help link opens the part about that form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_owner_opens_help_from_the_header_and_follows_the_breadcrumbs_back(page: Page, live_server, world, db):
    db.session.commit()
    base = live_server
    sign_in(page, base, "owner")

    page.click("header a#nav-help")
    expect(page).to_have_url(f"{base}/help/owner")
    expect(page.locator("main h1")).to_have_text("Người đăng ký: Ủy viên BCH, người đứng đầu")
    expect(page.locator("main .your-role")).to_have_text("Vai trò của đồng chí")
    trail = page.locator("nav[aria-label='breadcrumb']")
    expect(trail.locator("[aria-current='page']")).to_have_text("Người đăng ký: Ủy viên BCH, người đứng đầu")

    # the table of contents jumps to Form B, with this year's deadline of the first quarter
    page.click(".help-toc a[href='#form-b']")
    expect(page).to_have_url(re.compile(r"/help/owner#form-b$"))
    expect(page.locator("#form-b")).to_be_in_viewport()
    expect(page.locator("#form-b")).to_contain_text(world.year.q1_deadline.strftime("%d/%m/%Y"))

    # one crumb up: the index, with the owner's role highlighted
    trail.get_by_role("link", name="Hướng dẫn").click()
    expect(page).to_have_url(f"{base}/help")
    expect(page.locator("#role-owner.is-mine")).to_be_visible()
    expect(page.locator(".help-role.is-mine")).to_have_count(1)

    # and home
    page.locator("nav[aria-label='breadcrumb']").get_by_role("link", name="Trang chủ").click()
    expect(page).to_have_url(f"{base}/")
    expect(page.locator("nav[aria-label='breadcrumb']")).to_have_count(0)


def test_a_forms_help_link_opens_its_section(page: Page, live_server, world, db):
    db.session.commit()
    base = live_server
    sign_in(page, base, "owner")
    page.click("header a[href='/tasks/new']")
    expect(page.locator("nav[aria-label='breadcrumb'] [aria-current='page']")).to_have_text("Đăng ký việc")
    link = page.locator("a#form-help")
    expect(link).to_have_text("Hướng dẫn: Phiếu đăng ký (Mẫu A)")
    link.click()
    expect(page).to_have_url(f"{base}/help/owner#form-a")
    expect(page.locator("#form-a h2")).to_be_in_viewport()
    expect(page.locator("#form-a")).to_contain_text("Thực trạng, lý do lựa chọn")


def test_standing_committee_member_who_also_registers_lands_on_the_index(page: Page, live_server, world, db):
    db.session.commit()
    base = live_server
    sign_in(page, base, "standing")
    page.click("header a#nav-help")
    expect(page).to_have_url(f"{base}/help")
    expect(page.locator(".help-role.is-mine")).to_have_count(2)
    page.click("#role-standing a")
    expect(page.locator("main h1")).to_have_text("Quyết định: Ban Thường vụ")
    expect(page.locator("#decide")).to_contain_text("Phê duyệt và phân công cán bộ giám sát")
