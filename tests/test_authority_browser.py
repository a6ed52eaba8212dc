"""Authority belongs to committees, seen in a real Chromium: two sides like the demo, Tỉnh Tuyên Quang → Xã Mỹ
Bằng (Yên Sơn side) and Thành phố Hà Nội → Phường Thụy Khuê (Tây Hồ side). The Yên Sơn-side Standing Committee
member signs in through the login form and finds nothing of the Tây Hồ side anywhere: the task list and its
total, search, the home page's counts by state, the report figures, the approval queue, a Tây Hồ task by URL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Page, expect

from registry import clock
from registry.models import OrgLevel, OrgUnit, Person, Role, Task, TaskState
from registry.services import tasks as task_service
from tests.conftest import task_input
from tests.helpers import sign_in

pytestmark = pytest.mark.browser

S = TaskState
DENIED = "Bạn không được xem việc này: việc thuộc cấp ủy khác."

YEN_SON = {  # title → state
    "Vận động nhân dân hiến đất mở rộng đường liên thôn Mỹ Bằng": S.SUBMITTED,
    "Xây dựng mô hình chè an toàn tại thôn Đồng Trò": S.SUBMITTED,
    "Hoàn thành xóa nhà tạm cho 12 hộ nghèo xã Mỹ Bằng": S.APPROVED,
    "Chuyển đổi số trong thu thuế đất tại Mỹ Bằng": S.APPROVED,
}
TAY_HO = {
    "Giải phóng mặt bằng mương Thụy Khuê đoạn Dốc Tam Đa": S.SUBMITTED,
    "Chỉnh trang vỉa hè phố Thụy Khuê trước Tết": S.SUBMITTED,
    "Xử lý rác thải ven hồ Tây khu Thụy Khuê": S.SUBMITTED,
    "Cải tạo nhà văn hóa tổ dân phố 21 Thụy Khuê": S.APPROVED,
    "Di dời điểm trông giữ xe trái phép Thụy Khuê": S.APPROVED,
}


@dataclass
class Side:
    province: OrgUnit
    committee: OrgUnit
    standing: Person
    owner: Person
    monitor: Person
    tasks: dict[str, Task] = field(default_factory=dict)


def build_side(make_unit, make_person, year, fld, *, province: str, committee: str, code: str, people: str,
               titles: dict[str, TaskState]) -> Side:
    """A province and one commune-level committee with its Standing Committee member, an owner and a
    monitor; the tasks registered, submitted and approved through the services."""
    top = make_unit(province, level=OrgLevel.PROVINCE, parent=None, code=f"{code}-T")
    unit = make_unit(committee, level=OrgLevel.COMMUNE, parent=top, code=f"{code}-X")
    side = Side(
        province=top, committee=unit,
        standing=make_person(username=f"{people}_tv", full_name=f"Thường Vụ {committee}",
                             grants=[(Role.STANDING, unit)], unit=unit),
        owner=make_person(username=f"{people}_cv", full_name=f"Chủ Việc {committee}",
                          grants=[(Role.OWNER, unit)], unit=unit),
        monitor=make_person(username=f"{people}_gs", full_name=f"Giám Sát {committee}",
                            grants=[(Role.MONITOR, unit)], unit=unit),
    )
    for title, state in titles.items():
        task = task_service.create_task(side.owner, year, task_input(fld, year, title=title, locality=committee),
                                        committee_id=unit.id)
        task_service.submit_task(side.owner, task)
        if state == S.APPROVED:
            task_service.approve_task(side.standing, task, decision_ref="05-QĐ/ĐU", decision_date=clock.today(),
                                      monitor=side.monitor)
        assert task.state == state and task.committee_id == unit.id
        side.tasks[title] = task
    return side


@pytest.fixture
def sides(db, make_unit, make_person, make_year, make_field):
    year = make_year()
    fld = make_field("Dân vận – xây dựng nông thôn mới")
    yen_son = build_side(make_unit, make_person, year, fld, province="Tỉnh Tuyên Quang", committee="Xã Mỹ Bằng",
                         code="TQ", people="myb", titles=YEN_SON)
    tay_ho = build_side(make_unit, make_person, year, fld, province="Thành phố Hà Nội",
                        committee="Phường Thụy Khuê", code="HN", people="tk", titles=TAY_HO)
    db.session.commit()
    return yen_son, tay_ho


def body(page: Page) -> str:
    return page.locator("body").inner_text()


def assert_no_tay_ho(page: Page) -> None:
    text = body(page)
    leaked = [title for title in TAY_HO if title in text]
    assert not leaked, f"{page.url} shows Tây Hồ tasks: {leaked}"
    assert "Thụy Khuê" not in text, page.url


def test_yen_son_standing_member_sees_nothing_of_tay_ho(page: Page, live_server, sides):
    yen_son, tay_ho = sides
    base = live_server
    submitted = sum(1 for s in YEN_SON.values() if s == S.SUBMITTED)
    approved = sum(1 for s in YEN_SON.values() if s == S.APPROVED)

    sign_in(page, base, yen_son.standing.username)

    # the task list: every Yên Sơn task, no Tây Hồ one, and the total counts Yên Sơn's only
    page.goto(f"{base}/tasks/")
    rows = page.locator("main table.list tbody tr")
    expect(rows).to_have_count(len(YEN_SON))
    for title in YEN_SON:
        expect(page.locator("main table.list")).to_contain_text(title)
    assert_no_tay_ho(page)
    expect(page.locator("main")).to_contain_text(f"Tổng cộng {len(YEN_SON)}")
    assert f"Tổng cộng {len(YEN_SON) + len(TAY_HO)}" not in body(page)

    # search: a Tây Hồ title typed without diacritics finds nothing; a Yên Sơn one is found
    for query in ("thuy khue", "mương thuy khue", "nha van hoa to dan pho 21"):
        page.goto(f"{base}/tasks/?q={query}")
        expect(page.locator("main")).to_contain_text("Tổng cộng 0")
        expect(page.locator("main table.list tbody tr")).to_have_count(0)
        assert_no_tay_ho(page)
    page.fill("#q", "xoa nha tam")
    page.click("form.filters button[type=submit]")
    expect(page.locator("main table.list tbody tr")).to_have_count(1)
    expect(page.locator("main table.list")).to_contain_text("Hoàn thành xóa nhà tạm cho 12 hộ nghèo xã Mỹ Bằng")

    # the home page's counts by state: Yên Sơn's only
    page.goto(f"{base}/")
    counts = page.locator("ul.counts")
    expect(counts.locator("a[href*='state=submitted'] strong")).to_have_text(str(submitted))
    expect(counts.locator("a[href*='state=approved'] strong")).to_have_text(str(approved))
    expect(counts.locator("a[href*='state=draft'] strong")).to_have_text("0")
    shown = sum(int(n) for n in counts.locator("strong").all_inner_texts())
    assert shown == len(YEN_SON), f"the home page counts {shown} tasks"
    assert_no_tay_ho(page)  # its approval queue section too

    # the report figures
    page.goto(f"{base}/reports")
    expect(page.locator("#report-summary tr[data-figure='tasks.total'] td")).to_have_text(str(len(YEN_SON)))
    expect(page.locator("#report-summary tr[data-figure='tasks.registered'] td")).to_have_text(str(len(YEN_SON)))
    expect(page.locator("#report-states tr[data-state=submitted] td").last).to_have_text(str(submitted))
    expect(page.locator("#report-states tr[data-state=approved] td").last).to_have_text(str(approved))
    expect(page.locator("#report-states tfoot th").last).to_have_text(str(len(YEN_SON)))
    unit_options = page.locator("#unit option").all_inner_texts()
    assert not any("Thụy Khuê" in o or "Hà Nội" in o for o in unit_options), unit_options
    # asking for the other side's unit by its id shows nothing of it
    response = page.goto(f"{base}/reports?unit={tay_ho.committee.id}")
    assert response.status in (403, 404), response.status
    assert_no_tay_ho(page)

    # the approval queue: Yên Sơn's submissions only
    page.goto(f"{base}/tasks/queue")
    queue = page.locator("main table.list tbody tr")
    expect(queue).to_have_count(submitted)
    for title, state in YEN_SON.items():
        if state == S.SUBMITTED:
            expect(page.locator("main table.list")).to_contain_text(title)
    assert_no_tay_ho(page)
    expect(page.locator("main")).to_contain_text(f"Tổng cộng {submitted}")

    # a Tây Hồ task opened by its URL: refused, in Vietnamese, without its content
    for title, task in tay_ho.tasks.items():
        response = page.goto(f"{base}/tasks/{task.id}")
        assert response.status in (403, 404), (task.id, response.status)
        expect(page.locator("main")).to_contain_text(DENIED)
        assert title not in body(page)
        for path in (f"/tasks/{task.id}/decide", f"/tasks/{task.id}/edit", f"/tasks/{task.id}/monitor"):
            response = page.goto(f"{base}{path}")
            assert response.status in (403, 404), (path, response.status)
            text = body(page)
            assert "không" in text.lower(), (path, text)
            assert title not in text, path

    # and the Yên Sơn tasks themselves open
    mine = yen_son.tasks["Chuyển đổi số trong thu thuế đất tại Mỹ Bằng"]
    response = page.goto(f"{base}/tasks/{mine.id}")
    assert response.status == 200
    expect(page.locator("h1")).to_contain_text("Chuyển đổi số trong thu thuế đất tại Mỹ Bằng")
    assert re.search(r"/tasks/\d+$", page.url)


def test_tay_ho_standing_member_sees_only_tay_ho(page: Page, live_server, sides):
    """The mirror image, lighter: the other side's member sees its five tasks and none of Yên Sơn's."""
    yen_son, tay_ho = sides
    base = live_server
    sign_in(page, base, tay_ho.standing.username)
    page.goto(f"{base}/tasks/?page=1")
    expect(page.locator("main")).to_contain_text(f"Tổng cộng {len(TAY_HO)}")
    text = body(page)
    page.goto(f"{base}/tasks/?page=2")
    text += body(page)
    for title in TAY_HO:
        assert title in text, title
    assert not [t for t in YEN_SON if t in text]
    page.goto(f"{base}/tasks/?q=my bang")
    expect(page.locator("main")).to_contain_text("Tổng cộng 0")
    response = page.goto(f"{base}/tasks/{yen_son.tasks['Xây dựng mô hình chè an toàn tại thôn Đồng Trò'].id}")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text(DENIED)
