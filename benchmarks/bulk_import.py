"""Bulk registration at province scale: ``python -m benchmarks.bulk_import [--rows 5000]``.

Builds a throwaway database (SQLite in a temporary folder, or ``REGISTRY_BENCH_DATABASE_URL``) with a province,
120 communes, their owners and a secretariat at the top, writes a registration sheet of ``--rows`` rows (XLSX,
two indicators and two milestones each), then times, through the same service the pages and the command line
use: the check alone (a dry run), the import with its commit (one task, its rows and its audit event per row),
a second import of the same file (every row already registered) and the export of the year. Prints each figure
in seconds and the number of SQL statements it ran.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date

from sqlalchemy import event, func, select

from registry import create_app, labels
from registry.exports.sheet import Sheet, xlsx_bytes
from registry.extensions import db
from registry.models import (
    AuditEvent,
    Field,
    OrgLevel,
    OrgUnit,
    Person,
    Role,
    Task,
    TaskKind,
    Year,
)
from registry.models.org import place
from registry.services import bulk_registration as bulk
from registry.services.audit import record_event

COMMUNES = 120


def build(rows: int) -> tuple[Person, bytes]:
    """The org tree, owners (one per five rows), a secretariat of the province; the sheet's bytes."""
    year_no = date.today().year
    year = Year(year=year_no, registration_opens_on=date(year_no - 1, 11, 1),
                registration_closes_on=date(year_no, 12, 31), q1_deadline=date(year_no, 4, 5),
                q2_deadline=date(year_no, 7, 5), q3_deadline=date(year_no, 10, 5), q4_deadline=date(year_no, 12, 20))
    fields = [Field(name=f"Lĩnh vực {i}", sort_order=i) for i in range(9)]
    db.session.add_all([year, *fields])
    province = OrgUnit(name="Tỉnh Tuyên Quang", code="P1", level=OrgLevel.PROVINCE)
    db.session.add(province)
    db.session.flush()
    place(province)
    communes = [OrgUnit(name=f"Xã số {i}", code=f"C{i}", level=OrgLevel.COMMUNE, parent=province)
                for i in range(COMMUNES)]
    db.session.add_all(communes)
    db.session.flush()
    for unit in communes:
        place(unit)
    secretariat = Person(username="vanphong", full_name="Văn phòng Tỉnh ủy", password_hash="x")
    secretariat.grant(Role.SECRETARIAT, province)
    owners = []
    for i in range(max(1, rows // 5)):
        owner = Person(username=f"chu{i}", full_name=f"Nguyễn Văn {i}", password_hash="x",
                       org_unit=communes[i % COMMUNES])
        owner.grant(Role.OWNER, communes[i % COMMUNES])
        owners.append(owner)
    db.session.add_all([secretariat, *owners])
    db.session.flush()
    record_event(None, "bench.setup", object_type="bench", object_id=None)
    db.session.commit()

    cols = bulk.columns(2, 2)
    kind = str(labels.KIND[TaskKind.HARD])
    body = []
    for n in range(rows):
        owner = owners[n % len(owners)]
        values = {
            "year": year_no, "owner": owner.username, "committee": communes[(n % len(owners)) % COMMUNES].code,
            "kind": kind, "field": fields[n % 9].name, "title": f"Giải phóng mặt bằng khu {n}",
            "situation": "Dự án chậm nhiều năm; còn nhiều hộ chưa đồng thuận.", "goal": "Bàn giao mặt bằng sạch",
            "deliverable": "Mặt bằng sạch", "measures": "Đối thoại với từng hộ", "deadline": date(year_no, 11, 30),
            "indicators.0.name": "Hộ chưa đồng thuận", "indicators.0.unit": "hộ", "indicators.0.baseline": 44,
            "indicators.0.target": 0, "indicators.1.name": "Diện tích", "indicators.1.unit": "m²",
            "indicators.1.baseline": 0, "indicators.1.target": 120 + n,
            "milestones.0.description": "Hoàn thành đối thoại", "milestones.0.due_on": date(year_no, 6, 30),
            "milestones.1.description": "Bàn giao", "milestones.1.due_on": date(year_no, 11, 15),
        }
        body.append([values.get(k) for k, _h in cols])
    return secretariat, xlsx_bytes([Sheet("Đăng ký", [h for _k, h in cols], body)])


class Statements:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args) -> None:
        self.count += 1


def timed(label: str, work) -> object:
    counter = Statements()
    event.listen(db.engine, "before_cursor_execute", counter)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        result = work()
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
    print(f"  {label:<44} {time.perf_counter() - started:7.2f} s  (CPU {time.process_time() - cpu:6.2f} s)"
          f"  {counter.count:>8,} statements")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("REGISTRY_BENCH_DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SECRET_KEY": "bench", "AUDIT_KEY": "bench-audit-key", "SQLALCHEMY_DATABASE_URI": url,
                          "TESTING": True})
        with app.app_context():
            db.drop_all()
            db.create_all()
            secretariat, data = build(args.rows)
            print(f"Bulk registration, {args.rows:,} rows ({len(data) / 1024:,.0f} KB XLSX), "
                  f"{db.engine.dialect.name}:")
            secretariat = db.session.get(Person, secretariat.id)

            def check():
                report = bulk.import_registrations(secretariat, data, dry_run=True)
                db.session.rollback()
                assert report.ok and len(report.new) == args.rows, report.issues[:5]

            last = {"shown": -1}

            def progress(done, total):
                percent = done * 100 // max(total, 1)
                if percent // 25 != last["shown"] // 25:
                    last["shown"] = percent
                    print(f"    … {done:,}/{total:,}", flush=True)

            def run():
                report = bulk.import_registrations(secretariat, data, progress=progress)
                assert report.ok, report.issues[:5]
                db.session.commit()
                return report

            def again():
                report = bulk.import_registrations(secretariat, data)
                assert report.ok and not report.created and len(report.already) == args.rows
                db.session.rollback()

            timed("check only (dry run)", check)
            started = time.perf_counter()
            timed("import (check, write, commit)", run)
            total = time.perf_counter() - started
            timed("the same file again (all already registered)", again)
            year = db.session.scalar(select(Year))
            timed("export of the year (XLSX)", lambda: bulk.export_file(secretariat, year, "xlsx"))
            tasks = db.session.scalar(select(func.count()).select_from(Task))
            events = db.session.scalar(select(func.count()).select_from(AuditEvent))
            print(f"  {tasks:,} tasks, {events:,} audit events; import of {args.rows:,} rows: {total:.1f} s "
                  f"({'under' if total < 30 else 'OVER'} 30 s)")
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
