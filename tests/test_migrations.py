"""Upgrading an empty database with the migrations gives exactly the models' schema; upgrading a database
with data in it loses nothing."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.exc import DBAPIError

from registry import MIGRATIONS
from registry.models import Person, Role, Task
from registry.models.audit import GENESIS_HASH
from registry.models.search import is_index_object
from registry.services.audit import canonical_json, entry_hash, record_event, sign
from registry.services.verify import verify_all


def test_upgrade_from_empty_matches_models(app, db):
    db.session.remove()
    db.drop_all()
    try:
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_name": lambda name, type_, _parent: not is_index_object(name, type_)})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
            levels = connection.execute(text("SELECT code FROM verdict_levels ORDER BY sort_order")).scalars().all()
        with db.engine.connect() as connection:
            connection.execute(text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, 'x')"))
            refused = False
            try:
                connection.execute(text("INSERT INTO audit_events (seq, occurred_at, object_type, action, payload, "
                                        "prev_hash, entry_hash, hmac) VALUES (1, '2026-01-01', 't', 'a', '{}', "
                                        "'p', 'e', 'h')"))
                connection.execute(text("DELETE FROM audit_events"))
            except Exception as exc:  # the append-only trigger
                refused = "append-only" in str(exc)
            connection.rollback()
        downgrade(directory=MIGRATIONS, revision="base")
        with db.engine.begin() as connection:
            left = set(inspect(connection).get_table_names()) - {"alembic_version"}
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        db.drop_all()
        db.create_all()
    assert differences == []
    assert set(db.metadata.tables) <= tables
    assert left == set(), "downgrade to base removes every table"
    assert levels == ["exceeded", "on_time", "late", "partial", "not_done", "stopped"]
    assert refused, "the migrated database refuses to delete audit events"


# -- upgrading a database with data in it -------------------------------------------------------------------

NOW = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)
AUDIT_KEY = "test-audit-key"  # as in tests/conftest.py


class Seed:
    """Rows written at revision 0002 with plain SQL (the models are newer), through reflected tables."""

    def __init__(self, connection):
        self.connection = connection
        self.metadata = MetaData()
        self.last_seq, self.last_hash = 0, GENESIS_HASH

    def table(self, table_name: str) -> Table:
        if table_name not in self.metadata.tables:
            Table(table_name, self.metadata, autoload_with=self.connection)
        return self.metadata.tables[table_name]

    def add(self, table_name: str, /, **values) -> int:
        result = self.connection.execute(self.table(table_name).insert().values(**values))
        return result.inserted_primary_key[0]

    def unit(self, code: str, level: str = "commune", parent: int | None = None) -> int:
        return self.add("org_units", name=f"Đơn vị {code}", code=code, level=level, parent_id=parent,
                        is_active=True)

    def person(self, username: str, unit: int | None, *roles: str) -> int:
        person = self.add("people", username=username, full_name=username.title(), search_name=username,
                          position="", org_unit_id=unit, password_hash="x", is_active=True,
                          created_at=NOW.replace(tzinfo=None))
        for role in roles:
            self.connection.execute(self.table("person_roles").insert().values(person_id=person, role=role))
        return person

    def task(self, owner: int, year: int, field: int, unit: int | None = None, collective: bool = False) -> int:
        return self.add(
            "tasks", year_id=year, kind="hard", ownership="collective" if collective else "individual",
            owner_id=owner, owner_unit_id=unit if collective else None, org_unit_id=unit, field_id=field,
            state="draft", title=f"Việc khó của {owner}", situation="", goal="", deliverable="", measures="",
            coordinating_units="", authority="own", resources="", support_requested="", locality="",
            reference_documents="", is_committed=True, search_text="", created_at=NOW.replace(tzinfo=None),
            updated_at=NOW.replace(tzinfo=None), version=1)

    def year(self, year: int = 2026) -> int:
        return self.add("years", year=year, registration_opens_on=date(year - 1, 11, 1),
                        registration_closes_on=date(year, 12, 31), q1_deadline=date(year, 4, 5),
                        q2_deadline=date(year, 7, 5), q3_deadline=date(year, 10, 5), q4_deadline=date(year, 12, 20),
                        rating_regulation="366-QĐ/TW", grace_days=7)

    def event(self, action: str, object_type: str, object_id: int | None, *, actor: tuple[int, str] | None = None,
              subject: int | None = None, task: int | None = None) -> None:
        """Append an event exactly as ``record_event`` did at revision 0002 (no "unit_id" in the payload)."""
        self.last_seq += 1
        seq = self.last_seq
        body = {"seq": seq, "occurred_at": NOW.isoformat(),
                "actor": {"id": actor[0], "username": actor[1]} if actor else None,
                "subject_person_id": subject, "task_id": task, "object": {"type": object_type, "id": object_id},
                "action": action, "before": None, "after": {"ok": True}}
        payload = canonical_json(body)
        digest = entry_hash(seq, self.last_hash, payload)
        self.connection.execute(self.table("audit_events").insert().values(
            seq=seq, occurred_at=NOW.replace(tzinfo=None), actor_id=actor[0] if actor else None,
            subject_person_id=subject, task_id=task, object_type=object_type, object_id=object_id, action=action,
            payload=payload, prev_hash=self.last_hash, entry_hash=digest, hmac=sign(digest, AUDIT_KEY)))
        self.last_hash = digest

    def close_chain(self) -> None:
        self.connection.execute(self.table("audit_head").insert().values(id=1, last_seq=self.last_seq,
                                                                         last_hash=self.last_hash))


def _rows(connection, sql: str) -> set[tuple]:
    return {tuple(row) for row in connection.execute(text(sql))}


def _counts(connection, tables: list[str]) -> dict[str, int]:
    return {name: connection.execute(text(f"SELECT COUNT(*) FROM {name}")).scalar_one() for name in tables}


def _refuses_audit_update(connection) -> bool:
    """An UPDATE of the audit trail fails on the append-only trigger (the connection is rolled back)."""
    try:
        connection.execute(text("UPDATE audit_events SET action = 'edited'"))
        refused = False
    except DBAPIError as exc:  # the append-only trigger
        refused = "append-only" in str(exc)
    connection.rollback()
    return refused


@pytest.fixture
def at_0002(app, db):
    """An empty database at revision 0002; afterwards the session's schema (from the models) is back."""
    assert app.config["AUDIT_KEY"] == AUDIT_KEY
    db.session.remove()
    db.drop_all()
    try:
        upgrade(directory=MIGRATIONS, revision="0002")
        yield db
    finally:
        db.session.remove()
        with db.engine.connect() as connection:
            # every table there is, whatever the revision; SQLite would otherwise empty each dropped table
            # first, and refuse while other rows point at it
            sqlite = connection.dialect.name == "sqlite"
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for name in inspect(connection).get_table_names():
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}"{"" if sqlite else " CASCADE"}'))
            connection.commit()
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        db.create_all()


