"""The task page runs the same number of SQL statements whatever the task holds: a task with a year of notes,
evidence, assessments and their recommendations costs no more statements than one with a single note and a
single assessment (no query per row: the recommendations of each assessment, say, are one statement for all)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

from tests.helpers import get_statements

from registry.models import (
    Assessment,
    EvidenceFile,
    IndicatorValue,
    Judgement,
    Period,
    ProgressNote,
    ProgressStatus,
    Recommendation,
    SupervisionForm,
    TaskState,
)

WHEN = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


statements = get_statements


def add_rows(db, task, world, quarters, recommendations_each: int) -> None:
    """A note (with a value and an evidence file) for each of ``quarters`` and an assessment of each, with
    ``recommendations_each`` recommendations."""
    for quarter in quarters:
        note = ProgressNote(task_id=task.id, quarter=quarter, author_id=world.owner.id, work_done=f"Quý {quarter}",
                            percent_complete=20.0 * quarter, status=ProgressStatus.ON_TRACK,
                            submitted_at=WHEN + timedelta(days=quarter))
        db.session.add(note)
        db.session.flush()
        db.session.add(IndicatorValue(note_id=note.id, indicator_id=task.indicators[0].id, value=10.0 * quarter))
        db.session.add(EvidenceFile(task_id=task.id, note_id=note.id, original_name=f"bien-ban-{quarter}.pdf",
                                    stored_name=hashlib.sha256(f"{task.id}-{quarter}".encode()).hexdigest()[:40],
                                    size_bytes=2048, content_type="application/pdf", sha256="0" * 64,
                                    uploaded_by_id=world.owner.id, uploaded_at=WHEN))
        assessment = Assessment(task_id=task.id, monitor_id=world.monitor.id, period=Period(f"q{quarter}"),
                                supervision_form=SupervisionForm.FIELD_SURVEY, judgement=Judgement.ON_TRACK,
                                strengths="Đúng tiến độ", created_at=WHEN + timedelta(days=quarter))
        db.session.add(assessment)
        db.session.flush()
        for n in range(recommendations_each):
            db.session.add(Recommendation(assessment_id=assessment.id, task_id=task.id,
                                          content=f"Kiến nghị {quarter}.{n}", addressee="UBND phường",
                                          reply_deadline=date(2026, 12, 1)))
    db.session.commit()


def test_the_task_page_runs_the_same_statements_with_a_year_of_rows(frozen_now, db, client, world, make_task,
                                                                      login_as):
    frozen_now(WHEN)
    small = make_task(TaskState.APPROVED)
    large = make_task(TaskState.APPROVED, title="Việc khó thứ hai của năm")
    add_rows(db, small, world, quarters=[1], recommendations_each=1)
    add_rows(db, large, world, quarters=[1, 2, 3, 4], recommendations_each=3)
    counts, bodies = {}, {}
    for viewer in (world.standing, world.owner, world.monitor):
        login_as(viewer)
        for task in (small, large):
            client.get(f"/tasks/{task.id}")  # the first request warms what is done once
            counts[viewer.username, task.id], bodies[viewer.username, task.id] = statements(
                db, client, f"/tasks/{task.id}")
    for viewer in (world.standing, world.owner, world.monitor):
        small_body, large_body = bodies[viewer.username, small.id], bodies[viewer.username, large.id]
        # the pages show what was added, so that the comparison is not void
        assert (small_body.count('id="assessment-'), large_body.count('id="assessment-')) == (1, 4)
        assert (small_body.count('id="recommendation-'), large_body.count('id="recommendation-')) == (1, 12)
        assert (small_body.count("bien-ban-"), large_body.count("bien-ban-")) == (1, 4)

        def kinds(sql: list[str]) -> list[str]:  # a statement whatever the length of its IN lists
            return sorted(re.sub(r"\((?:\?|%\(\w+\)s)(?:, (?:\?|%\(\w+\)s))*\)", "(…)", " ".join(q.split()))
                          for q in sql)

        assert kinds(counts[viewer.username, large.id]) == kinds(counts[viewer.username, small.id]), viewer.username
