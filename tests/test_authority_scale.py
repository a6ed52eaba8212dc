"""The committee scope at scale: the scoped lists run the same number of SQL statements with 10 tasks in 3 units
as with 1,000 tasks in 100 units (no query per row, per unit or per grant), and the scope filter is an indexed
range on the materialised path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from registry.models import (
    OrgLevel,
    OrgUnit,
    Ownership,
    Person,
    Role,
    Task,
    TaskKind,
    TaskState,
)
from registry.models.org import subtree_clause
from registry.services import tokens as token_service
from registry.text import fold
from tests.helpers import count_queries
from tests.scale_tree import ScaleTree

S = TaskState
#: the states the bulk rows cycle through (submitted and approved first, so that the small world has both)
STATES = (S.SUBMITTED, S.APPROVED, S.DRAFT, S.IN_PROGRESS, S.RETURNED, S.WITHDRAWN)
KINDS = tuple(TaskKind)
WHEN = datetime(2026, 7, 10, 3, 0, tzinfo=UTC)  # Q1 and Q2 deadlines passed: attention lists fill


class Tree(ScaleTree):
    """The shared tree; half the units' tasks owned by the head of some other unit, in six states."""

    code_prefix = "S"

    def task_row(self, i: int, n_units: int) -> dict:
        k, j = i % n_units, i // n_units
        unit, owner, monitor = self.units[k], self.heads[k], self.monitors[k]
        state = STATES[j % len(STATES)]
        # tasks under way are collective, submitted ones in every other unit: owned by the head of some unit
        # (not always the committee's own), so every list has collective rows at both sizes or at neither
        collective = j % 2 == 1 or (j % 6 == 0 and k % 2 == 0)
        if collective:
            owner_k = (k + j) % n_units
            owner_unit, owner = self.units[owner_k], self.heads[owner_k]
        decided = state in (S.APPROVED, S.IN_PROGRESS)
        title = f"Việc khó số {i} của {unit.name}"
        submitted = state not in (S.DRAFT,)
        return {
            "year_id": self.year.id, "kind": KINDS[i % len(KINDS)],
            "ownership": Ownership.COLLECTIVE if collective else Ownership.INDIVIDUAL,
            "owner_id": owner.id, "owner_unit_id": owner_unit.id if collective else None,
            "org_unit_id": owner_unit.id if collective else unit.id,
            "committee_id": unit.id, "field_id": self.fields[i % len(self.fields)].id, "state": state,
            "title": title, "search_text": fold(title), "deadline": date(2026, 11, 30),
            "submitted_at": WHEN - timedelta(days=30, minutes=i) if submitted else None,
            "decided_at": WHEN - timedelta(days=20) if decided else None,
            "decision_ref": f"{i}-QĐ/ĐU" if decided else None,
            "decision_date": date(2026, 6, 1) if decided else None,
            "approved_by_id": self.approver.id if decided else None,
            "monitor_id": monitor.id if decided else None,
            "withdrawn_reason": "Không còn phù hợp" if state == S.WITHDRAWN else None,
            "return_comment": "Bổ sung chỉ tiêu" if state == S.RETURNED else None,
        }


@pytest.fixture
def tree(db, password_hash, make_year, make_field, frozen_now):
    frozen_now(WHEN)
    year = make_year(2026)
    fields = [make_field(f"Lĩnh vực {n}") for n in range(4)]
    return Tree(db, password_hash, year, fields)


ACTORS = {
    # a Standing Committee member of the province reads every committee below it (oversight)
    "province_standing": lambda t: [(Role.STANDING, t.units[0])],
    # the secretariat of a commune reads the commune and its cells
    "commune_secretariat": lambda t: [(Role.SECRETARIAT, t.units[1])],
    # a Standing Committee member of a commune (its own approval queue)
    "commune_standing": lambda t: [(Role.STANDING, t.units[1])],
}
PAGES = ["/tasks/", "/tasks/?q=viec kho", f"/tasks/?year=2026&state={S.APPROVED.value}", "/api/v1/tasks?per_page=100",
         "/", "/attention", "/attention?show=late_or_at_risk", "/tasks/queue", "/reports"]


