"""A growing org tree for the tests that count statements at two sizes (tests/test_authority_scale.py,
tests/test_query_counts.py): a province (unit 0); odd units are communes under it, even ones Party cells under
the commune before them; each unit has a head (an owner, who acts for its collective tasks) and a Front monitor.
``grow`` adds units, people and bulk-inserted task rows; subclasses say what a task row is (``task_row``) and may
add what its state implies (``after_insert``)."""

from __future__ import annotations

from sqlalchemy import func, insert, select

from registry.models import OrgLevel, OrgUnit, Person, Role, Task
from registry.models.org import place


class ScaleTree:
    #: the unit codes' prefix (distinct per test module)
    code_prefix = "U"

    def __init__(self, db, password_hash, year, fields):
        self.db, self.password_hash, self.year, self.fields = db, password_hash, year, fields
        self.units: list[OrgUnit] = []
        self.heads: list[Person] = []
        self.monitors: list[Person] = []
        self.tasks = 0
        self.approver = self.person("approver", "Người Duyệt Chung", None, [])

    def person(self, username, full_name, unit, grants) -> Person:
        person = Person(username=username, full_name=full_name, position="Ủy viên", org_unit=unit,
                        password_hash=self.password_hash)
        for role, where in grants:
            person.grant(role, where)
        self.db.session.add(person)
        return person

    def task_row(self, i: int, n_units: int) -> dict:
        raise NotImplementedError

    def after_insert(self, first_id: int) -> None:
        """Called after the task rows from id ``first_id`` on were inserted."""

    def grow(self, n_units: int, n_tasks: int) -> None:
        db = self.db
        new = []
        for k in range(len(self.units), n_units):
            if k == 0:
                parent, level, name = None, OrgLevel.PROVINCE, "Tỉnh Tuyên Quang"
            elif k % 2:
                parent, level, name = self.units[0], OrgLevel.COMMUNE, f"Xã số {k}"
            else:
                parent, level, name = self.units[k - 1], OrgLevel.PARTY_CELL, f"Chi bộ thôn {k}"
            unit = OrgUnit(name=name, code=f"{self.code_prefix}{k}", level=level, parent=parent)
            db.session.add(unit)
            self.units.append(unit)
            new.append(unit)
        db.session.flush()
        for unit in new:  # parents first, so each path extends its parent's
            place(unit)
        for k, unit in enumerate(self.units[len(self.heads):], start=len(self.heads)):
            self.heads.append(self.person(f"head{k}", f"Trưởng Đơn Vị {k}", unit, [(Role.OWNER, unit)]))
            self.monitors.append(self.person(f"monitor{k}", f"Giám Sát Viên {k}", unit, [(Role.MONITOR, unit)]))
        db.session.flush()
        for unit, head in zip(self.units, self.heads):  # the head acts for the unit's collective tasks
            unit.head = head
        db.session.flush()
        first = (db.session.scalar(select(func.max(Task.id))) or 0) + 1
        rows = [self.task_row(i, n_units) for i in range(self.tasks, n_tasks)]
        if rows:
            db.session.execute(insert(Task), rows)
            self.after_insert(first)
        self.tasks = n_tasks
        db.session.commit()