KEPT = ["org_units", "people", "years", "fields", "tasks", "indicators", "milestones", "audit_events",
        "audit_head", "verdict_levels"]


def _seed_two_committees(connection) -> dict[str, int]:
    seed = Seed(connection)
    ids = {}
    ids["p1"] = seed.unit("P1", "province")
    ids["c1"] = seed.unit("C1", parent=ids["p1"])
    ids["g1"] = seed.unit("G1", "residential_group", parent=ids["c1"])
    # a unit moved under a top unit made after it: its parent has the larger id
    ids["c2"] = seed.unit("C2")
    ids["p2"] = seed.unit("P2", "province")
    connection.execute(text("UPDATE org_units SET parent_id = :p WHERE id = :c"), {"p": ids["p2"], "c": ids["c2"]})
    ids["a"] = seed.person("an", ids["c1"], "owner", "standing")
    ids["b"] = seed.person("binh", ids["g1"], "monitor")
    ids["c"] = seed.person("cuong", ids["c2"], "owner", "secretariat")
    ids["d"] = seed.person("dung", None, "inspector", "owner")  # no unit: the first top unit
    ids["e"] = seed.person("em", ids["p2"])  # no role
    connection.execute(text("UPDATE org_units SET head_id = :a WHERE id = :c"), {"a": ids["a"], "c": ids["c1"]})
    ids["year"] = seed.year()
    ids["field"] = seed.add("fields", name="GPMB – tái định cư", sort_order=1, is_active=True)
    ids["t1"] = seed.task(ids["a"], ids["year"], ids["field"], unit=ids["c1"])
    ids["t2"] = seed.task(ids["c"], ids["year"], ids["field"], unit=ids["c2"], collective=True)
    ids["t3"] = seed.task(ids["d"], ids["year"], ids["field"])
    seed.add("indicators", task_id=ids["t1"], position=1, name="Hộ chưa đồng thuận", unit="hộ", baseline=44,
             target=0)
    seed.add("milestones", task_id=ids["t1"], position=1, description="Đối thoại", due_on=date(2026, 6, 30))
    admin = (ids["c"], "cuong")
    seed.event("org_unit.create", "org_unit", ids["p2"])
    seed.event("person.create", "person", ids["a"], actor=admin, subject=ids["a"])
    seed.event("person.create", "person", ids["d"], actor=admin, subject=ids["d"])
    seed.event("year.create", "year", ids["year"], actor=admin)
    seed.event("task.create", "task", ids["t1"], actor=(ids["a"], "an"), subject=ids["a"], task=ids["t1"])
    seed.event("task.create", "task", ids["t2"], actor=(ids["c"], "cuong"), subject=ids["c"], task=ids["t2"])
    seed.event("task.create", "task", ids["t3"], actor=(ids["d"], "dung"), subject=ids["d"], task=ids["t3"])
    seed.event("field.create", "field", ids["field"], actor=admin)
    seed.close_chain()
    return ids


