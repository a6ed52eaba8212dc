"""The attention page's capped lists (``attention.first_rows``): the keys of each list's first rows and its total in
one statement, kept per reader until the trail moves or the day changes (as the header's count is), and the rows
of every list read by key together, every time."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from registry.blueprints.monitoring.views import LIMIT
from registry.models import Task, TaskState
from registry.services import attention
from registry.services import monitoring, progress, queries

S = TaskState
pytestmark = pytest.mark.db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)




def write_note(world, task, quarter=1, status="on_track"):
    return progress.add_progress_note(world.owner, task, quarter, {
        "work_done": "Đối thoại với các hộ", "status": status, "values": {str(task.indicators[0].id): 30}})


def page_and_statements(db, client, url="/attention") -> tuple[str, list[str]]:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return response.get_data(as_text=True), seen


def to_assess(page: str) -> tuple[int, list[str]]:
    """The total of the monitor's "notes to assess" list and the ids of the notes it shows."""
    section = page[page.index('id="notes-to-assess"'):]
    section = section[:section.index("</section>")]
    return int(re.search(r'<span class="badge">(\d+)</span>', section).group(1)), \
        re.findall(r'id="to-assess-(\d+)"', section)


def listed(statements: list[str]) -> int:
    """The statements that ran a list's filter (its first keys and total)."""
    return sum("OVER ()" in s for s in statements)


def test_the_lists_are_kept_until_a_change_is_audited(app, db, world, make_task, frozen_now, login_as, kept):
    frozen_now(utc(2026, 4, 10, 3, 0))
    tasks = [make_task(S.APPROVED) for _ in range(LIMIT + 3)]
    notes = [write_note(world, task) for task in tasks[:LIMIT + 2]]
    client = login_as(world.monitor)

    page, seen = page_and_statements(db, client)
    total, shown = to_assess(page)
    assert total == LIMIT + 2 and len(shown) == LIMIT and listed(seen) >= 1
    assert 'id="see-all-notes_to_assess"' in page

    again, seen_again = page_and_statements(db, client)  # nothing audited since: the keys and totals are kept
    assert to_assess(again) == (total, shown) and listed(seen_again) == 0
    assert len(seen_again) < len(seen)

    write_note(world, tasks[-1])  # audited: one more note to assess
    db.session.commit()
    moved, seen = page_and_statements(db, client)
    assert to_assess(moved)[0] == total + 1 and listed(seen) >= 1

    first = int(shown[0])  # assessed: off the list
    monitoring.add_assessment(world.monitor, next(n.task for n in notes if n.id == first), "q1",
                              {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt."}, [])
    db.session.commit()
    assessed, _seen = page_and_statements(db, client)
    assert to_assess(assessed)[0] == total and str(first) not in to_assess(assessed)[1]
    # the header's count is the sum of the page's lists, kept or not
    badge = re.search(r'id="attention-count"[^>]*>(\d+)<', assessed)
    assert badge and int(badge.group(1)) == attention.count_attention(world.monitor)


def test_another_day_lists_again(app, db, world, make_task, frozen_now, login_as, kept):
    frozen_now(utc(2026, 3, 30, 3, 0))
    make_task(S.APPROVED)
    client = login_as(world.secretariat)

    def overdue_section(page: str) -> str:
        section = page[page.index('id="overdue-notes"'):]
        return section[:section.index("</section>")]

    page, seen = page_and_statements(db, client)
    assert "data-missing=" not in overdue_section(page)
    page, seen = page_and_statements(db, client)
    assert listed(seen) == 0
    frozen_now(utc(2026, 4, 25, 3, 0))  # the first quarter's deadline has passed: its note is missing
    page, seen = page_and_statements(db, client)
    assert listed(seen) >= 1 and 'data-missing="1"' in overdue_section(page)


def test_first_rows_are_the_lists_first_rows_and_total(app, db, world, make_task, frozen_now):
    frozen_now(utc(2026, 4, 2, 3, 0))
    tasks = [make_task(S.APPROVED) for _ in range(LIMIT + 2)]
    for task in tasks[:3]:  # on time
        write_note(world, task)
    db.session.commit()
    frozen_now(utc(2026, 4, 25, 3, 0))  # Q1 passed: the other tasks lack their note
    year = queries.current_year()
    lists = {
        "overdue_notes": lambda: attention.overdue_notes(world.secretariat),
        "late_or_at_risk": lambda: attention.late_or_at_risk(world.standing2, year),
        "unassessed": lambda: attention.unassessed_this_quarter(world.standing2, year),
        "notes_to_assess": lambda: attention.notes_to_assess(world.monitor),
    }
    firsts = attention.first_rows({name: (query, attention.ATTENTION_ROWS[name], None)
                                 for name, query in lists.items()}, LIMIT)
    for name, query in lists.items():
        rows, total = firsts[name]
        expected = list(db.session.scalars(query()).unique())
        assert total == len(expected) == queries.count(query()), name
        assert [r.id for r in rows] == [r.id for r in expected[:LIMIT]], name
    assert firsts["overdue_notes"][1] == LIMIT - 1 and firsts["notes_to_assess"][1] == 3
    # the rows show what the page prints, loaded with them
    row = firsts["overdue_notes"][0][0]
    assert row.owner_label == world.owner.full_name and row.code.startswith(str(world.year.year))
    assert queries.note_gaps(row).missing == [1]


def test_late_or_at_risk_reads_the_latest_note(app, db, world, make_task, frozen_now):
    frozen_now(utc(2026, 6, 20, 3, 0))  # Q1 has passed, Q2 has not
    late, recovered, slipping, silent = (make_task(S.APPROVED) for _ in range(4))
    write_note(world, late, 1, status="late")
    write_note(world, recovered, 1, status="at_risk")
    write_note(world, recovered, 2, status="on_track")  # its latest note is on track
    write_note(world, slipping, 1, status="on_track")
    write_note(world, slipping, 2, status="at_risk")
    db.session.commit()  # ``silent`` has no Q1 note
    listed_ids = set(db.session.scalars(
        attention.late_or_at_risk(world.standing2, queries.current_year()).with_only_columns(Task.id)))
    assert listed_ids == {late.id, slipping.id, silent.id}
