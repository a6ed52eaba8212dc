"""A realistic generated dataset for load tests and benchmarks: ``flask --app registry generate --scale …``.

Everything is written with bulk inserts (``insert(Model)`` with lists of dicts, in chunks) and explicit ids:
the org tree (provinces → communes, wards and agencies, each committee with every role, Party cells below the
communes), people and their role grants, tasks of every state over one or more years with indicators and
milestones, four quarterly notes with indicator values and evidence files (tiny files on disk), the monitors'
assessments with recommendations and the owners' replies, self-assessments, sealed verdicts (some reopened and
decided again), carry-overs, notifications, and a valid audit chain computed exactly as
``registry.services.audit.record_event`` does (canonical JSON with ``unit_id``, ``entry_hash``, HMAC ``sign``,
``audit_head`` updated), so ``flask --app registry audit verify`` passes afterwards. Every audited row is sealed
as ``record_event`` seals it (``registry.services.rowseal``): its digest, read back from the database once the
batch is written, goes into the last event of the task or person it belongs to; the org tree, years, fields and
verdict levels into a ``rows.seal`` event at the start of the chain.

The rules every row respects are the models' CHECK constraints and the policy: a task's approver holds
``standing`` in the task's committee, its monitor ``monitor`` there, and owner, approver and monitor are three
different people.

The package: ``vocabulary`` (scales, names, weights), ``base`` (the writer: bulk inserts, ids, the audit
chain and its row seals), ``people`` (the org tree, people, grants, reference data), ``years`` (one year of tasks
with everything under them); here the ``Generator`` that runs them and ``generate``.
"""

from __future__ import annotations

from contextlib import contextmanager

import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from registry.generate.base import NotEmpty, Result, RowView, Writer, is_empty, prepare_schema
from registry.generate.people import PeopleBuilder
from registry.generate.vocabulary import (
    AGENCIES,
    CHUNK,
    CURRENT_STATES,
    DECIDED,
    FAMILY,
    FIELDS,
    GIVEN,
    LEVEL_WEIGHTS,
    MIDDLE,
    PASSWORD,
    PAST_STATES,
    PLACES,
    PROVINCES,
    SCALES,
    STAFF,
    SUBJECTS,
    UNITS,
    Scale,
)
from registry.generate.years import YearBuilder
from registry.models import AuditHead, Task, TaskState, db
from registry.services import rowseal, search


