"""The header's attention count and the unit pickers are kept per reader until the trail moves
(``registry/trail_cache.py``): a kept value costs one statement (the trail's head), any audited change, another
day or another reader computes again, and a writing request never uses what is kept."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from registry.models import TaskState
from registry.services import attention
from registry.services import admin as admin_service
from registry.services import progress, queries

S = TaskState
pytestmark = pytest.mark.db




def statements(db, call, method="GET"):
    """The value of ``call()`` in a fresh request of ``method``, and the SQL statements it ran."""
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        from flask import current_app
        app = current_app._get_current_object()
        with app.app_context(), app.test_request_context("/", method=method):  # a request of its own: new ``g``
            value = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    statements.seen = seen
    return value, len(seen)


def note(task):
    return {"work_done": "Đối thoại với 22 hộ", "status": "on_track", "values": {str(task.indicators[0].id): 22}}


def test_the_header_count_is_kept_until_a_change_is_audited(app, db, world, make_task, frozen_now, kept):
    frozen_now(datetime(2026, 4, 2, 9, 0, tzinfo=timezone.utc))  # the first quarter's note is due
    task = make_task(S.APPROVED)
    db.session.commit()
    first, cost = statements(db, lambda: attention.attention_count(world.owner))
    assert first >= 1 and cost >= 2  # the trail's head, then the count
    again, cost = statements(db, lambda: attention.attention_count(world.owner))
    assert (again, cost) == (first, 1)  # only the trail's head

    progress.add_progress_note(world.owner, task, 1, note(task))  # audited: the note is no longer due
    db.session.commit()
    moved, cost = statements(db, lambda: attention.attention_count(world.owner))
    assert moved == attention.count_attention(world.owner) == first - 1 and cost >= 2
    # the monitor is another reader: counted for them, with the new note to assess
    monitor, cost = statements(db, lambda: attention.attention_count(world.monitor))
    assert monitor == attention.count_attention(world.monitor) and cost >= 2


def test_another_day_counts_again(app, db, world, make_task, frozen_now, kept):
    frozen_now(datetime(2026, 3, 30, 9, 0, tzinfo=timezone.utc))
    make_task(S.APPROVED)
    db.session.commit()
    before, _ = statements(db, lambda: attention.attention_count(world.secretariat))
    frozen_now(datetime(2026, 4, 25, 9, 0, tzinfo=timezone.utc))  # the first quarter's deadline has passed
    after, cost = statements(db, lambda: attention.attention_count(world.secretariat))
    assert cost >= 2 and after == attention.count_attention(world.secretariat)
    assert (before, after) == (0, 1)  # nothing yet; then the missing first-quarter note


def test_a_writing_request_never_uses_what_is_kept(app, db, world, make_task, frozen_now, kept):
    frozen_now(datetime(2026, 4, 2, 9, 0, tzinfo=timezone.utc))
    make_task(S.APPROVED)
    db.session.commit()
    statements(db, lambda: attention.attention_count(world.owner))
    value, cost = statements(db, lambda: attention.attention_count(world.owner), method="POST")
    assert cost >= 1 and value == attention.count_attention(world.owner)
    assert not any("audit_head" in sql for sql in statements.seen)  # counted, not looked up
    _, read_cost = statements(db, lambda: attention.attention_count(world.owner))
    assert read_cost == 1


def test_the_unit_picker_shows_a_new_unit_at_once(app, db, world, kept):
    names = [row.name for row, _depth in statements(db, lambda: queries.unit_choices(world.secretariat))[0]]
    _, cost = statements(db, lambda: queries.unit_choices(world.secretariat))
    assert cost == 1
    admin_service.save_org_unit(world.secretariat, None, {"code": "NEW-1", "name": "Phường Mới", "level": "commune",
                                                  "parent_id": world.unit.id})
    db.session.commit()
    after = [row.name for row, _depth in statements(db, lambda: queries.unit_choices(world.secretariat))[0]]
    assert "Phường Mới" in after and "Phường Mới" not in names
