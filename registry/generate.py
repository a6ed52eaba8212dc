"""A realistic generated dataset for load tests and benchmarks: ``flask --app registry generate --scale …``.

Everything is written with bulk inserts (``insert(Model)`` with lists of dicts, in chunks) and explicit ids:
the org tree (provinces → communes, wards and agencies, each committee with every role, Party cells below the
communes), people and their role grants, tasks of every state over one or more years with indicators and
milestones, four quarterly notes with indicator values and evidence files (tiny files on disk), the monitors'
assessments with recommendations and the owners' replies, self-assessments, sealed verdicts (some reopened and
decided again), carry-overs, notifications, and a valid audit chain computed exactly as
``registry.services.audit.record_event`` does (canonical JSON with ``unit_id``, ``entry_hash``, HMAC ``sign``,
``audit_head`` updated), so ``flask --app registry audit verify`` passes afterwards.

The rules every row respects are the models' CHECK constraints and the policy: a task's approver holds
``standing`` in the task's committee, its monitor ``monitor`` there, and owner, approver and monitor are three
different people.
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, inspect, select, text, update
from werkzeug.security import generate_password_hash

from registry import clock
from registry.models import (
    Assessment,
    AuditEvent,
    AuditHead,
    EvidenceFile,
    Field,
    Indicator,
    IndicatorValue,
    Milestone,
    Notification,
    OrgUnit,
    Person,
    ProgressNote,
    Recommendation,
    RoleGrant,
    SelfAssessment,
    Task,
    TaskState,
    Verdict,
    Year,
    db,
)
from registry.models.audit import GENESIS_HASH
from registry.services.audit import canonical_json, entry_hash, sign
from registry.services.review import compute_seal, ensure_default_levels
from registry.text import fold

#: the password of every generated account
PASSWORD = "generate12345"
CHUNK = 10_000


@dataclass(frozen=True)
class Scale:
    provinces: int
    communes: int  #: per province
    agencies: int  #: per province
    cells: int  #: Party cells per commune (collective owners)
    tasks: int  #: per year, whole installation


SCALES = {
    "tiny": Scale(provinces=1, communes=3, agencies=1, cells=1, tasks=60),
    "commune": Scale(provinces=1, communes=12, agencies=3, cells=2, tasks=1_500),
    "province": Scale(provinces=1, communes=110, agencies=16, cells=2, tasks=15_000),
    "nation": Scale(provinces=34, communes=100, agencies=12, cells=2, tasks=500_000),
}

PROVINCES = ["Tuyên Quang", "Hà Giang", "Lào Cai", "Yên Bái", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên",
             "Ninh Bình", "Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Huế", "Đà Nẵng", "Quảng Ngãi",
             "Gia Lai", "Đắk Lắk", "Khánh Hòa", "Lâm Đồng", "Đồng Nai", "Tây Ninh", "Vĩnh Long", "Đồng Tháp",
             "An Giang", "Cần Thơ", "Cà Mau", "Hải Phòng", "Quảng Ninh", "Lạng Sơn", "Cao Bằng", "Điện Biên",
             "Lai Châu", "Sơn La"]
PLACES = ["Mỹ Bằng", "Đạo Viện", "Trung Môn", "Tam Đa", "Thụy Khuê", "Phú Thượng", "Quảng An", "Yên Phụ",
          "Kim Phú", "Thái Long", "An Tường", "Nông Tiến", "Minh Xuân", "Hưng Thành", "Phan Thiết", "Lưỡng Vượng",
          "Hồng Thái", "Tân Trào", "Kim Quan", "Hùng Lợi", "Trung Sơn", "Xuân Vân", "Phúc Ninh", "Thắng Quân"]
AGENCIES = ["Cơ quan Đảng tỉnh", "Ủy ban nhân dân tỉnh", "Công an tỉnh", "Quân sự tỉnh", "Sở Tài chính",
            "Sở Xây dựng", "Sở Nông nghiệp và Môi trường", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Sở Nội vụ",
            "Sở Công Thương", "Sở Văn hóa, Thể thao và Du lịch", "Sở Khoa học và Công nghệ", "Sở Tư pháp",
            "Bệnh viện Đa khoa tỉnh", "Trường Chính trị tỉnh", "Báo và Phát thanh tỉnh", "Kho bạc Nhà nước"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Ma",
          "Triệu", "Nông", "Hà"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Hữu", "Xuân", "Kim", "Hồng"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng", "Hương", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thắng", "Thảo", "Trung",
         "Tuấn", "Vân", "Yến"]
SUBJECTS = ["Giải phóng mặt bằng dự án đường", "Thu hồi đất xây dựng trường học", ("Chuyển đổi số trong giải quyết "
                                                                                  "thủ tục hành chính"), "Xử lý vi phạm trật tự xây dựng", "Xây dựng nông thôn mới nâng cao",
            "Vệ sinh môi trường khu dân cư", "Xây dựng nhà văn hóa thôn", "Cải cách hành chính một cửa",
            "Phát triển vùng chè đặc sản", "Giảm nghèo bền vững", "Thu ngân sách vượt dự toán",
            "Sắp xếp trụ sở dôi dư sau sáp nhập", "Mô hình Dân vận khéo trong dồn điền đổi thửa",
            "Xóa nhà tạm, nhà dột nát", "Cấp giấy chứng nhận quyền sử dụng đất tồn đọng"]
UNITS = [("hộ", 40.0, 120.0), ("ha", 5.0, 30.0), ("hồ sơ", 100.0, 600.0), ("%", 60.0, 95.0), ("km", 0.0, 4.0),
         ("công trình", 0.0, 3.0)]
FIELDS = ["Kinh tế", "Đất đai, tài nguyên", "Xây dựng, đô thị", "Cải cách hành chính", "Chuyển đổi số",
          "Văn hóa, xã hội", "Giáo dục", "Y tế", "Quốc phòng, an ninh", "Xây dựng Đảng"]

#: role → (username suffix, job title, how many per commune/agency committee, per province committee)
STAFF = {
    "standing": ("btv", "Ủy viên Ban Thường vụ", 3, 6),
    "secretariat": ("vp", "Chánh Văn phòng", 1, 2),
    "inspector": ("ubkt", "Chủ nhiệm Ủy ban Kiểm tra", 1, 2),
    "monitor": ("mttq", "Cán bộ Ủy ban MTTQ", 3, 6),
}

#: (state, weight) of the current year's tasks (December: most under way or at year end), and of past years'
CURRENT_STATES = [("draft", 3), ("submitted", 5), ("returned", 2), ("withdrawn", 2), ("approved", 4),
                  ("in_progress", 44), ("self_assessed", 18), ("reviewed", 21), ("stopped", 1)]
PAST_STATES = [("reviewed", 88), ("withdrawn", 4), ("returned", 2), ("self_assessed", 4), ("stopped", 2)]
DECIDED = {"approved", "in_progress", "self_assessed", "reviewed", "stopped"}
#: verdict level code → weight
LEVEL_WEIGHTS = {"exceeded": 15, "on_time": 45, "late": 17, "partial": 13, "not_done": 7, "stopped": 3}


@dataclass
class Result:
    counts: dict[str, int] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    samples: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "password": PASSWORD, "logins": self.logins, "samples": self.samples,
                "seconds": round(self.seconds, 1)}


class NotEmpty(RuntimeError):
    """The database holds data already (pass ``force`` to wipe it first)."""


def is_empty() -> bool:
    """No table of the registry exists, or none of people, units and audit events holds a row."""
    tables = set(inspect(db.engine).get_table_names())
    if "people" not in tables:
        return True
    return not any(db.session.scalar(select(func.count()).select_from(model)) for model in (Person, OrgUnit, AuditEvent))


def prepare_schema(force: bool) -> None:
    """Create the schema with the migrations on an empty database; with ``force``, drop everything first."""
    from flask_migrate import upgrade

    if not is_empty():
        if not force:
            raise NotEmpty("The database is not empty; pass --force to delete everything in it first.")
        db.session.remove()
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":  # the people ↔ org_units cycle: drop without FK checks
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            db.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            connection.commit()
    tables = set(inspect(db.engine).get_table_names())
    if "people" not in tables:
        db.session.remove()
        upgrade()


class Generator:
    def __init__(self, scale: Scale, years: int, seed: int = 2025, evidence_dir: Path | None = None,
                 echo=None):
        self.scale, self.years, self.rng = scale, years, random.Random(seed)
        self.key = current_app.config["AUDIT_KEY"]
        self.evidence_dir = Path(evidence_dir or current_app.config["EVIDENCE_DIR"])
        self.echo = echo or (lambda _msg: None)
        self.now = clock.now().astimezone(UTC).replace(microsecond=0)
        self.counts: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self.events: list[tuple] = []  # (time, order, actor, subject, task, unit, type, id, action, before, after)
        self.order = 0
        self.seq, self.prev = 0, GENESIS_HASH
        self.usernames: dict[int, str] = {}
        self.password_hash = generate_password_hash(PASSWORD)
        self.dialect = db.engine.dialect.name

    # -- plumbing -------------------------------------------------------------------------------------------
    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def write(self, model, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):
            db.session.execute(insert(model), rows[start:start + CHUNK])
        name = model.__tablename__
        self.counts[name] = self.counts.get(name, 0) + len(rows)

    def event(self, when: datetime, actor: int | None, action: str, otype: str, oid: int | None, *,
              task: int | None = None, subject: int | None = None, unit: int | None = None, before=None,
              after=None) -> None:
        self.order += 1
        self.events.append((when, self.order, actor, subject, task, unit, otype, oid, action, before, after))

    def flush_events(self) -> None:
        """Sort the pending events by time, chain them and insert them."""
        self.events.sort(key=lambda e: (e[0], e[1]))
        rows = []
        for when, _order, actor, subject, task, unit, otype, oid, action, before, after in self.events:
            self.seq += 1
            body = {"seq": self.seq, "occurred_at": when.isoformat(),
                    "actor": {"id": actor, "username": self.usernames[actor]} if actor else None,
                    "subject_person_id": subject, "task_id": task, "unit_id": unit,
                    "object": {"type": otype, "id": oid}, "action": action, "before": before, "after": after}
            payload = canonical_json(body)
            digest = entry_hash(self.seq, self.prev, payload)
            rows.append({"seq": self.seq, "occurred_at": when, "actor_id": actor, "subject_person_id": subject,
                         "task_id": task, "unit_id": unit, "object_type": otype, "object_id": oid, "action": action,
                         "payload": payload, "prev_hash": self.prev, "entry_hash": digest,
                         "hmac": sign(digest, self.key)})
            self.prev = digest
            if len(rows) >= CHUNK:
                self.write(AuditEvent, rows)
                rows = []
        self.write(AuditEvent, rows)
        self.events = []

    def name(self) -> str:
        r = self.rng
        return f"{r.choice(FAMILY)} {r.choice(MIDDLE)} {r.choice(GIVEN)}"

    def day(self, year: int, days: float) -> datetime:
        """A moment ``days`` after 1 January of ``year`` (UTC), never later than an hour ago."""
        moment = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=days)
        latest = self.now - timedelta(hours=1)
        if moment > latest:
            moment = latest - timedelta(minutes=self.rng.randint(0, 600))
        return moment.replace(microsecond=0)

    # -- the org tree and the people ------------------------------------------------------------------------
    def build_people(self) -> None:
        s = self.scale
        first_year = self.now.year - self.years + 1
        units, people, grants, heads = [], [], [], []
        self.committees: list[dict] = []  # {"id", "level", "staff": {role: [ids]}, "owners": [ids], "cells": [...]}
        self.logins: dict[str, str] = {}
        created = datetime(first_year - 1, 10, 1, tzinfo=UTC)

        def add_unit(name, code, level, parent):
            uid = self.next_id("org_units")
            path = f"{parent['path'] if parent else '/'}{uid}/"
            row = {"id": uid, "name": name, "code": code, "level": level, "parent_id": parent["id"] if parent else None,
                   "path": path, "head_id": None, "is_active": True, "merged_into_id": None}
            units.append(row)
            return row

        def add_person(username, position, unit_id, grant_roles):
            pid = self.next_id("people")
            full = self.name()
            people.append({"id": pid, "username": username, "full_name": full, "search_name": fold(full),
                           "position": position, "email": None, "org_unit_id": unit_id,
                           "password_hash": self.password_hash, "is_active_account": True, "created_at": created})
            self.usernames[pid] = username
            for role, gunit in grant_roles:
                grants.append({"id": self.next_id("role_grants"), "person_id": pid, "role": role, "unit_id": gunit})
            return pid

        def staff_committee(unit, prefix, big):
            committee = {"id": unit["id"], "level": unit["level"], "code": prefix, "staff": {}, "owners": [],
                         "cells": [], "unit": unit}
            for role, (suffix, title, small_n, big_n) in STAFF.items():
                ids = []
                for n in range(1, (big_n if big else small_n) + 1):
                    ids.append(add_person(f"{prefix}.{suffix}{n}", title, unit["id"], [(role, unit["id"])]))
                committee["staff"][role] = ids
            self.committees.append(committee)
            return committee

        for p in range(s.provinces):
            pname = PROVINCES[p % len(PROVINCES)] + ("" if p < len(PROVINCES) else f" {p}")
            pcode = f"p{p + 1:02d}"
            province = add_unit(f"Tỉnh ủy {pname}", pcode.upper(), "province", None)
            pc = staff_committee(province, pcode, True)
            for c in range(s.communes):
                kind = "Phường" if c % 5 == 0 else "Xã"
                unit = add_unit(f"Đảng ủy {kind.lower()} {PLACES[c % len(PLACES)]}"
                                + (f" {c // len(PLACES) + 1}" if c >= len(PLACES) else ""),
                                f"{pcode.upper()}-X{c + 1:03d}", "commune", province)
                cc = staff_committee(unit, f"{pcode}.x{c + 1:03d}", False)
                for k in range(s.cells):
                    cell = add_unit(f"Chi bộ thôn {k + 1}, {unit['name'].removeprefix('Đảng ủy ')}",
                                    f"{pcode.upper()}-X{c + 1:03d}-C{k + 1}", "party_cell", unit)
                    cc["cells"].append(cell)
            for a in range(s.agencies):
                unit = add_unit(f"Đảng ủy {AGENCIES[a % len(AGENCIES)]}" + (f" {a}" if a >= len(AGENCIES) else ""),
                                f"{pcode.upper()}-A{a + 1:02d}", "agency", province)
                staff_committee(unit, f"{pcode}.a{a + 1:02d}", False)
            # the Party secretary of each commune (its first standing member) also sits on the province committee
            for cc in self.committees:
                if cc["level"] == "commune" and cc["unit"]["parent_id"] == province["id"]:
                    grants.append({"id": self.next_id("role_grants"), "person_id": cc["staff"]["standing"][0],
                                   "role": "owner", "unit_id": province["id"]})
                    pc["owners"].append(cc["staff"]["standing"][0])

        # tasks per committee: province 8 %, agencies 12 %, communes the rest
        weights = []
        for cc in self.committees:
            weights.append({"province": 8.0 / s.provinces, "agency": 12.0 / max(1, s.provinces * s.agencies)
                            if s.agencies else 0}.get(cc["level"], 80.0 / max(1, s.provinces * s.communes)))
        total = sum(weights)
        self.committee_weights = [w / total for w in weights]
        for cc, share in zip(self.committees, self.committee_weights):
            owners = max(2, math.ceil(s.tasks * share / 4))  # about four tasks a year each
            for n in range(1, owners + 1):
                pid = add_person(f"{cc['code']}.uv{n}", "Ủy viên Ban Chấp hành", cc["id"], [("owner", cc["id"])])
                cc["owners"].append(pid)
            for k, cell in enumerate(cc["cells"]):  # a cell's head is one of the commune's owners
                head = cc["owners"][k % len(cc["owners"])]
                heads.append({"id": cell["id"], "head_id": head})
            heads.append({"id": cc["id"], "head_id": cc["staff"]["standing"][0]})

        self.write(OrgUnit, units)
        self.write(Person, people)
        self.write(RoleGrant, grants)
        db.session.execute(update(OrgUnit), heads)
        self.unit_of = {p["id"]: p["org_unit_id"] for p in people}
        for row in people:
            self.event(created + timedelta(seconds=row["id"]), None, "person.create", "person", row["id"],
                       subject=row["id"], unit=row["org_unit_id"],
                       after={"username": row["username"], "full_name": row["full_name"],
                              "position": row["position"], "org_unit_id": row["org_unit_id"]})
        self.units = units
        province_c = self.committees[0]
        commune_c = next((c for c in self.committees if c["level"] == "commune"), province_c)
        self.logins = {
            "standing": self.usernames[province_c["staff"]["standing"][1]],
            "secretariat": self.usernames[province_c["staff"]["secretariat"][0]],
            "inspector": self.usernames[province_c["staff"]["inspector"][0]],
            "monitor": self.usernames[commune_c["staff"]["monitor"][0]],
            "owner": self.usernames[commune_c["owners"][0]],
            "commune_standing": self.usernames[commune_c["staff"]["standing"][1]],
            "commune_secretariat": self.usernames[commune_c["staff"]["secretariat"][0]],
        }
        self.commune_c = commune_c

    def build_reference(self) -> None:
        fields = [{"id": self.next_id("fields"), "name": n, "sort_order": i * 10, "is_active": True}
                  for i, n in enumerate(FIELDS)]
        self.write(Field, fields)
        self.field_ids = [f["id"] for f in fields]
        self.levels = {lv.code: lv for lv in ensure_default_levels()}
        self.level_codes = [c for c in LEVEL_WEIGHTS if c in self.levels]
        self.level_weights = [LEVEL_WEIGHTS[c] for c in self.level_codes]
        rows = []
        self.year_rows = {}
        for y in range(self.now.year - self.years + 1, self.now.year + 1):
            row = {"id": self.next_id("years"), "year": y, "registration_opens_on": date(y - 1, 11, 1),
                   "registration_closes_on": date(y, 3, 31), "q1_deadline": date(y, 4, 5),
                   "q2_deadline": date(y, 7, 5), "q3_deadline": date(y, 10, 5), "q4_deadline": date(y, 12, 20),
                   "grace_days": 7, "rating_regulation": "366-QĐ/TW"}
            rows.append(row)
            self.year_rows[y] = row
        self.write(Year, rows)

    # -- one year of tasks ----------------------------------------------------------------------------------
    def build_year(self, y: int, carry_from: list[dict]) -> list[dict]:
        r, s = self.rng, self.scale
        current = y == self.now.year
        year_row = self.year_rows[y]
        deadlines = [year_row[f"q{q}_deadline"] for q in (1, 2, 3, 4)]
        start = datetime(y, 1, 1, tzinfo=UTC)
        if current:
            now_day = (self.now - start).total_seconds() / 86400
            year_end = min(344.0, now_day - 12)
        else:
            now_day, year_end = 400.0, 344.0
        dl_day = [(datetime(d.year, d.month, d.day, tzinfo=UTC) - start).days for d in deadlines]
        due_quarters = sum(1 for d in dl_day if d + 1 < now_day)
        states, sweights = zip(*(CURRENT_STATES if current else PAST_STATES))
        tasks, indicators, milestones, notes, values, files = [], [], [], [], [], []
        assessments, recs, selfs, verdicts, notifs = [], [], [], [], []
        unfinished = []
        carry = list(carry_from)
        r.shuffle(carry)
        n_carry = min(len(carry), s.tasks // 50)
        picks = r.choices(range(len(self.committees)), weights=self.committee_weights, k=s.tasks)
        for index, ci in enumerate(picks):
            cc = self.committees[ci]
            carried = carry[index] if index < n_carry else None
            if carried is not None:
                cc = next(c for c in self.committees if c["id"] == carried["committee_id"])
            tid = self.next_id("tasks")
            state = r.choices(states, weights=sweights)[0] if carried is None or not current else \
                r.choice(["in_progress", "self_assessed", "reviewed"])
            collective = carried is None and cc["cells"] and r.random() < 0.12
            if carried is not None:
                owner = carried["owner_id"]
            elif collective:
                cell = r.choice(cc["cells"])
                owner = self.cell_head[cell["id"]]
            else:
                owner = r.choice(cc["owners"])
            standing = [p for p in cc["staff"]["standing"] if p != owner]
            monitors = [p for p in cc["staff"]["monitor"] if p != owner]
            approver, monitor = r.choice(standing), r.choice(monitors)
            subject = r.choice(SUBJECTS)
            title = f"{subject} tại {cc['unit']['name'].removeprefix('Đảng ủy ')} năm {y}"
            if carried is not None:
                title = f"{carried['title'].rsplit(' năm ', 1)[0]} năm {y} (chuyển tiếp)"
            t_create = self.day(y, r.uniform(1, 30))
            t_submit = t_create + timedelta(days=r.uniform(1, 10))
            t_decide = t_submit + timedelta(days=r.uniform(3, 20))
            decided = state in DECIDED
            row = {
                "id": tid, "year_id": year_row["id"], "kind": r.choices(["hard", "breakthrough", "mass_mobilisation"],
                                                                        weights=[6, 3, 1])[0],
                "ownership": "collective" if collective else "individual", "owner_id": owner,
                "owner_unit_id": cell["id"] if collective else None,
                "org_unit_id": cell["id"] if collective else self.unit_of[owner], "committee_id": cc["id"],
                "field_id": r.choice(self.field_ids), "state": state, "title": title, "search_text": fold(title),
                "situation": f"Thực trạng: {subject.lower()} còn chậm, nhiều vướng mắc kéo dài.",
                "goal": "Hoàn thành dứt điểm trong năm", "deliverable": "Báo cáo kết quả và hồ sơ hoàn thành",
                "measures": "Thành lập tổ công tác, họp dân, phân công cụ thể", "deadline": date(y, 11, 30),
                "coordinating_units": "Ủy ban MTTQ, các đoàn thể", "authority": r.choice(["own", "own", "superior"]),
                "resources": "Ngân sách địa phương", "support_requested": "", "locality": cc["unit"]["name"],
                "reference_documents": "Nghị quyết Đại hội", "is_committed": True,
                "submitted_at": None if state == "draft" or (state == "withdrawn" and r.random() < 0.5) else t_submit,
                "decided_at": t_decide if decided else None,
                "decision_ref": f"{r.randint(1, 400)}-QĐ/{cc['code'].upper()}" if decided else None,
                "decision_date": t_decide.date() if decided else None,
                "approved_by_id": approver if decided else None, "monitor_id": monitor if decided else None,
                "return_comment": "Đề nghị làm rõ chỉ tiêu và thời hạn." if state == "returned" else None,
                "withdrawn_reason": "Đã giải quyết xong trước khi đăng ký." if state == "withdrawn" else None,
                "carried_from_id": carried["id"] if carried else None,
                "carry_reason": "Chưa hoàn thành, tiếp tục thực hiện" if carried else None,
                "created_at": t_create, "updated_at": t_decide if decided else t_create, "version": 1,
            }
            tasks.append(row)
            unit_id, ev = cc["id"], self.event
            ev(t_create, owner, "task.carry_over" if carried else "task.create", "task", tid, task=tid,
               subject=owner, unit=unit_id, after={"state": "draft", "title": title})
            if row["submitted_at"] is not None:
                ev(t_submit, owner, "task.submit", "task", tid, task=tid, subject=owner, unit=unit_id,
                   before={"state": "draft"}, after={"state": "submitted"})
            if state == "returned":
                ev(t_decide, approver, "task.return", "task", tid, task=tid, subject=owner, unit=unit_id,
                   before={"state": "submitted"}, after={"state": "returned", "comment": row["return_comment"]})
                notifs.append(self.notif(owner, "task.returned", tid, t_decide, current))
            if state == "withdrawn":
                ev(t_decide, owner, "task.withdraw", "task", tid, task=tid, subject=owner, unit=unit_id,
                   after={"state": "withdrawn", "reason": row["withdrawn_reason"]})
            # indicators and milestones
            inds = []
            for pos in range(2 if r.random() < 0.7 else 1):
                unit_name, base, target = r.choice(UNITS)
                iid = self.next_id("indicators")
                inds.append({"id": iid, "task_id": tid, "position": pos, "name": f"Chỉ tiêu {pos + 1}",
                             "unit": unit_name, "baseline": base, "target": target})
            indicators.extend(inds)
            ms = [{"id": self.next_id("milestones"), "task_id": tid, "position": pos, "description": d,
                   "due_on": date(y, m, 28)} for pos, (d, m) in enumerate([("Hoàn thành khảo sát", 3),
                                                                         ("Triển khai thực hiện", 9)])]
            milestones.extend(ms)
            if not decided:
                continue
            ev(t_decide, approver, "task.approve", "task", tid, task=tid, subject=owner, unit=unit_id,
               before={"state": "submitted"},
               after={"state": "approved", "decision_ref": row["decision_ref"], "monitor_id": monitor})
            notifs.append(self.notif(owner, "task.approved", tid, t_decide, current))
            notifs.append(self.notif(monitor, "task.assigned", tid, t_decide, current))
            # quarterly notes
            n_notes = {"approved": 0, "in_progress": max(1, due_quarters) if current else 4, "self_assessed": 4,
                       "reviewed": 4, "stopped": 2}[state]
            progress = r.uniform(0.15, 0.3)
            task_notes, task_files, task_ass, task_recs, task_values = [], [], [], [], []
            for q in range(1, n_notes + 1):
                when_day = dl_day[q - 1] + r.uniform(-12, 2) if q < 4 else min(dl_day[3] + r.uniform(-12, 0),
                                                                                year_end - r.uniform(1, 6))
                when = self.day(y, when_day)
                late = when.date() > deadlines[q - 1]
                progress = min(1.0, progress + r.uniform(0.1, 0.3))
                status = "done" if progress >= 1.0 else r.choice(["on_track", "on_track", "at_risk", "late"])
                nid = self.next_id("progress_notes")
                note = {"id": nid, "task_id": tid, "quarter": q, "author_id": owner,
                        "work_done": f"Quý {q}: đã tổ chức {r.randint(2, 9)} cuộc họp, vận động {r.randint(5, 80)} hộ.",
                        "percent_complete": round(progress * 100, 1), "is_percent_derived": False,
                        "status": status, "difficulties": "Một số hộ chưa đồng thuận." if r.random() < 0.5 else "",
                        "causes": "", "proposals": "", "next_plan": "Tiếp tục vận động, hoàn thiện hồ sơ.",
                        "submitted_at": when, "is_late": late, "updated_at": when, "version": 1}
                task_notes.append(note)
                note_values = {}
                for ind in inds:
                    value = round(ind["baseline"] + (ind["target"] - ind["baseline"]) * progress, 1)
                    task_values.append({"id": self.next_id("indicator_values"), "note_id": nid,
                                        "indicator_id": ind["id"], "value": value})
                    note_values[str(ind["id"])] = value
                ev(when, owner, "note.create", "progress_note", nid, task=tid, subject=owner, unit=unit_id,
                   after={"quarter": q, "is_late": late, "status": status,
                          "percent_complete": note["percent_complete"], "values": note_values,
                          "task_state": "in_progress"})
                notifs.append(self.notif(monitor, "note.new", tid, when, current, {"quarter": q}))
                if q in (2, 4) and r.random() < 0.5:  # evidence: a tiny file on disk
                    fid = self.next_id("evidence_files")
                    content = f"%PDF-1.4\n% minh chung {fid} {secrets.token_hex(4)}\n%%EOF\n".encode()
                    stored = secrets.token_hex(16)
                    (self.evidence_dir / stored).write_bytes(content)
                    digest = hashlib.sha256(content).hexdigest()
                    frow = {"id": fid, "task_id": tid, "note_id": nid, "original_name": f"bien-ban-quy-{q}.pdf",
                            "stored_name": stored, "size_bytes": len(content), "content_type": "application/pdf",
                            "sha256": digest, "uploaded_by_id": owner, "uploaded_at": when + timedelta(minutes=5)}
                    task_files.append(frow)
                    ev(frow["uploaded_at"], owner, "evidence.attach", "evidence_file", fid, task=tid, subject=owner,
                       unit=unit_id, after={"note_id": nid, "quarter": q, "name": frow["original_name"],
                                            "size": len(content), "type": "application/pdf", "sha256": digest})
                # the monitor assesses Q2 and Q4, sometimes Q1 and Q3
                if q in (2, 4) or r.random() < 0.25:
                    a_when = min(when + timedelta(days=r.uniform(2, 15)), self.day(y, year_end))
                    task_ass.append(self.assessment(tid, owner, monitor, f"q{q}", a_when, current, unit_id,
                                                    task_recs, notifs))
            notes.extend(task_notes)
            values.extend(task_values)
            files.extend(task_files)
            if state in ("self_assessed", "reviewed"):
                t_self = self.day(y, year_end + r.uniform(0, 2))
                level_code = r.choices(self.level_codes, weights=self.level_weights)[0]
                results = [{"indicator_id": ind["id"], "name": ind["name"], "unit": ind["unit"],
                            "baseline": ind["baseline"], "target": ind["target"],
                            "reached": round(ind["baseline"] + (ind["target"] - ind["baseline"]) * progress, 1)}
                           for ind in inds]
                sa = {"id": self.next_id("self_assessments"), "task_id": tid, "author_id": owner,
                      "indicator_results": results, "deliverable": "Đã hoàn thành hồ sơ, bàn giao mặt bằng.",
                      "self_level_id": self.levels[level_code].id, "shortcomings": "Tiến độ quý 2 còn chậm.",
                      "lessons": "Phát huy vai trò người có uy tín.", "submitted_at": t_self}
                selfs.append(sa)
                ev(t_self, owner, "task.self_assess", "self_assessment", sa["id"], task=tid, subject=owner,
                   unit=unit_id, before={"state": "in_progress"},
                   after={"state": "self_assessed", "indicator_results": results, "deliverable": sa["deliverable"],
                          "self_level": level_code, "shortcomings": sa["shortcomings"], "lessons": sa["lessons"]})
                notifs.append(self.notif(monitor, "task.self_assessed", tid, t_self, current))
                t_final = t_self + timedelta(days=r.uniform(0.5, 3))
                task_ass.append(self.assessment(tid, owner, monitor, "final", t_final, current, unit_id,
                                                task_recs, notifs, final=True))
                if state == "reviewed":
                    task_view = self.task_view(row, y, inds, ms, task_notes, task_values, task_files, task_ass,
                                               task_recs, sa)
                    t_verdict = t_final + timedelta(days=r.uniform(1, 4))
                    reopened = r.random() < 0.01
                    if reopened:  # decided, reopened with a reason, decided again
                        old = self.verdict(tid, approver, "on_time", t_verdict, task_view, owner, unit_id, notifs,
                                           current, reopened=(t_verdict + timedelta(hours=20),
                                                              "Bổ sung minh chứng theo kiến nghị của MTTQ."))
                        verdicts.append(old)
                        t_verdict += timedelta(days=2)
                    v = self.verdict(tid, approver, level_code, t_verdict, task_view, owner, unit_id, notifs,
                                     current)
                    verdicts.append(v)
                    if self.levels[level_code].outcome.value in ("partial", "not_done"):
                        unfinished.append(row)
            assessments.extend(task_ass)
            recs.extend(task_recs)
            for rec in task_recs:
                if rec["status"] == "replied":
                    ev(rec["replied_at"], owner, "recommendation.reply", "recommendation", rec["id"], task=tid,
                       subject=owner, unit=unit_id, before={"status": "open"},
                       after={"status": "replied", "reply": rec["reply"], "late": rec["replied_at"].date()
                              > rec["reply_deadline"]})
        self.write(Task, tasks)
        self.write(Indicator, indicators)
        self.write(Milestone, milestones)
        self.write(ProgressNote, notes)
        self.write(IndicatorValue, values)
        self.write(EvidenceFile, files)
        self.write(Assessment, [{k: v for k, v in a.items() if k != "_recs"} for a in assessments])
        self.write(Recommendation, recs)
        self.write(SelfAssessment, selfs)
        self.write(Verdict, verdicts)
        self.write(Notification, notifs)
        self.tasks_of_year = tasks
        return unfinished

    def notif(self, person: int, kind: str, task: int, when: datetime, current: bool, params=None) -> dict:
        read = not current or self.rng.random() < 0.6
        return {"id": self.next_id("notifications"), "person_id": person, "kind": kind, "task_id": task,
                "params": params or {}, "dedupe_key": None, "created_at": when,
                "read_at": min(when + timedelta(hours=self.rng.randint(1, 72)), self.now) if read else None,
                "emailed_at": None}

    def assessment(self, tid, owner, monitor, period, when, current, unit_id, recs, notifs, final=False) -> dict:
        r = self.rng
        aid = self.next_id("assessments")
        ack = r.random() < 0.6 and not final
        row = {"id": aid, "task_id": tid, "monitor_id": monitor, "period": period,
               "supervision_form": r.choice(["document_review", "field_survey", "delegation", "public_consultation"]),
               "strengths": "Chủ động, sát cơ sở.", "shortcomings": "Tiến độ một số hạng mục còn chậm.",
               "causes": "Vướng mắc về hồ sơ đất đai.", "judgement": r.choice(["on_track", "on_track", "late"]),
               "created_at": when, "acknowledged_at": when + timedelta(days=1) if ack else None,
               "acknowledged_by_id": owner if ack else None}
        mine = []
        if not final and r.random() < 0.4:
            replied = r.random() < 0.7
            deadline = (when + timedelta(days=30)).date()
            rec = {"id": self.next_id("recommendations"), "assessment_id": aid, "task_id": tid,
                   "content": "Đề nghị công khai kết quả đo đạc cho các hộ dân.", "addressee": "Chủ tịch UBND",
                   "reply_deadline": deadline, "status": "replied" if replied else "open",
                   "reply": "Đã niêm yết công khai tại nhà văn hóa thôn." if replied else None,
                   "replied_at": min(when + timedelta(days=r.uniform(3, 40)), self.now - timedelta(hours=2)).replace(
                       microsecond=0) if replied else None, "replied_by_id": owner if replied else None}
            mine.append(rec)
            recs.append(rec)
            notifs.append(self.notif(owner, "recommendation.new", tid, when, current))
        row["_recs"] = mine
        self.event(when, monitor, "assessment.create", "assessment", aid, task=tid, subject=owner, unit=unit_id,
                   after={"period": period, "supervision_form": row["supervision_form"],
                          "judgement": row["judgement"], "strengths": row["strengths"],
                          "shortcomings": row["shortcomings"], "causes": row["causes"],
                          "recommendations": [{"id": x["id"], "content": x["content"], "addressee": x["addressee"],
                                               "reply_deadline": x["reply_deadline"].isoformat()} for x in mine]})
        if ack:
            self.event(row["acknowledged_at"], owner, "assessment.acknowledge", "assessment", aid, task=tid,
                       subject=owner, unit=unit_id, after={"acknowledged": True})
        notifs.append(self.notif(owner, "assessment.new", tid, when, current))
        return row

    def task_view(self, row, y, inds, ms, notes, values, files, assessments, recs, sa) -> SimpleNamespace:
        """The task as ``registry.services.review.compute_seal`` reads it, from the rows about to be written."""
        from registry.models import (
            Authority,
            Judgement,
            Period,
            ProgressStatus,
            RecommendationStatus,
            TaskKind,
        )
        by_note: dict[int, list] = {}
        for v in values:
            by_note.setdefault(v["note_id"], []).append(SimpleNamespace(**v))
        ns = SimpleNamespace
        return ns(
            id=row["id"], year=ns(year=y), owner_id=row["owner_id"], decision_ref=row["decision_ref"],
            decision_date=row["decision_date"], monitor_id=row["monitor_id"],
            **{k: row[k] for k in ("title", "situation", "goal", "deliverable", "measures", "coordinating_units",
                                   "resources", "support_requested", "locality", "reference_documents",
                                   "field_id", "deadline", "is_committed", "owner_unit_id")},
            kind=TaskKind(row["kind"]), authority=Authority(row["authority"]),
            ownership=ns(value=row["ownership"]),
            indicators=[ns(as_dict=lambda i=i: Indicator.as_dict(ns(**i))) for i in inds],
            milestones=[ns(as_dict=lambda m=m: Milestone.as_dict(ns(**m))) for m in ms],
            adjustments=[],
            notes=[ns(**{**n, "status": ProgressStatus(n["status"])}, values=by_note.get(n["id"], []), amendments=[])
                   for n in notes],
            files=[ns(**f) for f in files],
            assessments=[ns(**{**a, "period": Period(a["period"]), "judgement": Judgement(a["judgement"])},
                            recommendations=[ns(**{**x, "status": RecommendationStatus(x["status"])})
                                             for x in a["_recs"]]) for a in assessments],
            self_assessment=ns(**sa),
        )

    def verdict(self, tid, approver, level_code, when, view, owner, unit_id, notifs, current, reopened=None):
        from registry.models import Commendation
        r = self.rng
        level = self.levels[level_code]
        commend = level_code == "exceeded" and r.random() < 0.5
        unfinished = level.outcome.value in ("partial", "not_done")
        row = {"id": self.next_id("verdicts"), "task_id": tid, "level_id": level.id,
               "percent": float(r.randint(40, 90)) if level.requires_percent else None,
               "reasons": f"Kết quả đạt mức: {level.name}.", "commendation": "reward" if commend else "none",
               "commendation_form": "Giấy khen của Ban Thường vụ" if commend else "",
               "measures": "Chuyển tiếp sang năm sau, bổ sung nguồn lực." if unfinished else "",
               "conclusion_ref": f"Thông báo kết luận số {r.randint(1, 300)}-TB", "decided_by_id": approver,
               "decided_at": when, "seal": "", "is_current": reopened is None,
               "reopened_at": reopened[0] if reopened else None, "reopened_by_id": approver if reopened else None,
               "reopen_reason": reopened[1] if reopened else None}
        verdict_view = SimpleNamespace(**{**row, "commendation": Commendation(row["commendation"])})
        row["seal"] = compute_seal(view, verdict_view)
        self.event(when, approver, "task.verdict", "verdict", row["id"], task=tid, subject=owner, unit=unit_id,
                   before={"state": "self_assessed"},
                   after={"state": "reviewed", "level": level_code, "percent": row["percent"],
                          "reasons": row["reasons"], "commendation": row["commendation"],
                          "commendation_form": row["commendation_form"], "measures": row["measures"],
                          "conclusion_ref": row["conclusion_ref"], "seal": row["seal"]})
        if reopened:
            self.event(reopened[0], approver, "task.reopen", "task", tid, task=tid, subject=owner, unit=unit_id,
                       before={"state": "reviewed"}, after={"state": "self_assessed", "reason": reopened[1]})
        notifs.append(self.notif(owner, "task.verdict", tid, when, current, {"level": level.name}))
        return row

    # -- everything -----------------------------------------------------------------------------------------
    def run(self) -> Result:
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


__all__ = ["PASSWORD", "SCALES", "NotEmpty", "Result", "Scale", "generate", "is_empty"]
