"""The dataset generator at a tiny scale: counts, a valid audit chain and the committee rules on every task (on
PostgreSQL the rows are written with COPY, on SQLite with batched INSERTs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from registry import policy
from registry.generate import SCALES, generate
from registry.models import (
    AuditEvent,
    AuditHead,
    EvidenceFile,
    ProgressNote,
    Role,
    Task,
    TaskState,
    Verdict,
)
from registry.models.task import DECIDED_STATES
from registry.services.verify import verify_all

pytestmark = pytest.mark.db  # on PostgreSQL too: the rows go through COPY there


def _indexes(db) -> list[tuple[str, str]]:
    """The database's indexes (name, definition) on PostgreSQL; SQLite's index list otherwise."""
    if db.engine.dialect.name == "postgresql":
        query = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1"
    else:
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY 1"
    return [tuple(row) for row in db.session.execute(text(query))]


def test_tiny_dataset_is_complete_valid_and_follows_the_committee_rules(app, db, tmp_path):
    evidence = tmp_path / "evidence"
    app.config["EVIDENCE_DIR"] = str(evidence)
    indexes_before = _indexes(db)
    result = generate("tiny", 2, schema=False, evidence_dir=evidence)
    assert _indexes(db) == indexes_before  # PostgreSQL: dropped for the load, made again after it

    counts = result.counts
    assert counts["tasks"] == 2 * SCALES["tiny"].tasks == db.session.scalar(select(func.count(Task.id)))
    assert counts["progress_notes"] == db.session.scalar(select(func.count(ProgressNote.id))) > 0
    assert counts["audit_events"] == db.session.scalar(select(func.count(AuditEvent.seq)))
    assert db.session.get(AuditHead, 1).last_seq == counts["audit_events"]
    assert counts["evidence_files"] == len(list(evidence.iterdir())) > 0
    assert counts["verdicts"] > 0 and counts["assessments"] > 0 and counts["recommendations"] > 0
    states = set(db.session.scalars(select(Task.state).distinct()))
    assert states == set(TaskState), set(TaskState) - states
    assert set(result.logins) >= {r.value for r in Role}

    report = verify_all(app.config["AUDIT_KEY"], Path(app.config["EVIDENCE_DIR"]))
    assert report.ok, report
    assert report.events == counts["audit_events"]

    decided = db.session.scalars(select(Task).where(Task.state.in_(DECIDED_STATES))).all()
    assert decided
    for task in decided:
        assert policy.holds(task.approved_by, Role.STANDING, task.committee_id), task
        assert policy.holds(task.monitor, Role.MONITOR, task.committee_id), task
        assert policy.holds(task.owner, Role.OWNER, task.committee_id), task
        assert len({task.owner_id, task.approved_by_id, task.monitor_id}) == 3, task
        assert policy.permits(task.monitor, "assess", task)
    for verdict in db.session.scalars(select(Verdict).where(Verdict.is_current.is_(True))):
        task = verdict.task
        assert task.state == TaskState.REVIEWED
        assert policy.permits(verdict.decided_by, "verdict", task)
    assert db.session.scalar(select(func.count(EvidenceFile.id))) == counts["evidence_files"]
