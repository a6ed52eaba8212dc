"""No query per row: every list, attention list, home page, queue, dossier, export, report, audit page and API list
runs the same number of SQL statements with 10 tasks as with 1,000 (counted with a ``before_cursor_execute``
listener), each seen by the role that uses it. The world is written with bulk inserts: tasks in every state with
quarterly notes, assessments with open recommendations, self-assessments and verdicts, audit events and
notifications, so that every list shows rows at both sizes."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from registry.models import (
    Assessment,
    AuditEvent,
    AuditHead,
    Notification,
    OrgUnit,
    Ownership,
    ProgressNote,
    Recommendation,
    Role,
    SelfAssessment,
    Task,
    TaskKind,
    TaskState,
    Verdict,
)
from registry.services import attention
from registry.services import review
from registry.services import tokens as token_service
from registry.text import fold
from tests.scale_tree import ScaleTree

S = TaskState
#: the states the tasks of each unit cycle through: the first five are under way, submitted, reviewed, approved and
#: a draft, so that each role's lists have rows in the small world too
STATES = (S.IN_PROGRESS, S.SUBMITTED, S.REVIEWED, S.APPROVED, S.DRAFT, S.SELF_ASSESSED, S.RETURNED, S.WITHDRAWN)
DECIDED = (S.APPROVED, S.IN_PROGRESS, S.SELF_ASSESSED, S.REVIEWED)
UNDER_WAY = (S.APPROVED, S.IN_PROGRESS)
WHEN = datetime(2026, 7, 10, 3, 0, tzinfo=UTC)  # the Q1 and Q2 deadlines have passed, the third quarter runs


class World(ScaleTree):
    """A province (unit 0); odd units are communes under it, even ones Party cells under the commune before them.
    Each unit has a head (who registers the unit's tasks, all collective) and a Front monitor. ``grow`` adds
    units and tasks, each task with what its state implies: a late first-quarter note at risk (none for the
    second, whose deadline passed), a mid-year assessment with an overdue open recommendation, a
    self-assessment and a verdict; an audit event and an unread notification."""

    code_prefix = "Q"

    def __init__(self, db, password_hash, year, fields):
        super().__init__(db, password_hash, year, fields)
        self.levels = review.ensure_default_levels()
        db.session.flush()

    def after_insert(self, first_id: int) -> None:
        self.write_records(list(self.db.session.execute(
            select(Task.id, Task.state, Task.owner_id, Task.monitor_id, Task.committee_id)
            .where(Task.id >= first_id).order_by(Task.id))))

    def first_task_of(self, unit: OrgUnit) -> int:
        """The first task of a committee: under way, with a note and an assessment."""
        return self.db.session.scalar(select(func.min(Task.id)).where(Task.committee_id == unit.id))

    def task_row(self, i: int, n_units: int) -> dict:
        k, j = i % n_units, i // n_units
        unit, head, monitor = self.units[k], self.heads[k], self.monitors[k]
        state = STATES[j % len(STATES)]
        decided = state in DECIDED
        title = f"Việc khó số {i} của {unit.name}"
        return {
            "year_id": self.year.id, "kind": tuple(TaskKind)[i % len(TaskKind)], "ownership": Ownership.COLLECTIVE,
            "owner_id": head.id, "owner_unit_id": unit.id, "org_unit_id": unit.id, "committee_id": unit.id,
            "field_id": self.fields[i % len(self.fields)].id, "state": state, "title": title,
            "search_text": fold(title), "deadline": date(2026, 11, 30),
            "submitted_at": WHEN - timedelta(days=120, minutes=i) if state != S.DRAFT else None,
            "decided_at": WHEN - timedelta(days=100) if decided else None,
            "decision_ref": f"{i}-QĐ/ĐU" if decided else None,
            "decision_date": date(2026, 3, 1) if decided else None,
            "approved_by_id": self.approver.id if decided else None,
            "monitor_id": monitor.id if decided else None,
            "withdrawn_reason": "Không còn phù hợp" if state == S.WITHDRAWN else None,
            "return_comment": "Bổ sung chỉ tiêu" if state == S.RETURNED else None,
        }

    def write_records(self, tasks) -> None:
        db = self.db
        level = self.levels[0]
        notes, assessments, verdicts, selves, notifications, events = [], [], [], [], [], []
        for task_id, state, owner_id, monitor_id, committee_id in tasks:
            if state in DECIDED:
                notes.append({"task_id": task_id, "quarter": 1, "author_id": owner_id, "work_done": "Đã đối thoại",
                              "status": "at_risk", "percent_complete": 30.0, "is_late": True,
                              "submitted_at": WHEN - timedelta(days=90)})
                assessments.append({"task_id": task_id, "monitor_id": monitor_id, "period": "mid_year",
                                    "supervision_form": "field_survey", "judgement": "late",
                                    "created_at": WHEN - timedelta(days=40)})
            if state in (S.SELF_ASSESSED, S.REVIEWED):
                selves.append({"task_id": task_id, "author_id": owner_id, "indicator_results": [],
                               "deliverable": "Mặt bằng sạch", "self_level_id": level.id,
                               "submitted_at": WHEN - timedelta(days=5)})
            if state == S.REVIEWED:
                verdicts.append({"task_id": task_id, "level_id": level.id, "reasons": "Hoàn thành",
                                 "decided_by_id": self.approver.id, "decided_at": WHEN - timedelta(days=2),
                                 "seal": hashlib.sha256(f"seal-{task_id}".encode()).hexdigest()})
            notifications.append({"person_id": owner_id, "kind": "task.approved", "task_id": task_id, "params": {},
                                  "created_at": WHEN - timedelta(days=3)})
            events.append((task_id, owner_id, committee_id))
        for model, rows in ((ProgressNote, notes), (Assessment, assessments), (SelfAssessment, selves),
                            (Verdict, verdicts), (Notification, notifications)):
            if rows:
                db.session.execute(insert(model), rows)
        assessed = list(db.session.execute(select(Assessment.id, Assessment.task_id)
                                           .where(Assessment.task_id.in_([t[0] for t in tasks]))))
        if assessed:
            db.session.execute(insert(Recommendation), [
                {"assessment_id": a_id, "task_id": task_id, "content": "Đẩy nhanh tiến độ", "addressee": "Chủ nhiệm",
                 "reply_deadline": date(2026, 6, 30)} for a_id, task_id in assessed])
        head = db.session.get(AuditHead, 1) or AuditHead(id=1, last_seq=0)
        db.session.add(head)
        db.session.flush()
        seq, prev = head.last_seq, head.last_hash
        rows = []
        for task_id, owner_id, committee_id in events:
            seq += 1
            entry = hashlib.sha256(f"perf-{seq}".encode()).hexdigest()
            rows.append({"seq": seq, "occurred_at": WHEN - timedelta(days=100), "actor_id": owner_id,
                         "subject_person_id": owner_id, "task_id": task_id, "unit_id": committee_id,
                         "object_type": "task", "object_id": task_id, "action": "task.create",
                         "payload": json.dumps({"before": None, "after": {"state": "draft"}}),
                         "prev_hash": prev, "entry_hash": entry, "hmac": entry})
            prev = entry
        db.session.execute(insert(AuditEvent), rows)
        head.last_seq, head.last_hash = seq, prev
        db.session.flush()


@pytest.fixture
def world(db, password_hash, make_year, make_field, frozen_now):
    frozen_now(WHEN)
    year = make_year(2026)
    return World(db, password_hash, year, [make_field(f"Lĩnh vực {n}") for n in range(4)])


#: who sees what: (role, unit index) grants of each viewer
VIEWERS = {
    "owner": None,  # the head of unit 1 (a commune), who registers its tasks
    "monitor": None,  # the Front monitor of unit 1, assigned to its decided tasks
    "commune_standing": [(Role.STANDING, 1)],
    "province_standing": [(Role.STANDING, 0)],
    "secretariat": [(Role.SECRETARIAT, 0)],
    "inspector": [(Role.INSPECTOR, 0)],
}


def pages(world: World) -> list[tuple[str, str]]:
    """(viewer, URL) of every list, dashboard, dossier, export and API list."""
    owner, commune = world.heads[1], world.units[1]
    return [
        ("secretariat", "/tasks/"),
        ("secretariat", "/tasks/?q=viec kho"),
        ("secretariat", f"/tasks/?year=2026&state={S.IN_PROGRESS.value}&notes=overdue"),
        ("secretariat", f"/tasks/?unit={commune.id}"),
        ("commune_standing", "/tasks/queue"),
        ("secretariat", "/tasks/?sort=owner&dir=desc"),
        ("secretariat", "/tasks/export.xlsx?sort=deadline&dir=desc"),
        ("secretariat", f"/tasks/export.xlsx?unit={commune.id}&sort=field"),
        ("commune_standing", "/tasks/queue.xlsx?sort=title"),
        ("monitor", "/attention.xlsx?show=notes_to_assess"),
        ("province_standing", "/attention.xlsx?show=late_or_at_risk"),
        ("secretariat", "/attention.xlsx?show=overdue_notes"),
        ("owner", "/attention.xlsx?show=recommendations_to_reply"),
        ("owner", "/attention"),
        ("monitor", "/attention"),
        ("monitor", "/attention?show=notes_to_assess"),
        ("commune_standing", "/attention"),
        ("province_standing", "/attention"),
        ("province_standing", "/attention?show=late_or_at_risk"),
        ("secretariat", "/attention"),
        ("owner", "/"),
        ("monitor", "/"),
        ("province_standing", "/"),
        ("secretariat", "/"),
        ("owner", "/notifications"),
        ("secretariat", f"/people/{owner.id}/dossier"),
        ("secretariat", f"/units/{commune.id}/dossier"),
        ("secretariat", f"/people/{owner.id}/dossier.docx"),
        ("secretariat", "/reports?year=2026"),
        ("secretariat", "/audit"),
        ("inspector", "/audit"),
        ("secretariat", f"/people/{owner.id}/audit"),
        ("secretariat", "/api/v1/tasks?per_page=100"),
        ("secretariat", "/api/v1/audit-events?per_page=100"),
    ]


def statements(db, client, url: str) -> tuple[list[str], str | bytes]:
    """GET ``url`` (expecting 200): the SQL statements it ran, and its body (text, or the bytes of a document)."""
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return seen, response.get_data(as_text=response.mimetype.startswith(("text/", "application/json")))


def shown(body: str | bytes) -> int:
    """How much a page shows: its links to tasks, the items of an API page, the size of a document."""
    if isinstance(body, bytes):
        return len(body)
    if body.startswith("{"):
        return len(json.loads(body)["items"])
    return body.count('"/tasks/')


def measure(db, client, login_as, viewers, tokens, world) -> tuple[dict, dict]:
    """The statements of each page (of its second request: the first one warms what is done once) and how much
    it shows."""
    counts, rows = {}, {}
    for who, url in pages(world):
        key = f"{who} {url}"
        if url.startswith("/api/"):
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {tokens[who]}"
        else:
            login_as(viewers[who])
        try:
            client.get(url)
            counts[key], body = statements(db, client, url)
        finally:
            client.environ_base.pop("HTTP_AUTHORIZATION", None)
        rows[key] = shown(body)
    return counts, rows


def test_lists_dashboards_dossiers_and_exports_run_a_fixed_number_of_statements(world, db, app, client, login_as,
                                                                                 monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 100)  # a page shows every row: 10 or 100 of them
    world.grow(2, 10)  # the province and a commune, five tasks each: under way, submitted, reviewed, approved, draft
    viewers = {"owner": world.heads[1], "monitor": world.monitors[1]}
    for who, grants in VIEWERS.items():
        if grants is not None:
            viewers[who] = world.person(who, f"Người Xem {who}", None, [(r, world.units[k]) for r, k in grants])
    db.session.flush()
    tokens = {"secretariat": token_service.create_token(viewers["secretariat"], "Đo số câu lệnh")[1]}
    db.session.commit()

    small, small_rows = measure(db, client, login_as, viewers, tokens, world)
    world.grow(100, 1000)
    assert db.session.scalar(select(func.count(Task.id))) == 1000
    large, large_rows = measure(db, client, login_as, viewers, tokens, world)

    for key in small:
        print(f"  {key:55} {len(small[key]):3} statements, {small_rows[key]:5} shown (10 tasks); "
              f"{len(large[key]):3} statements, {large_rows[key]:5} shown (1,000 tasks)")
    for key in small:
        if ".docx" not in key and "/reports" not in key:  # a document and a page of figures: no links
            assert small_rows[key] > 0, f"{key} shows nothing in the small world: the comparison would be void"
    for key in ("secretariat /tasks/", "secretariat /api/v1/tasks?per_page=100", "secretariat /audit",
                f"secretariat /people/{world.heads[1].id}/dossier"):
        assert large_rows[key] > small_rows[key], (key, small_rows[key], large_rows[key])  # the lists really grew
    def kinds(sql: list[str]) -> Counter:  # a statement whatever the length of its IN lists
        return Counter(re.sub(r"\((?:\?|%\(\w+\)s)(?:, (?:\?|%\(\w+\)s))*\)", "(…)", " ".join(q.split()))
                       for q in sql)

    grown = {key: (len(small[key]), len(large[key]), list((kinds(large[key]) - kinds(small[key])).elements()))
             for key in small if len(small[key]) != len(large[key])}
    assert not grown, grown


def test_the_header_counts_in_one_statement_and_the_attention_page_adds_up_its_lists(world, db, app, client,
                                                                                      login_as):
    world.grow(2, 10)
    viewers = {"owner": world.heads[1], "monitor": world.monitors[1],
               "commune_standing": world.person("ctv", "Thường Vụ Xã", None, [(Role.STANDING, world.units[1])]),
               "secretariat": world.person("pvp", "Văn Phòng Tỉnh", None, [(Role.SECRETARIAT, world.units[0])])}
    db.session.commit()
    for who, viewer in viewers.items():
        assert all(grant.unit.path for grant in viewer.grants)  # the signed-in person is loaded with the request
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            expected = attention.attention_count(viewer)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        # one statement adds up every count; the Standing Committee's needs the current year first
        assert len(seen) == (2 if who == "commune_standing" else 1), (who, seen)
        assert expected > 0, who
        login_as(viewer)
        for url in ("/", "/attention"):  # counted on its own, or the sum of the attention page's lists
            page = client.get(url).get_data(as_text=True)
            badge = re.search(r'id="attention-count"[^>]*>(\d+)<', page)
            assert badge and int(badge.group(1)) == expected, (who, url, badge and badge.group(1), expected)
