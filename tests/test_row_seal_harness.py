"""The row seal under fire: on the demo (every kind of record, through the services) and on a generated dataset,
hundreds of random direct database edits of every audited kind — state flips, verdict flags, superseded
verdicts, notes, assessments and task fields, password hashes, role grants, units, years, deleted and inserted
rows — each inside a SAVEPOINT that is rolled back after the check. Every edit must be named by verification
(its table, id and kind, and nothing else), and the untouched data must verify clean before and after.

Run with ``-s`` to see detected / tried per kind. Marked ``db``: it runs on PostgreSQL too."""

from __future__ import annotations

import enum
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import JSON, Boolean, Date, Enum, Integer, String, UniqueConstraint, func, insert, select, update
from sqlalchemy import delete as sql_delete
from sqlalchemy.exc import DBAPIError
from werkzeug.security import generate_password_hash

from registry.demo import load_demo
from registry.generate import generate
from registry.models.base import UTCDateTime
from registry.models.task import TaskState
from registry.services import rowseal
from registry.services.verify import verify_all, verify_chain, verify_rows

#: random edits of each kind on the demo (21 kinds: 525 edits), and on the generated dataset
PER_KIND = 25
PER_KIND_GENERATED = 6
#: the leaves that can go without taking other rows with them (no audited row refers to them)
LEAVES = ["indicator_values", "recommendations", "role_grants", "milestones", "note_amendments", "org_unit_names",
          "evidence_files", "task_adjustments", "self_assessments", "api_tokens"]
TASK_STATES = [state.value for state in TaskState]


@pytest.fixture(autouse=True)
def quick_passwords(monkeypatch):
    monkeypatch.setattr("registry.models.person.generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1000"))


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    return tmp_path / "evidence"


