"""The task list's pages (``registry.services.queries.paginate`` with a ``cache_key``): the total and the page's
ids are kept per reader, filters and order until the trail moves, so that a search ranks and counts its matches
once; the rows of a page are loaded by id alone (a search's full-text match is not run again for them); the
filters' pickers still refuse a value outside their choices."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from registry.models import TaskState
from registry.services import tasks as task_service
from tests.test_api_contract import api_as, token_for  # noqa: F401 - fixtures

S = TaskState
pytestmark = pytest.mark.db



@pytest.fixture
def statements(db):
    """The SQL statements run while the block runs: ``with statements() as seen: …``."""
    class Recorder:
        def __init__(self):
            self.seen: list[str] = []

        def _count(self, conn, cursor, statement, *args):
            self.seen.append(statement)

        def __enter__(self):
            event.listen(db.engine, "before_cursor_execute", self._count)
            return self.seen

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self._count)

    return Recorder


def titles(html: str) -> list[str]:
    """The titles of the task table's rows, highlighting aside."""
    return [re.sub(r"</?mark>", "", title) for title in re.findall(r'<td data-label="[^"]*"><a href="/tasks/\d+">'
                                                                       r"(.*?)</a>", html)]


def without_tokens(html: str) -> str:
    """A page without its CSRF tokens' values, which change from one second to the next."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def full_text(db, statement: str) -> bool:
    """Whether a statement runs the full-text match (SQLite FTS5's MATCH, PostgreSQL's @@ on the tsvector)."""
    return ("MATCH" if db.engine.dialect.name == "sqlite" else "@@") in statement


def test_the_pages_are_kept_until_a_change_is_audited(app, db, world, make_task, login_as, statements, kept):
    first = make_task(S.SUBMITTED, title="Giải phóng mặt bằng khu A")
    make_task(S.SUBMITTED, title="Giải phóng mặt bằng khu B")
    client = login_as(world.secretariat)
    with statements() as cold:
        page = client.get("/tasks/?q=giai+phong&state=submitted").get_data(as_text=True)
    assert sorted(titles(page)) == ["Giải phóng mặt bằng khu A", "Giải phóng mặt bằng khu B"]
    assert re.search(r'search-summary" role="status">\D*2\D*</p>', page)  # the total
    with statements() as warm:
        again = client.get("/tasks/?q=giai+phong&state=submitted").get_data(as_text=True)
    assert without_tokens(again) == without_tokens(page)  # the forms' CSRF tokens carry the second they were made
    matching = [s for s in cold if full_text(db, s)]
    assert len(matching) == 2  # the page's ids (ranked) and the total; not the rows again
    assert not [s for s in warm if full_text(db, s)]  # both kept
    assert len(warm) < len(cold)

    task_service.withdraw_task(world.owner, first, "Không còn phù hợp")  # audited: the trail moves
    db.session.commit()
    moved = client.get("/tasks/?q=giai+phong&state=submitted").get_data(as_text=True)
    assert titles(moved) == ["Giải phóng mặt bằng khu B"]
    # another reader's list is theirs: the owner sees their own tasks, counted for them
    owner = login_as(world.other_owner).get("/tasks/?q=giai+phong").get_data(as_text=True)
    assert titles(owner) == []


def test_another_order_is_another_page(app, db, world, make_task, login_as, kept):
    make_task(S.SUBMITTED, title="Alpha giải phóng")
    make_task(S.SUBMITTED, title="Beta giải phóng")
    client = login_as(world.secretariat)
    up = titles(client.get("/tasks/?sort=title&dir=asc").get_data(as_text=True))
    down = titles(client.get("/tasks/?sort=title&dir=desc").get_data(as_text=True))
    assert up == ["Alpha giải phóng", "Beta giải phóng"] and down == up[::-1]


def test_a_search_loads_its_rows_by_id(app, db, world, make_task, login_as, statements):
    make_task(S.SUBMITTED, title="Vận động hộ dân bàn giao đất")
    client = login_as(world.secretariat)
    with statements() as seen:
        page = client.get("/tasks/?q=van+dong").get_data(as_text=True)
    assert '<a href="/tasks/' in page and "<mark>Vận</mark> <mark>động</mark> hộ dân bàn giao đất</a>" in page
    assert len([s for s in seen if full_text(db, s)]) == 2  # ids and total: the rows are read by id


def test_a_unit_outside_the_pickers_choices_is_ignored(app, db, world, make_task, make_unit, login_as):
    make_task(S.SUBMITTED, title="Việc của đơn vị")
    client = login_as(world.secretariat)
    outside = client.get("/tasks/?unit=999999").get_data(as_text=True)
    assert titles(outside) == ["Việc của đơn vị"]  # the filter is ignored, not an empty list
    assert 'id="unit-error"' in outside  # and said to be wrong
    inside = client.get(f"/tasks/?unit={world.unit.id}").get_data(as_text=True)
    assert titles(inside) == ["Việc của đơn vị"] and 'id="unit-error"' not in inside
    assert f'<option selected value="{world.unit.id}">' in inside
    other = make_unit("Phường khác")
    db.session.commit()
    assert titles(client.get(f"/tasks/?unit={other.id}").get_data(as_text=True)) == []


def test_the_api_list_is_kept_too(app, db, world, make_task, api_as, statements, kept):
    first = make_task(S.SUBMITTED, title="Giải phóng mặt bằng khu A")
    make_task(S.SUBMITTED, title="Giải phóng mặt bằng khu B")
    client = api_as(world.secretariat)
    url = "tasks?q=giai+phong&state=submitted"
    with statements() as cold:
        body = client.get(url).get_json()
    assert body["total"] == 2 and len([s for s in cold if full_text(db, s)]) == 2
    with statements() as warm:
        assert client.get(url).get_json() == body
    assert not [s for s in warm if full_text(db, s)]  # the total and the page's ids kept
    task_service.withdraw_task(world.owner, first, "Không còn phù hợp")  # audited: the trail moves
    db.session.commit()
    moved = client.get(url).get_json()
    assert [t["title"] for t in moved["items"]] == ["Giải phóng mặt bằng khu B"] and moved["total"] == 1