@contextmanager
def without_secondary_indexes():
    """PostgreSQL, filling an empty database: the indexes that no constraint needs are dropped for the load and
    made again after it (one sort per index instead of a tree insert per row; the search index's GIN most of
    all), in the load's transactions; made again even when the load fails."""
    session = db.session()
    indexes = session.execute(text(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)"
        " ORDER BY i.indexname")).all()
    for name, _definition in indexes:
        session.execute(text(f'DROP INDEX "{name}"'))
    # a superuser may switch the foreign keys' per-row triggers off for this connection (the rows are consistent
    # by construction: tests/test_generate.py checks them); others load with the checks
    replica = bool(session.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")))
    if replica:
        session.execute(text("SET session_replication_role = replica"))
    session.commit()
    try:
        yield
    finally:
        session.rollback()
        if replica:
            session.execute(text("RESET session_replication_role"))
        session.execute(text("SET maintenance_work_mem = '256MB'"))
        for _name, definition in indexes:
            session.execute(text(definition))
        session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")  # the expression indexes' statistics too


class Generator(PeopleBuilder, YearBuilder):
    """The whole dataset: the org tree and people, then each year, the audit head, the statistics."""

    # -- everything -----------------------------------------------------------------------------------------
    def run(self) -> Result:
        with rowseal.paused():  # the rows are sealed here, not by the session hook
            if self.dialect != "postgresql":
                return self._run()
            with without_secondary_indexes():
                return self._run()

    def _run(self) -> Result:
        started = time.perf_counter()
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        if self.dialect == "sqlite":
            db.session.execute(text("PRAGMA synchronous=OFF"))
        self.build_reference()
        self.build_people()
        self.cell_head = {}
        for cc in self.committees:
            for k, cell in enumerate(cc["cells"]):
                self.cell_head[cell["id"]] = cc["owners"][k % len(cc["owners"])]
        self.flush_events()
        self.echo(f"  org tree and people: {time.perf_counter() - started:.1f} s")
        carry: list[dict] = []
        for y in range(self.now.year - self.years + 1, self.now.year + 1):
            t0 = time.perf_counter()
            carry = self.build_year(y, carry)
            self.flush_events()
            db.session.commit()
            self.echo(f"  year {y}: {time.perf_counter() - t0:.1f} s")
        head = db.session.get(AuditHead, 1)
        if head is None:
            db.session.add(AuditHead(id=1, last_seq=self.seq, last_hash=self.prev))
        else:
            head.last_seq, head.last_hash = self.seq, self.prev
        db.session.flush()
        t0 = time.perf_counter()
        self.counts["search_entries"] = search.reindex()  # the bulk inserts bypass the session's index hooks
        self.echo(f"  search index: {time.perf_counter() - t0:.1f} s")
        if self.dialect == "postgresql":  # explicit ids do not move the sequences
            for table in self.ids:
                db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
        db.session.commit()
        if self.dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        elif self.dialect == "sqlite":
            with db.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        self.counts["verdict_levels"] = len(self.levels)
        self.counts["audit_head"] = 1
        sample = self.sample_task()
        return Result(counts=dict(sorted(self.counts.items())), logins=dict(self.logins), samples=sample,
                      seconds=time.perf_counter() - started)

    def sample_task(self) -> dict[str, Any]:
        """Ids the benchmark uses: a reviewed task of the current year in the sample commune, its owner…"""
        cc = self.commune_c
        task = db.session.scalar(select(Task.id).where(Task.committee_id == cc["id"], Task.state == TaskState.REVIEWED,
                                                       Task.year_id == self.year_rows[self.now.year]["id"])
                                 .order_by(Task.id).limit(1)) \
            or db.session.scalar(select(Task.id).where(Task.committee_id == cc["id"]).order_by(Task.id).limit(1))
        owner = db.session.scalar(select(Task.owner_id).where(Task.id == task)) if task else cc["owners"][0]
        return {"task_id": task, "owner_id": owner, "owner_username": self.usernames[owner],
                "commune_unit_id": cc["id"], "province_unit_id": self.committees[0]["id"], "year": self.now.year,
                "field_id": self.field_ids[0]}


def generate(scale: str | Scale, years: int = 1, *, force: bool = False, seed: int = 2025,
             evidence_dir: Path | None = None, echo=None, schema: bool = True) -> Result:
    """Write the dataset of ``scale`` over ``years`` years ending with the current one; see the module doc."""
    plan = SCALES[scale] if isinstance(scale, str) else scale
    if not 1 <= years <= 20:
        raise ValueError("years must be between 1 and 20")
    if schema:
        prepare_schema(force)
    elif not is_empty():
        raise NotEmpty("The database is not empty.")
    return Generator(plan, years, seed=seed, evidence_dir=evidence_dir, echo=echo).run()


__all__ = [
    "PASSWORD",
    "CHUNK",
    "Scale",
    "SCALES",
    "PROVINCES",
    "PLACES",
    "AGENCIES",
    "FAMILY",
    "MIDDLE",
    "GIVEN",
    "SUBJECTS",
    "UNITS",
    "FIELDS",
    "STAFF",
    "CURRENT_STATES",
    "PAST_STATES",
    "DECIDED",
    "LEVEL_WEIGHTS",
    "Result",
    "RowView",
    "NotEmpty",
    "is_empty",
    "prepare_schema",
    "Writer",
    "PeopleBuilder",
    "YearBuilder",
    "Generator",
    "generate",
]