class Editor:
    """Random direct edits through the connection (no ORM, no session hooks): what a database owner can do."""

    def __init__(self, db, rng: random.Random):
        self.db, self.rng = db, rng

    @property
    def connection(self):
        """The session's connection inside the current SAVEPOINT (asking for it is what emits the SAVEPOINT)."""
        return self.db.session.connection()

    def table(self, name):
        return rowseal.SEALED[name].model.__table__

    def ids(self, name, where=None) -> list[int]:
        t = self.table(name)
        query = select(t.c.id).order_by(t.c.id)
        if where is not None:
            query = query.where(where(t))
        return list(self.connection.execute(query).scalars())

    def pick(self, name, where=None) -> int | None:
        ids = self.ids(name, where)
        return self.rng.choice(ids) if ids else None

    def other_id(self, column, current):
        """Another existing id for a foreign key column."""
        target = next(iter(column.foreign_keys)).column.table
        ids = [i for i in self.connection.execute(select(target.c.id)).scalars() if i != current]
        return self.rng.choice(ids) if ids else None

    def new_value(self, column, value):
        """A different value of the column's type (the database's constraints may still refuse it)."""
        kind = column.type
        if column.foreign_keys:
            return self.other_id(column, value)
        if isinstance(kind, Enum):
            choices = [m for m in kind.enums if m != (value.value if isinstance(value, enum.Enum) else value)]
            member = self.rng.choice(choices)
            return next(m for m in kind.enum_class if m.value == member) if kind.enum_class else member
        if isinstance(kind, Boolean):
            return not value
        if isinstance(kind, UTCDateTime):
            return (value or datetime(2026, 1, 5).astimezone()) + timedelta(hours=self.rng.randint(1, 90))
        if isinstance(kind, Date):
            return (value or date(2026, 1, 5)) + timedelta(days=self.rng.randint(1, 9))
        if isinstance(kind, Integer):
            return (value or 0) + self.rng.randint(1, 3)
        if kind.python_type is float:
            return (value or 0.0) + self.rng.choice([0.5, 1.0, 7.0])
        if isinstance(kind, JSON):
            if isinstance(value, list):
                return [*value, {"sửa": self.rng.randint(1, 99)}]
            return {**(value or {}), "sửa": self.rng.randint(1, 99)}
        text = value or ""
        limit = kind.length if isinstance(kind, String) and kind.length else 1000
        return (text[: limit - 6] + " (sửa)") if self.rng.random() < 0.7 else f"Sửa {self.rng.randint(1, 999)}"

    # -- the edits: each returns the problems verification must name, or None (nothing to edit) ----------------
    def change(self, name, where=None, columns=None):
        row_id = self.pick(name, where)
        if row_id is None:
            return None
        t = self.table(name)
        names = columns or [c for c in rowseal.SEALED[name].columns if c != "id"]
        column = t.c[self.rng.choice(names)]
        current = self.connection.execute(select(column).where(t.c.id == row_id)).scalar()
        value = self.new_value(column, current)
        if value is None or value == current:
            return None
        self.connection.execute(update(t).where(t.c.id == row_id).values({column.name: value}))
        return {("row_changed", name, row_id)}

    def state_flip(self):
        row_id = self.pick("tasks")
        t = self.table("tasks")
        state = self.connection.execute(select(t.c.state).where(t.c.id == row_id)).scalar()
        state = state.value if isinstance(state, enum.Enum) else state
        if state == "reviewed" and self.rng.random() < 0.6:
            target = "in_progress"  # unlocks it
        else:
            target = self.rng.choice([s for s in TASK_STATES if s != state])
        self.connection.execute(update(t).where(t.c.id == row_id).values(state=target))
        return {("row_changed", "tasks", row_id)}

    def verdict_flag(self):
        t = self.table("verdicts")
        current = self.ids("verdicts", lambda v: v.c.is_current.is_(True))
        superseded = self.ids("verdicts", lambda v: v.c.is_current.is_(False))
        if superseded and self.rng.random() < 0.4:  # a superseded verdict made current again
            old = self.rng.choice(superseded)
            task = self.connection.execute(select(t.c.task_id).where(t.c.id == old)).scalar()
            standing = self.ids("verdicts", lambda v: (v.c.task_id == task) & v.c.is_current.is_(True))
            expected = {("row_changed", "verdicts", old)}
            for row_id in standing:
                self.connection.execute(update(t).where(t.c.id == row_id).values(
                    is_current=False, reopened_at=t.c.decided_at, reopen_reason="Gỡ lén"))
                expected.add(("row_changed", "verdicts", row_id))
            self.connection.execute(update(t).where(t.c.id == old).values(is_current=True))
            return expected
        row_id = self.rng.choice(current)  # a current verdict unmarked
        self.connection.execute(update(t).where(t.c.id == row_id).values(
            is_current=False, reopened_at=t.c.decided_at, reopen_reason="Gỡ lén"))
        return {("row_changed", "verdicts", row_id)}

    def password(self):
        row_id = self.pick("people")
        t = self.table("people")
        self.connection.execute(update(t).where(t.c.id == row_id).values(
            password_hash=generate_password_hash(f"attacker-{self.rng.random()}", method="pbkdf2:sha256:1000")))
        return {("row_changed", "people", row_id)}

    def grant(self):
        t = self.table("role_grants")
        person, unit = self.pick("people"), self.pick("org_units")
        role = self.rng.choice(["standing", "secretariat", "monitor", "owner", "inspector"])
        self.connection.execute(insert(t).values(person_id=person, role=role, unit_id=unit))
        new = self.connection.execute(select(func.max(t.c.id))).scalar()
        return {("row_unaudited", "role_grants", new)}

    def delete(self):
        name = self.rng.choice(LEAVES)
        row_id = self.pick(name)
        if row_id is None:
            return None
        self.connection.execute(sql_delete(self.table(name)).where(self.table(name).c.id == row_id))
        return {("row_missing", name, row_id)}

    def insert_copy(self):
        """A copy of a random row under a new id (unique columns altered)."""
        name = self.rng.choice(list(rowseal.SEALED))
        row_id = self.pick(name)
        if row_id is None:
            return None
        t = self.table(name)
        row = dict(self.connection.execute(select(t).where(t.c.id == row_id)).mappings().one())
        new = self.connection.execute(select(func.max(t.c.id))).scalar() + 1
        row["id"] = new
        for constraint in t.constraints:
            if isinstance(constraint, UniqueConstraint) and len(constraint.columns) > 1:
                column = self.rng.choice(list(constraint.columns))
                row[column.name] = self.new_value(column, row[column.name])
        for column in t.columns:
            single = column.unique or any(isinstance(c, UniqueConstraint) and list(c.columns) == [column]
                                          for c in t.constraints)
            if single and column.name != "id":
                if isinstance(column.type, String):
                    row[column.name] = f"copy-{new}"[: column.type.length or 40]
                else:
                    row[column.name] = None if column.nullable else self.new_value(column, row[column.name])
        if name == "tasks":
            row["carried_from_id"] = row["carry_reason"] = None
        if name == "verdicts":
            row["is_current"] = False
            row["reopened_at"] = row["reopened_at"] or row["decided_at"]
            row["reopen_reason"] = row["reopen_reason"] or "Bản sao"
        self.connection.execute(insert(t).values(row))
        return {("row_unaudited", name, new)}