def measure(db, client, token: str, who: str) -> tuple[dict[str, int], dict[str, int]]:
    """The statements each page runs, and the table rows (or API items) it shows."""
    counts, rows = {}, {}
    for url in PAGES:
        if url == "/tasks/queue" and who == "commune_secretariat":
            assert client.get(url).status_code == 403
            continue
        if url.startswith("/attention?show") and who == "commune_secretariat":
            continue
        if url.startswith("/api/"):
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            try:
                counts[url], body = count_queries(db, client, url)
            finally:
                del client.environ_base["HTTP_AUTHORIZATION"]
            rows[url] = len(json.loads(body)["items"])
        else:
            counts[url], body = count_queries(db, client, url)
            rows[url] = body.count("<tr")
    return counts, rows


def visible_count(db, client, token) -> int:
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    try:
        return client.get("/api/v1/tasks?per_page=1").get_json()["total"]
    finally:
        del client.environ_base["HTTP_AUTHORIZATION"]


@pytest.mark.parametrize("who", list(ACTORS))
def test_scoped_lists_run_a_fixed_number_of_statements(who, tree, db, app, client, login_as, monkeypatch,
                                                        password_hash):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100)  # every row of the page is rendered, 10 or 100 of them
    tree.grow(3, 10)
    actor = Person(username=who, full_name="Người Xem", position="Ủy viên", password_hash=password_hash)
    for role, unit in ACTORS[who](tree):
        actor.grant(role, unit)
    db.session.add(actor)
    db.session.flush()
    token = token_service.create_token(actor, "Đo số câu lệnh")[1]
    client = login_as(actor)

    visible_count(db, client, token)  # the token's first use records it (once): not part of the list
    small, small_rows = measure(db, client, token, who)
    small_visible = visible_count(db, client, token)
    tree.grow(100, 1000)
    assert db.session.scalar(select(func.count(Task.id))) == 1000
    assert db.session.scalar(select(func.count(OrgUnit.id))) == 100
    large, large_rows = measure(db, client, token, who)
    large_visible = visible_count(db, client, token)

    print(f"\n{who}: visible tasks {small_visible} → {large_visible}")
    for url in small:
        print(f"  {url:40} {small[url]:3} statements, {small_rows[url]:3} rows (10 tasks, 3 units);"
              f" {large[url]:3} statements, {large_rows[url]:3} rows (1,000 tasks, 100 units)")
    assert large_visible > small_visible
    for url in ("/tasks/", "/api/v1/tasks?per_page=100"):  # the lists really grew
        assert large_rows[url] > small_rows[url] > 0, (url, small_rows[url], large_rows[url])
    assert large == small, {url: (small[url], large[url]) for url in small if small[url] != large[url]}


def test_scope_matches_the_tree(tree, db, app, client, login_as, password_hash):
    """At scale, the scope is exactly the subtree: the province reads everything, a commune its cells'."""
    tree.grow(100, 1000)
    secretariat = Person(username="vp", full_name="Văn Phòng Xã", position="", password_hash=password_hash)
    secretariat.grant(Role.SECRETARIAT, tree.units[3])
    standing = Person(username="tv", full_name="Thường Vụ Tỉnh", position="", password_hash=password_hash)
    standing.grant(Role.STANDING, tree.units[0])
    db.session.add_all([secretariat, standing])
    db.session.commit()
    below = {tree.units[3].id, tree.units[4].id}
    assert tree.units[4].path == f"{tree.units[0].path}{tree.units[3].id}/{tree.units[4].id}/"
    expected = db.session.scalar(select(func.count(Task.id)).where(Task.committee_id.in_(below)))
    for person, total in ((secretariat, expected), (standing, 1000)):
        token = token_service.create_token(person, "Kiểm thử")[1]
        db.session.commit()
        assert visible_count(db, client, token) == total, person.username


def test_the_scope_filter_uses_the_path_index(db, make_unit):
    top = make_unit("Tỉnh Tuyên Quang", level=OrgLevel.PROVINCE, parent=None)
    child = make_unit("Xã Mỹ Bằng", parent=top)
    make_unit("Phường Thụy Khuê", parent=make_unit("Thành phố Hà Nội", level=OrgLevel.PROVINCE, parent=None))
    db.session.commit()
    stmt = select(OrgUnit.id).where(subtree_clause(OrgUnit.path, [top.path]))
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        print(f"\nEXPLAIN QUERY PLAN: {plan}")
        assert "ix_org_units_path" in plan, plan
    else:  # on a tiny table PostgreSQL may rightly prefer a sequential scan: the plan only has to run
        plan = " ".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))
        assert plan
    assert set(db.session.scalars(stmt)) == {top.id, child.id}