def test_upgrade_keeps_every_role_task_and_event(app, at_0002):
    db = at_0002
    with db.engine.begin() as connection:
        ids = _seed_two_committees(connection)
        before = _counts(connection, KEPT)
        roles = _rows(connection, "SELECT person_id, role FROM person_roles")
    upgrade(directory=MIGRATIONS)
    p1, c1, g1, p2, c2 = (ids[k] for k in ("p1", "c1", "g1", "p2", "c2"))
    with db.engine.connect() as connection:
        after = _counts(connection, KEPT)
        paths = dict(_rows(connection, "SELECT id, path FROM org_units"))
        grants = _rows(connection, "SELECT person_id, role, unit_id FROM role_grants")
        committees = dict(_rows(connection, "SELECT id, committee_id FROM tasks"))
        filed = dict(_rows(connection, "SELECT seq, unit_id FROM audit_events"))
        tables = set(inspect(connection).get_table_names())
        foreign_keys = (connection.execute(text("PRAGMA foreign_keys")).scalar()
                        if connection.dialect.name == "sqlite" else 1)
        refused = _refuses_audit_update(connection)
    assert after == before, "no row is lost"
    assert "person_roles" not in tables and {"role_grants", "org_unit_names"} <= tables
    assert paths == {p1: f"/{p1}/", c1: f"/{p1}/{c1}/", g1: f"/{p1}/{c1}/{g1}/", p2: f"/{p2}/",
                     c2: f"/{p2}/{c2}/"}
    root = {ids["a"]: p1, ids["b"]: p1, ids["c"]: p2, ids["d"]: p1}
    assert grants == {(person, role, root[person]) for person, role in roles}, "each role in the person's root"
    assert len(grants) == len(roles) == 7
    assert committees == {ids["t1"]: p1, ids["t2"]: p2, ids["t3"]: p1}, "each task with its owner's root unit"
    # the unit itself; the person's unit, or their root without one; the task's committee; none for settings
    assert filed == {1: p2, 2: c1, 3: p1, 4: None, 5: p1, 6: p2, 7: p1, 8: None}
    assert refused, "audit events are append-only again"
    assert foreign_keys == 1, "the migration hands its connection back with foreign keys enforced"

    # the models work on the upgraded database, the chain verifies, and goes on
    an = db.session.get(Person, ids["a"])
    assert {(g.role, g.unit.code) for g in an.grants} == {(Role.OWNER, "P1"), (Role.STANDING, "P1")}
    assert db.session.get(Task, ids["t2"]).committee.code == "P2"
    report = verify_all(AUDIT_KEY, Path(app.config["EVIDENCE_DIR"]))
    assert report.ok, report
    assert report.events == 8
    record_event(an, "person.update", object_type="person", object_id=an.id, subject=an)
    db.session.commit()
    report = verify_all(AUDIT_KEY, Path(app.config["EVIDENCE_DIR"]))
    assert report.ok and report.events == 9, report
    db.session.remove()


def test_upgrade_gives_people_without_units_a_root_unit(app, at_0002):
    db = at_0002
    with db.engine.begin() as connection:
        seed = Seed(connection)
        owner = seed.person("chu", None, "owner")
        standing = seed.person("thuongvu", None, "standing", "secretariat")
        task = seed.task(owner, seed.year(), seed.add("fields", name="Lĩnh vực", sort_order=1, is_active=True))
        seed.event("task.create", "task", task, actor=(owner, "chu"), subject=owner, task=task)
        seed.event("person.create", "person", standing, subject=standing)
        seed.close_chain()
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        units = connection.execute(text("SELECT id, code, name, level, parent_id, path FROM org_units")).all()
        grants = _rows(connection, "SELECT person_id, role, unit_id FROM role_grants")
        committees = _rows(connection, "SELECT id, committee_id FROM tasks")
        filed = _rows(connection, "SELECT seq, unit_id FROM audit_events")
    [(root, code, name, level, parent, path)] = units
    assert (code, name, level, parent, path) == ("ROOT", "Đơn vị gốc", "province", None, f"/{root}/")
    assert grants == {(owner, "owner", root), (standing, "standing", root), (standing, "secretariat", root)}
    assert committees == {(task, root)}
    assert filed == {(1, root), (2, root)}
    report = verify_all(AUDIT_KEY, Path(app.config["EVIDENCE_DIR"]))
    assert report.ok and report.events == 2, report
    db.session.remove()


