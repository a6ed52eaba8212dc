"""The secretariat records the emulation council's decision on a commendation proposal in a real Chromium: from the
menu to the list, a field message in Vietnamese, then the decision recorded and shown."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from playwright.sync_api import Page, expect

from tests.helpers import sign_in

pytestmark = pytest.mark.browser


def test_secretariat_records_the_councils_decision(page: Page, live_server, frozen_now, world, make_reviewed_task,
                                                   db):
    frozen_now(datetime(2026, 3, 20, 3, tzinfo=timezone.utc))
    task = make_reviewed_task(level="exceeded")  # proposes "Khen thưởng: Giấy khen của Ban Thường vụ"
    verdict = task.current_verdict
    db.session.commit()
    frozen_now(datetime(2026, 12, 20, 3, tzinfo=timezone.utc))

    sign_in(page, live_server, "secretary")
    page.click("#nav-commendations")
    row = page.locator(f"tr[data-verdict='{verdict.id}']")
    expect(row).to_have_attribute("data-state", "proposed")
    expect(row).to_contain_text("Giấy khen của Ban Thường vụ")
    row.get_by_role("link", name="Ghi nhận quyết định").click()

    # accepted without the decision's reference: a field message, nothing recorded
    page.check("input[name=decision][value=accepted]")
    page.fill("#decided_on", "18/12/2026")
    page.click("#submit-decision")
    expect(page.locator("#decision_ref-error")).to_have_text("Ghi số, ký hiệu của quyết định khen thưởng.")

    page.fill("#decision_ref", "Quyết định số 45-QĐ/ĐU")
    page.click("#submit-decision")
    expect(page.locator(".flash")).to_contain_text("Đã ghi nhận quyết định của Hội đồng.")
    row = page.locator(f"tr[data-verdict='{verdict.id}']")
    expect(row).to_have_attribute("data-state", "accepted")
    expect(row).to_contain_text("Được chấp thuận")
    expect(row).to_contain_text("Quyết định số 45-QĐ/ĐU")
    expect(row).to_contain_text("18/12/2026")
    expect(row.get_by_role("link", name="Ghi nhận quyết định")).to_have_count(0)
