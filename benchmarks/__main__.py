"""Page timings at province scale: ``python -m benchmarks [--tasks 15000] [--repeat 20]``.

Builds a throwaway database (SQLite in a temporary folder, or ``REGISTRY_BENCH_DATABASE_URL``) with a
province's year of registrations — units, people, tasks with indicators and milestones, audit events —
then times the busiest pages through the WSGI app and prints median and 95th percentile in milliseconds,
with the number of SQL statements each page issues.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timezone

from sqlalchemy import event, insert, select

from registry import create_app
from registry.extensions import db
from registry.models import (
    Field,
    Indicator,
    Milestone,
    OrgLevel,
    OrgUnit,
    Person,
    Role,
    RoleGrant,
    Task,
    TaskState,
    Year,
)
from registry.models.org import place
from registry.services.audit import record_event
from registry.text import fold

WORDS = ["Giải phóng mặt bằng", "Thu hồi đất", "Quy hoạch đô thị", "Xử lý vi phạm trật tự xây dựng",
         "Chuyển đổi số", "Vệ sinh môi trường", "Xây dựng nhà văn hóa", "Cải cách hành chính"]
PLACES = ["Thụy Khuê", "Phú Thượng", "Quảng An", "Yên Phụ", "Mỹ Bằng", "Đạo Viện", "Trung Môn", "Tam Đa"]


def build(tasks: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    year_no = date.today().year
    year = Year(year=year_no, registration_opens_on=date(year_no - 1, 11, 1),
                registration_closes_on=date(year_no, 12, 31), q1_deadline=date(year_no, 4, 5),
                q2_deadline=date(year_no, 7, 5), q3_deadline=date(year_no, 10, 5), q4_deadline=date(year_no, 12, 20))
    db.session.add(year)
    fields = [Field(name=f"Lĩnh vực {i}", sort_order=i) for i in range(9)]
    db.session.add_all(fields)
    province = OrgUnit(name="Tỉnh Tuyên Quang", code="P1", level=OrgLevel.PROVINCE)
    db.session.add(province)
    db.session.flush()
    place(province)
    communes = [OrgUnit(name=f"Xã {PLACES[i % 8]} {i}", code=f"C{i}", level=OrgLevel.COMMUNE, parent=province)
                for i in range(120)]
    db.session.add_all(communes)
    db.session.flush()
    for commune in communes:
        place(commune)
    db.session.flush()
    hashed = "scrypt:32768:8:1$benchmark$0"
    owners_per_commune = max(1, tasks // 120 // 8)
    people_rows, role_rows = [], []
    person_id = 0
    for commune in communes:
        for _ in range(owners_per_commune):
            person_id += 1
            people_rows.append({"id": person_id, "username": f"u{person_id}", "full_name": f"Người số {person_id}",
                                "position": "Ủy viên BCH", "org_unit_id": commune.id, "password_hash": hashed,
                                "is_active_account": True, "created_at": now})
            role_rows.append({"person_id": person_id, "role": Role.OWNER, "unit_id": commune.id})
    staff = {}
    for role, count in ((Role.STANDING, 12), (Role.MONITOR, 60), (Role.SECRETARIAT, 3)):
        ids = []
        for _ in range(count):
            person_id += 1
            ids.append(person_id)
            people_rows.append({"id": person_id, "username": f"{role.value}{person_id}",
                                "full_name": f"Cán bộ {person_id}", "position": "", "org_unit_id": province.id,
                                "password_hash": hashed, "is_active_account": True, "created_at": now})
            if role == Role.SECRETARIAT:  # the province office reads every commune (oversight)
                role_rows.append({"person_id": person_id, "role": role, "unit_id": province.id})
            else:  # Standing Committee members and monitors of ten communes each, and of the province
                n = len(ids) - 1
                for commune in communes[(n * 10) % 120:(n * 10) % 120 + 10]:
                    role_rows.append({"person_id": person_id, "role": role, "unit_id": commune.id})
                role_rows.append({"person_id": person_id, "role": role, "unit_id": province.id})
        staff[role] = ids
    db.session.execute(insert(Person), people_rows)
    db.session.execute(insert(RoleGrant), role_rows)
    monitors_of = {}
    standing_of = {}
    for row in role_rows:
        if row["role"] == Role.MONITOR:
            monitors_of.setdefault(row["unit_id"], []).append(row["person_id"])
        elif row["role"] == Role.STANDING:
            standing_of.setdefault(row["unit_id"], []).append(row["person_id"])
    owner_ids = [r["id"] for r in people_rows if r["username"].startswith("u")]
    unit_of = {r["id"]: r["org_unit_id"] for r in people_rows}
    states = [TaskState.APPROVED] * 6 + [TaskState.SUBMITTED, TaskState.DRAFT, TaskState.RETURNED,
                                         TaskState.WITHDRAWN]
    task_rows, indicator_rows, milestone_rows = [], [], []
    for task_id in range(1, tasks + 1):
        owner = rng.choice(owner_ids)
        state = rng.choice(states)
        title = f"{rng.choice(WORDS)} tại {rng.choice(PLACES)} số {task_id}"
        decided = state == TaskState.APPROVED
        task_rows.append({
            "id": task_id, "year_id": year.id, "kind": rng.choice(["hard", "breakthrough", "mass_mobilisation"]),
            "ownership": "individual", "owner_id": owner, "owner_unit_id": None, "org_unit_id": unit_of[owner],
            "committee_id": unit_of[owner],
            "field_id": rng.choice(fields).id, "state": state, "title": title, "search_text": fold(title),
            "goal": "Hoàn thành trong năm", "deliverable": "Sản phẩm", "deadline": date(year_no, 11, 30),
            "is_committed": True, "authority": "own",
            "submitted_at": None if state == TaskState.DRAFT else now,
            "decision_ref": "25-QĐ/TU" if decided else None, "decision_date": date(year_no, 2, 1) if decided else None,
            "approved_by_id": standing_of[unit_of[owner]][0] if decided else None,
            "monitor_id": rng.choice(monitors_of[unit_of[owner]]) if decided else None,
            "created_at": now, "updated_at": now, "version": 1,
        })
        for position in range(2):
            indicator_rows.append({"task_id": task_id, "position": position, "name": "Chỉ tiêu", "unit": "hộ",
                                   "baseline": 44.0, "target": 0.0})
        milestone_rows.append({"task_id": task_id, "position": 0, "description": "Mốc", "due_on": date(year_no, 6, 30)})
    for chunk in range(0, len(task_rows), 2000):
        db.session.execute(insert(Task), task_rows[chunk:chunk + 2000])
    db.session.execute(insert(Indicator), indicator_rows)
    db.session.execute(insert(Milestone), milestone_rows)
    db.session.commit()
    sample = db.session.get(Task, tasks // 2)
    for _ in range(30):  # a little real history on one task
        record_event(sample.owner, "task.update", object_type="task", object_id=sample.id, task=sample,
                     before={"title": "a"}, after={"title": "b"})
    db.session.commit()
    return {"standing": staff[Role.STANDING][1], "secretariat": staff[Role.SECRETARIAT][0],
            "monitor": staff[Role.MONITOR][0], "owner": sample.owner_id, "task": sample.id,
            "field": fields[3].id, "unit": province.id, "year": year_no}


def measure(app, who: int, url: str, repeat: int) -> tuple[float, float, int]:
    client = app.test_client()
    with client.session_transaction() as session:  # signed in as the login form does: id:version and clock
        session["_user_id"] = f"{who}:1"
        session["_auth_at"] = session["_seen_at"] = time.time()
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(1)

    client.get(url)  # warm caches
    event.listen(engine, "before_cursor_execute", count)
    client.get(url)
    event.remove(engine, "before_cursor_execute", count)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)], len(statements)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=15000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="registry-bench-")
    url = os.environ.get("REGISTRY_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-" + "k" * 40,
                      "AUDIT_KEY": "bench-audit-" + "k" * 40, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        ids = build(args.tasks)
        built = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":  # fresh statistics, as autovacuum would have them
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")
        total = db.session.scalar(select(db.func.count()).select_from(Task))
    print(f"database: {url.split('://')[0]}, {total} tasks in one year (built in {built:.1f} s)")
    pages = [
        ("task list, secretariat, page 1", ids["secretariat"], "/tasks/"),
        ("task list, page 200", ids["secretariat"], "/tasks/?page=200"),
        ("task list, state+field filter", ids["secretariat"], f"/tasks/?state=approved&field={ids['field']}"),
        ("task list, unit subtree", ids["secretariat"], f"/tasks/?unit={ids['unit']}&year={ids['year']}"),
        ("task list, search 'thuy khue'", ids["secretariat"], "/tasks/?q=thuy+khue"),
        ("approval queue", ids["standing"], "/tasks/queue"),
        ("home, Standing Committee", ids["standing"], "/"),
        ("home, secretariat (counts)", ids["secretariat"], "/"),
        ("home, monitor", ids["monitor"], "/"),
        ("home, owner", ids["owner"], "/"),
        ("task page with 30 events", ids["standing"], f"/tasks/{ids['task']}"),
        ("attention, Standing Committee", ids["standing"], "/attention"),
        ("audit trail, page 1", ids["secretariat"], "/audit"),
        ("owner's dossier", ids["secretariat"], f"/people/{ids['owner']}/dossier"),
    ]
    print(f"{'page':<34} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, who, path in pages:
        median, p95, queries = measure(app, who, path, args.repeat)
        print(f"{label:<34} {median:>10.1f} {p95:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