def test_downgrade_gives_back_the_roles(app, at_0002):
    db = at_0002
    with db.engine.begin() as connection:
        ids = _seed_two_committees(connection)
        before = _counts(connection, KEPT)
        roles = _rows(connection, "SELECT person_id, role FROM person_roles")
        chain = _rows(connection, "SELECT seq, payload, prev_hash, entry_hash, hmac FROM audit_events")
    upgrade(directory=MIGRATIONS)
    with db.engine.begin() as connection:  # a second grant of a role already held elsewhere
        connection.execute(text("INSERT INTO role_grants (person_id, role, unit_id) VALUES (:p, 'owner', :u)"),
                           {"p": ids["a"], "u": ids["c1"]})
    downgrade(directory=MIGRATIONS, revision="0002")
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        columns = {name: {c["name"] for c in inspect(connection).get_columns(name)}
                   for name in ("org_units", "tasks", "audit_events")}
        assert _rows(connection, "SELECT person_id, role FROM person_roles") == roles
        assert _counts(connection, KEPT) == before
        assert _rows(connection, "SELECT seq, payload, prev_hash, entry_hash, hmac FROM audit_events") == chain
        assert _refuses_audit_update(connection)
    assert not {"role_grants", "org_unit_names"} & tables
    assert not {"path", "merged_into_id"} & columns["org_units"]
    assert "committee_id" not in columns["tasks"] and "unit_id" not in columns["audit_events"]


def test_failed_upgrade_changes_nothing(app, at_0002, capsys):
    db = at_0002
    with db.engine.begin() as connection:
        seed = Seed(connection)
        first, second = seed.unit("X1"), seed.unit("X2")
        connection.execute(text("UPDATE org_units SET parent_id = :p WHERE id = :c"), {"p": second, "c": first})
        connection.execute(text("UPDATE org_units SET parent_id = :p WHERE id = :c"), {"p": first, "c": second})
        person = seed.person("chu", first, "owner")
        seed.event("person.create", "person", person, subject=person)
        seed.close_chain()
    with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
        upgrade(directory=MIGRATIONS)
    assert "is its own ancestor" in capsys.readouterr().err
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0002"
        tables = set(inspect(connection).get_table_names())
        assert "person_roles" in tables and not {"role_grants", "org_unit_names"} & tables
        assert "path" not in {c["name"] for c in inspect(connection).get_columns("org_units")}
        assert _rows(connection, "SELECT person_id, role FROM person_roles") != set()
        if connection.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert _refuses_audit_update(connection), "the append-only triggers are still there"


def test_upgrade_names_the_default_levels_in_english(app, at_0002):
    """0005 adds the English names: the seeded levels get theirs by code (a renamed one too), fields stay
    without one; going back to 0004 drops the columns and keeps every row."""
    db = at_0002
    with db.engine.begin() as connection:
        ids = _seed_two_committees(connection)
        connection.execute(text("UPDATE verdict_levels SET name = 'Vượt mức kế hoạch' WHERE code = 'exceeded'"))
        before = _counts(connection, KEPT)
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        levels = dict(_rows(connection, "SELECT code, name_en FROM verdict_levels"))
        fields = _rows(connection, "SELECT id, name, name_en FROM fields")
    assert levels == {"exceeded": "Completed beyond target", "on_time": "Completed on time",
                      "late": "Completed behind schedule", "partial": "Partially completed",
                      "not_done": "Not completed", "stopped": "Stopped with approval"}
    assert fields == {(ids["field"], "GPMB – tái định cư", None)}
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0004")
    with db.engine.connect() as connection:
        columns = {name: {c["name"] for c in inspect(connection).get_columns(name)}
                   for name in ("fields", "verdict_levels")}
        assert _counts(connection, KEPT) == before
        names = dict(_rows(connection, "SELECT code, name FROM verdict_levels"))
    assert "name_en" not in columns["fields"] | columns["verdict_levels"]
    assert names["exceeded"] == "Vượt mức kế hoạch"
