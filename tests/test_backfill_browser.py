"""Entering a past year afterwards in a real Chromium: the ward office types in a 2023 task from its paper register —
registration, the Standing Committee's decision, quarterly notes, an assessment with a recommendation and its
reply, the self-assessment, the final assessment and the verdict — each with its 2023 date, then finds those dates
on the task page, in the trail and in the printed Form D, marked as entered later by the office."""

from __future__ import annotations

from io import BytesIO

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from registry.models import Task
from tests.helpers import sign_in
from tests.test_backfill import NOW

pytestmark = pytest.mark.browser

DATES = {"registered": "12/01/2023", "decided": "10/02/2023", "q1": "03/04/2023", "q2": "20/07/2023",
         "assessed": "25/07/2023", "replied": "05/09/2023", "self": "05/12/2023", "final": "12/12/2023",
         "verdict": "10/01/2024"}


def _submit(page: Page, selector: str = "main form[method=post] button[type=submit]") -> None:
    page.locator(selector).first.click()


def test_a_2023_task_is_entered_from_registration_to_verdict(page: Page, live_server, frozen_now, world, make_year,
                                                             levels, db):
    frozen_now(NOW)
    past = make_year(2023, is_open=False)
    db.session.commit()
    base = live_server
    sign_in(page, base, "secretary")

    # the registration, as the register gives it
    page.click("#nav-backfill")
    expect(page.locator("h1")).to_contain_text("Nhập bổ sung đăng ký năm cũ")
    page.select_option("#year_id", str(past.id))
    page.fill("#backfill_on", DATES["registered"])
    page.select_option("#registrant", f"{world.owner.id}:{world.unit.id}")
    page.check("input[name=kind][value=hard]")
    page.select_option("#field_id", str(world.field.id))
    page.fill("#title", "Vận động 44 hộ dân bàn giao mặt bằng mương Thụy Khuê")
    page.fill("#goal", "100% hộ dân bàn giao mặt bằng")
    page.fill("#deliverable", "Mặt bằng sạch bàn giao cho chủ đầu tư")
    page.fill("#deadline", "30/11/2023")
    page.fill("input[name='indicators-0-name']", "Hộ chưa đồng thuận")
    page.fill("input[name='indicators-0-unit']", "hộ")
    page.fill("input[name='indicators-0-baseline']", "44")
    page.fill("input[name='indicators-0-target']", "0")
    page.check("#is_committed")
    page.click("#record-registration")
    expect(page.locator("h1 .badge.state-submitted")).to_be_visible()
    task = db.session.scalars(select(Task)).one()
    task_url = f"{base}/tasks/{task.id}"

    # the Standing Committee's decision, dated in 2023 and taken by its member; a date before the registration
    # is refused on the field
    page.click("#backfill-decide")
    page.fill("#decision_ref", "05-QĐ/ĐU")
    page.fill("#decision_date", "05/01/2023")
    page.select_option("#monitor_id", str(world.monitor.id))
    page.select_option("#backfill_by", str(world.standing.id))
    _submit(page, "form[action$='/approve'] button[type=submit]")
    expect(page.locator("#decision_date-error")).to_have_text("Ngày không được trước 12/01/2023 (ngày đăng ký).")
    page.fill("#decision_date", DATES["decided"])
    _submit(page, "form[action$='/approve'] button[type=submit]")
    expect(page.locator("h1 .badge.state-approved")).to_be_visible()

    # two quarterly notes
    indicator = task.indicators[0].id
    for quarter, value, day in ((1, "30", DATES["q1"]), (2, "8", DATES["q2"])):
        page.click(f"#backfill-note-{quarter}")
        page.fill("#backfill_on", day)
        page.fill("#work_done", f"Quý {quarter}: đối thoại với các hộ")
        page.fill(f"input[name='values-{indicator}']", value)
        page.check("input[name=status][value=on_track]")
        _submit(page)
        expect(page.locator(f"#quarter-{quarter}")).to_contain_text(day)

    # an assessment with a recommendation whose deadline passed long ago, and the owner's reply
    page.click("#backfill-assess")
    page.select_option("#period", "q2")
    page.fill("#backfill_on", DATES["assessed"])
    page.check("input[name=supervision_form][value=field_survey]")
    page.fill("#shortcomings", "Còn 8 hộ chưa đồng thuận")
    page.check("input[name=judgement][value=late]")
    page.fill("textarea[name='recommendations-0-content']", "Đối thoại riêng với 8 hộ")
    page.fill("input[name='recommendations-0-addressee']", "UBND phường")
    page.fill("input[name='recommendations-0-reply_deadline']", "31/08/2023")
    page.click("#save-assessment")
    expect(page.locator("#monitoring")).to_contain_text(DATES["assessed"])
    page.locator("a[id^=backfill-reply-]").first.click()
    page.fill("#backfill_on", DATES["replied"])
    page.fill("#reply", "Đã đối thoại riêng; 8 hộ cam kết bàn giao khi có nhà tái định cư")
    page.click("#send-reply")
    expect(page.locator("#monitoring")).to_contain_text(DATES["replied"])

    # the year end: self-assessment, final assessment, verdict (in January 2024)
    page.goto(task_url)
    page.click("#backfill-self-assess")
    page.fill("#backfill_on", DATES["self"])
    page.fill(f"input[name='reached-{indicator}']", "0")
    page.fill("#deliverable", "Mặt bằng sạch đã bàn giao")
    page.select_option("#self_level_id", str(levels["exceeded"].id))
    page.click("#submit-self-assessment")
    expect(page.locator("h1 .badge.state-self_assessed")).to_be_visible()
    page.click("#backfill-final")
    page.fill("#backfill_on", DATES["final"])
    page.check("input[name=supervision_form][value=field_survey]")
    page.fill("#strengths", "Hoàn thành trước thời hạn")
    page.check("input[name=judgement][value=on_track]")
    page.click("#submit-final-assessment")
    page.click("#backfill-verdict")
    expect(page.locator("#backfill_by")).to_have_value(str(world.standing.id))  # the approver, by default
    page.fill("#backfill_on", DATES["verdict"])
    page.select_option("#level_id", str(levels["exceeded"].id))
    page.fill("#reasons", "Hoàn thành sớm, vượt chỉ tiêu")
    page.check("input[name=commendation][value=reward]")
    page.fill("#commendation_form", "Giấy khen của Ban Thường vụ")
    page.click("#submit-verdict")
    expect(page.locator("#locked-banner")).to_be_visible()
    expect(page.locator("h1 .badge.state-reviewed")).to_be_visible()

    # the task page: every date of the register, each entry marked as entered later by the office
    main = page.locator("main")
    for day in DATES.values():
        expect(main).to_contain_text(day)
    marks = page.locator(".backfill-mark")
    expect(marks.first).to_contain_text(f"do {world.secretariat.full_name} nhập lúc 15/03/2026")
    assert marks.count() >= 9  # registration, decision, 2 notes, assessment, reply, self, final, verdict
    expect(page.locator("#verdict")).to_contain_text(world.standing.full_name)
    expect(page.locator("#backfill")).to_contain_text("Việc này không còn bước nào cần nhập bổ sung.")

    # the trail: the office acted, each event with its effective date and on whose behalf
    seen = ""
    for number in (1, 2):
        page.goto(f"{task_url}/audit?page={number}")
        seen += page.locator("table.audit").inner_text()
    for day in DATES.values():
        assert day in seen, day
    assert seen.count("Nhập bổ sung") >= 10 and "Thay cho" in seen and world.secretariat.full_name in seen

    # the printed Form D, downloaded with the browser's session
    response = page.request.get(f"{task_url}/review.pdf")
    assert response.ok
    printed = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(response.body())).pages).split())
    for key in ("registered", "decided", "self", "final", "verdict"):
        assert DATES[key] in printed, key
    assert "Nhập bổ sung" in printed and f"do {world.secretariat.full_name} nhập lúc 15/03/2026" in printed