def _kinds(editor: Editor) -> dict[str, callable]:
    e = editor
    return {
        "task state flip": e.state_flip,
        "task field": lambda: e.change("tasks", columns=[c for c in rowseal.SEALED["tasks"].columns
                                                         if c not in ("id", "state")]),
        "indicator or milestone": lambda: e.change(e.rng.choice(["indicators", "milestones"])),
        "task adjustment": lambda: e.change("task_adjustments"),
        "progress note": lambda: e.change("progress_notes"),
        "indicator value": lambda: e.change("indicator_values"),
        "assessment": lambda: e.change("assessments"),
        "recommendation or reply": lambda: e.change("recommendations"),
        "self-assessment": lambda: e.change("self_assessments"),
        "verdict current flag": e.verdict_flag,
        "superseded verdict": lambda: e.change("verdicts", lambda v: v.c.is_current.is_(False),
                                               columns=["reasons", "measures", "conclusion_ref", "percent",
                                                        "level_id", "decided_at", "reopen_reason"]),
        "current verdict": lambda: e.change("verdicts", lambda v: v.c.is_current.is_(True),
                                            columns=["reasons", "level_id", "commendation_form", "seal"]),
        "evidence file": lambda: e.change("evidence_files"),
        "password hash": e.password,
        "person": lambda: e.change("people", columns=["username", "full_name", "position", "email",
                                                      "org_unit_id", "is_active"]),
        "role grant inserted": e.grant,
        "role grant changed": lambda: e.change("role_grants"),
        "unit": lambda: e.change(e.rng.choice(["org_units", "org_units", "org_unit_names"])),
        "year, field or verdict level": lambda: e.change(e.rng.choice(["years", "fields", "verdict_levels"])),
        "row deleted": e.delete,
        "row inserted": e.insert_copy,
    }


#: kinds that need rows the dataset may not have
NEEDS = {
    "task adjustment": ("adjustments", lambda e: e.ids("task_adjustments")),
    "superseded verdict": ("superseded verdicts", lambda e: e.ids("verdicts", lambda v: v.c.is_current.is_(False))),
    "verdict current flag": ("verdicts", lambda e: e.ids("verdicts")),
    "current verdict": ("current verdicts", lambda e: e.ids("verdicts", lambda v: v.c.is_current.is_(True))),
}


def run_harness(app, db, folder: Path, per_kind: int, seed: int, label: str) -> dict[str, tuple[int, int]]:
    key = app.config["AUDIT_KEY"]
    report = verify_all(key, folder)
    assert report.ok and report.rows_sealed and report.rows == [], f"false alarm on the untouched {label}: {report}"
    chain, trail = verify_chain(key)
    assert chain.ok
    editor = Editor(db, random.Random(seed))
    results: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong: list[str] = []
    for kind, edit in _kinds(editor).items():
        attempts = 0
        if kind in NEEDS and not NEEDS[kind][1](editor):
            print(f"  (no {NEEDS[kind][0]} in the {label}: {kind} skipped)")
            continue
        while results[kind][1] < per_kind:
            attempts += 1
            assert attempts < per_kind * 20, f"{kind}: the edits keep failing"
            savepoint = db.session.begin_nested()
            try:
                expected = edit()
            except DBAPIError:  # a constraint refused this one; another is tried
                expected = None
            if not expected:
                savepoint.rollback()
                continue
            results[kind][1] += 1
            if results[kind][1] % 10 == 0:  # the whole verification now and then, the row check otherwise
                problems = verify_all(key, folder).rows
            else:
                problems, _checked = verify_rows(trail)
            found = {(p.kind, p.table, p.id) for p in problems}
            if expected <= found:
                results[kind][0] += 1
            if found != expected:
                wrong.append(f"{kind}: expected {sorted(expected)}, named {sorted(found)}")
            savepoint.rollback()
            db.session.expire_all()
    report = verify_all(key, folder)
    assert report.ok and report.rows == [], f"false alarm after the edits were undone: {report}"
    print(f"\nrow seal harness on the {label} ({db.engine.dialect.name}): detected / tried")
    for kind, (detected, tried) in results.items():
        print(f"  {kind:<30} {detected:>4} / {tried}")
    total = [sum(v[0] for v in results.values()), sum(v[1] for v in results.values())]
    print(f"  {'all':<30} {total[0]:>4} / {total[1]}")
    assert not wrong, "\n".join(wrong[:20])
    assert all(detected == tried for detected, tried in results.values())
    return {kind: tuple(v) for kind, v in results.items()}


def test_every_direct_edit_of_the_demo_is_named(app, db, folder):
    load_demo(folder)
    db.session.commit()
    results = run_harness(app, db, folder, PER_KIND, seed=2026, label="demo")
    assert sum(tried for _detected, tried in results.values()) >= 500
    assert len(results) == 21


def test_every_direct_edit_of_a_generated_dataset_is_named(app, db, folder):
    generate("tiny", 1, schema=False, evidence_dir=folder)
    db.session.commit()
    results = run_harness(app, db, folder, PER_KIND_GENERATED, seed=7, label="generated tiny dataset")
    assert len(results) >= 18  # it may have no adjustments and no superseded verdict
