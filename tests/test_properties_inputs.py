"""Random input at every form and every API body: never a 5xx, and a refused request changes no row.

For each POST route of the pages and each API operation with a body, Hypothesis starts from a payload the route
accepts and mutates it field by field — random text (controls, right-to-left marks, lone surrogates, NUL), huge
strings, numbers of every sign and size, impossible dates, wrong types, missing and extra fields, repeated keys,
whole bodies that are not JSON — and sends it as a user the route is for, with a valid CSRF token (the test app
disables CSRF; these tests switch it on and read the token from a page, as a browser does). Each answer must be
below 500; a refused one (4xx) must leave every table exactly as it was (row counts and a digest of every row),
must say what is wrong (a field message on a 422 page, a problem document in the API), and an accepted one must
keep the audit trail verifiable. Every example starts from fresh rows: a refused example changed nothing (that
is asserted), and after an accepted one the route's target rows are made again.

``tests/test_api_schemathesis.py`` checks the API against its OpenAPI document (shapes, status codes); this file
checks state: what a refused request leaves behind, on the pages too.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from registry.extensions import db as _db
from registry.models import Notification, Period, Role, TaskState
from registry.services import monitoring, password_reset, progress, review
from registry.services import tasks as task_service
from registry.services import tokens as token_service
from registry.services.errors import Conflict
from registry.services.verify import verify_all
from tests.conftest import task_input
from tests.helpers import PASSWORD

S = TaskState
API = "/api/v1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
BUILD_AT = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)
#: after quarter 1's editing window (deadline 05/04 + 7 days' grace): its note is corrected by amendment
AMEND_AT = datetime(2026, 5, 15, 9, 0, tzinfo=timezone.utc)
EXAMPLES = 12
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])
#: tables an anonymous sign-in or reset request writes to whatever its answer (the throttle counts every attempt)
THROTTLE_TABLES = frozenset({"sign_in_attempts"})
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# -- hostile values ---------------------------------------------------------------------------------------------

SURROGATES = st.sampled_from(["\ud800", "\udfff", "a\udc80b", "\udbff\udfff"])
CONTROL = st.sampled_from(["\x00", "\x00abc", "\x01\x02", "\x1b[31m", "\r\n", "\t", "\x7f", "\u0085", "\u2028"])
ODD = st.sampled_from(["", " ", "\u202e", "\ufeff", "\u200b", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "😀", "Nguyễn Văn Ạ", "ʼ", "\u0301",
                       "' OR 1=1 --", "<script>alert(1)</script>", "{{7*7}}", "${7*7}", "%00", "../../etc/passwd",
                       "null", "true", "[]", "{}"])
NUMBERS_AS_TEXT = st.sampled_from(["0", "-0", "-1", "-120", "-0.0001", "1e309", "-1e309", "nan", "NaN", "inf",
                                   "-inf", "1e12", "1e13", "12,5", "12.5.5", "1,000.5", "0x1F", "9" * 40, "2147483647",
                                   "2147483648", "-2147483649", "99999999999999999999", " 44 ", "4 4", "١٢"])
DATES_AS_TEXT = st.sampled_from(["31/02/2026", "29/02/2025", "00/00/0000", "32/01/2026", "2026-13-01", "01/01/0001",
                                 "31/12/9999", "15/03/2026", "01/01/2025", "1/1/26", "2026/03/15", "15-03-2026",
                                 "9999-12-31", "0000-00-00", "15/03/2026 10:00", "hôm nay"])
HUGE = st.builds(lambda chunk, n: chunk * n, st.sampled_from(["x", "é", "😀", "9", "<b>", " "]),
                 st.sampled_from([301, 501, 5001, 20001, 60001]))
TEXT = st.text(max_size=40)
NASTY_TEXT = st.one_of(
    TEXT, ODD, CONTROL, NUMBERS_AS_TEXT, DATES_AS_TEXT, HUGE,
    st.builds(lambda a, s, b: a + s + b, TEXT, SURROGATES, TEXT),
    st.integers(-(2 ** 70), 2 ** 70).map(str),
)
JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.integers(-1000, -1),
    st.floats(allow_nan=True, allow_infinity=True), st.floats(max_value=-1e-9), NASTY_TEXT,
)
JSON_VALUE = st.recursive(JSON_LEAF, lambda kids: st.one_of(st.lists(kids, max_size=3),
                                                            st.dictionaries(TEXT, kids, max_size=3)),
                          max_leaves=6)
#: whole request bodies that are not an object of the operation
BAD_BODIES = st.sampled_from([b"", b"{", b"}", b"null", b"[]", b'"x"', b"1e999", b"NaN", b"\xff\xfe\x00\x01",
                              b'{"a": 1, "a": 2}', b"[" * 5000 + b"]" * 5000, b'{"x": ' * 3000 + b"1" + b"}" * 3000,
                              b'{"\\ud800": "\\udfff"}'])
#: names that belong to other forms, to rows beyond the form's, or to columns a user must not set
EXTRA_FORM_KEYS = ["action", "indicators-1-target", "indicators-19-baseline", "indicators-25-target",
                   "milestones-3-due_on", "values-999999", "reached-1", "grants-5-role", "grants-0-unit_id",
                   "recommendations-0-reply_deadline", "recommendations-30-content", "next", "go", "page", "id",
                   "state", "owner_id", "monitor_id", "committee_id", "is_locked", "backfill_on", "backfill_by",
                   "__proto__"]
EXTRA_JSON_KEYS = ["id", "state", "owner_id", "monitor_id", "approved_by_id", "is_locked", "seal", "version",
                   "committee_id", "year", "values", "indicators", "reason", "__proto__"]


@st.composite
def mutated_form(draw, base: dict[str, str]) -> list[tuple[str, str]]:
    """Form pairs: each field of ``base`` kept, dropped, replaced or repeated; a few extra fields."""
    pairs: list[tuple[str, str]] = []
    for key, value in base.items():
        how = draw(st.sampled_from(["keep", "keep", "keep", "drop", "junk", "junk", "twice"]))
        if how == "keep":
            pairs.append((key, value))
        elif how == "junk":
            pairs.append((key, draw(NASTY_TEXT)))
        elif how == "twice":
            pairs += [(key, draw(NASTY_TEXT)), (key, value)]
    for key in draw(st.lists(st.one_of(st.sampled_from(EXTRA_FORM_KEYS), TEXT), max_size=2)):
        if key != "csrf_token":
            pairs.append((key, draw(NASTY_TEXT)))
    return pairs


@st.composite
def mutated_json(draw, value: Any, depth: int = 0) -> Any:
    """``value`` with each member kept, dropped or replaced by a value of any type (recursively)."""
    if isinstance(value, dict):
        out = {}
        for key, member in value.items():
            how = draw(st.sampled_from(["keep", "keep", "deep", "drop", "junk"]))
            if how == "keep":
                out[key] = member
            elif how == "deep":
                out[key] = draw(mutated_json(member, depth + 1))
            elif how == "junk":
                out[key] = draw(JSON_VALUE)
        for key in draw(st.lists(st.one_of(st.sampled_from(EXTRA_JSON_KEYS), TEXT), max_size=2 if depth else 3)):
            out.setdefault(key, draw(JSON_VALUE))
        return out
    if isinstance(value, list):
        rows = [draw(mutated_json(row, depth + 1)) for row in value]
        return rows + draw(st.lists(JSON_VALUE, max_size=2)) if draw(st.booleans()) else rows
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return draw(st.one_of(st.just(value), st.integers(-(2 ** 40), -1), st.floats(max_value=-1e-9),
                              st.just(2 ** 63), st.just(2 ** 31), st.floats(allow_nan=True), NASTY_TEXT))
    return draw(st.one_of(st.just(value), JSON_VALUE))


@st.composite
def json_body(draw, base: dict[str, Any]) -> bytes:
    """Mostly the mutated base as JSON (NaN, Infinity and lone surrogates included); sometimes no object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(BAD_BODIES)
    return json.dumps(draw(mutated_json(base)), allow_nan=True).encode("ascii")


def form_bytes(pairs: list[tuple[str, str]]) -> bytes:
    """URL-encoded form body; a lone surrogate goes out as the invalid UTF-8 bytes a broken client would send."""
    def enc(text: str) -> str:
        return quote(text.encode("utf-8", "surrogatepass"), safe="")
    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs).encode("ascii")


# -- the database before and after ---------------------------------------------------------------------------------

def digest(db, exclude: frozenset[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """Per table: the row count and a SHA-256 of every row, read on a fresh connection (committed data only)."""
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in exclude:
                continue
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = (len(rows), hashlib.sha256(repr(rows).encode("utf-8", "surrogatepass")).hexdigest())
    return out


def changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


# -- the scene: people, tokens and the rows each route acts on ---------------------------------------------------

@dataclass
class Scene:
    world: Any
    levels: dict
    next_year: Any
    past_year: Any
    tokens: dict[str, str]
    make_task: Callable
    make_reviewed_task: Callable
    make_unit: Callable
    make_person: Callable
    frozen_now: Callable
    store_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def person(self, name: str):
        return getattr(self.world, name)


def _approved(sc: Scene) -> dict[str, Any]:
    task = sc.make_task(S.APPROVED)
    return {"task": task.id, "indicator": task.indicators[0].id}


def _note(sc: Scene) -> dict[str, Any]:
    task = sc.make_task(S.APPROVED)
    note = progress.add_progress_note(sc.world.owner, task, 1, {
        "work_done": "Đối thoại với 20 hộ", "status": "on_track", "values": {task.indicators[0].id: 24}})
    return {"note": note.id, "task": task.id, "indicator": task.indicators[0].id}


def _assessment(sc: Scene) -> dict[str, Any]:
    task = sc.make_task(S.APPROVED)
    assessment = monitoring.add_assessment(sc.world.monitor, task, Period.Q1, {
        "supervision_form": "document_review", "judgement": "on_track", "strengths": "Đúng kế hoạch"},
        [{"content": "Công khai danh sách hộ", "addressee": "UBND phường", "reply_deadline": date(2026, 12, 1)}])
    return {"assessment": assessment.id, "rec": assessment.recommendations[0].id}


def _midyear(sc: Scene) -> dict[str, Any]:
    task = sc.make_task(S.APPROVED)
    monitoring.take_mid_year_snapshots(sc.world.standing, sc.world.year)
    return {"task": task.id}


def _notification(sc: Scene) -> dict[str, Any]:
    owner_id = sc.make_task(S.APPROVED).owner_id  # the approval notifies its owner
    return {"notification": _db.session.scalar(select(Notification.id).where(Notification.person_id == owner_id)
                                               .order_by(Notification.id.desc()).limit(1))}


def _ids(**objects) -> dict[str, Any]:
    return {name: getattr(obj, "id", obj) for name, obj in objects.items()}


TARGETS: dict[str, Callable[[Scene], dict[str, Any]]] = {
    "none": lambda sc: {},
    "draft": lambda sc: _ids(task=sc.make_task(S.DRAFT)),
    "submitted": lambda sc: _ids(task=sc.make_task(S.SUBMITTED)),
    "approved": _approved,
    "note": _note,
    "upload": _note,
    "assessment": _assessment,
    "midyear": _midyear,
    "self_assessed": lambda sc: _ids(task=sc.make_reviewed_task(stop_at="self_assessed")),
    "final_assessed": lambda sc: _ids(task=sc.make_reviewed_task(stop_at="final_assessed")),
    "reviewed": lambda sc: _ids(task=sc.make_reviewed_task(level="partial")),
    "notification": _notification,
    "token": lambda sc: _ids(token=token_service.create_token(sc.world.owner, "Dự phòng")[0]),
    "victim": lambda sc: _ids(person=sc.make_person(Role.OWNER, unit=sc.world.unit)),
    "unit": lambda sc: _ids(unit=sc.make_unit(), into=sc.make_unit()),
    "year": lambda sc: _ids(year=sc.world.year),
    "top_unit": lambda sc: _ids(unit=sc.world.unit),
    "field": lambda sc: _ids(field=sc.world.field),
    "reset": lambda sc: {"token": password_reset.make_token(sc.make_person(Role.OWNER, unit=sc.world.unit))},
    #: a verdict proposing a reward, awaiting the council's decision
    "proposal": lambda sc: _ids(verdict=sc.make_reviewed_task(level="exceeded").current_verdict),
}


# -- the payloads each route accepts ---------------------------------------------------------------------------

def task_form(sc: Scene, **extra) -> dict[str, str]:
    return {"kind": "hard", "field_id": str(sc.world.field.id), "title": "Giải phóng mặt bằng mương Thụy Khuê",
            "situation": "Chậm từ năm 2012", "goal": "Bàn giao toàn bộ mặt bằng", "deliverable": "Mặt bằng sạch",
            "measures": "Đối thoại từng hộ", "deadline": "30/11/2026", "authority": "own",
            "locality": "Phường Thụy Khuê", "indicators-0-name": "Hộ chưa đồng thuận", "indicators-0-unit": "hộ",
            "indicators-0-baseline": "44", "indicators-0-target": "0", "milestones-0-description": "Đối thoại",
            "milestones-0-due_on": "30/06/2026", **extra}


def note_form(ids: dict, **extra) -> dict[str, str]:
    return {"work_done": "Đã vận động thêm 10 hộ", "status": "on_track", f"values-{ids['indicator']}": "20",
            "difficulties": "Quỹ nhà tái định cư", "percent_complete": "", **extra}


def verdict_form(sc: Scene) -> dict[str, str]:
    return {"level_id": str(sc.levels["on_time"].id), "reasons": "Đúng hạn", "commendation": "praise",
            "commendation_form": "Giấy khen", "measures": "", "conclusion_ref": "5-KL/ĐU", "percent": ""}


def person_form(sc: Scene, username: str = "") -> dict[str, str]:
    return {"username": username, "full_name": "Lê Thị Mới", "position": "Chuyên viên", "email": "",
            "org_unit_id": str(sc.world.unit.id), "grants-0-role": "owner", "grants-0-unit_id": str(sc.world.unit.id)}


def year_form(number: int) -> dict[str, str]:
    return {"year": str(number), "registration_opens_on": f"01/11/{number - 1}",
            "registration_closes_on": f"31/01/{number}", "q1_deadline": f"05/04/{number}",
            "q2_deadline": f"05/07/{number}", "q3_deadline": f"05/10/{number}", "q4_deadline": f"20/12/{number}",
            "grace_days": "7", "rating_regulation": "366-QĐ/TW"}


def unit_form(sc: Scene) -> dict[str, str]:
    return {"name": "Tổ dân phố số 3", "code": f"TDP-{_new_username(sc)}", "level": "residential_group",
            "parent_id": str(sc.world.unit.id),
            "head_id": "0", "is_active": "y"}


def _new_username(sc: Scene) -> str:
    sc.extra["n"] = sc.extra.get("n", 0) + 1
    return f"nguoimoi{sc.extra['n']}"


@dataclass(frozen=True)
class Route:
    """One POST (or PATCH) of the pages or the API: who sends it, to which rows, with what it accepts."""

    endpoint: str
    actor: str | None
    target: str
    path: Callable[[dict], str]
    base: Callable[[Scene, dict], Any]
    #: the clock during the requests (default: the build time)
    at: datetime = BUILD_AT
    method: str = "POST"
    upload: bool = False
    exclude: frozenset[str] = frozenset()
    #: no input it could get wrong (extra fields are ignored): even an oversized payload may be accepted
    lenient: bool = False

    @property
    def is_api(self) -> bool:
        return self.endpoint.startswith("api_")


def _registration_sheet(sc: Scene) -> bytes:
    """A one-row registration sheet (CSV, the columns named by their keys) for the world's owner."""
    return (f"year,owner,committee,kind,field,title,deadline,indicators.0.name,indicators.0.unit,indicators.0.target\n"
            f"{sc.world.year.year},owner,{sc.world.unit.code},hard,{sc.world.field.name},Việc nhập từ bảng tính,"
            f"30/11/{sc.world.year.year},Hộ,hộ,0\n").encode()


def _next_year_id(sc: Scene) -> str:
    return str(sc.next_year.id)


WEB: list[Route] = [
    # Form A and the Standing Committee's decisions
    Route("tasks.new", "owner", "none", lambda i: "/tasks/new",
          lambda sc, i: task_form(sc, year_id=str(sc.world.year.id), owner_unit_id="0",
                                  committee_id=str(sc.world.unit.id), is_committed="y", action="submit")),
    Route("tasks.edit", "owner", "draft", lambda i: f"/tasks/{i['task']}/edit",
          lambda sc, i: task_form(sc, is_committed="y", action="submit")),
    Route("tasks.submit", "owner", "draft", lambda i: f"/tasks/{i['task']}/submit", lambda sc, i: {}),
    Route("tasks.withdraw", "owner", "submitted", lambda i: f"/tasks/{i['task']}/withdraw",
          lambda sc, i: {"reason": "Không còn phù hợp"}),
    Route("tasks.approve", "standing", "submitted", lambda i: f"/tasks/{i['task']}/approve",
          lambda sc, i: {"decision_ref": "12-QĐ/ĐU", "decision_date": "15/03/2026",
                         "monitor_id": str(sc.world.monitor.id)}),
    Route("tasks.return_", "standing", "submitted", lambda i: f"/tasks/{i['task']}/return",
          lambda sc, i: {"comment": "Bổ sung chỉ tiêu"}),
    Route("tasks.adjust", "standing", "approved", lambda i: f"/tasks/{i['task']}/adjust",
          lambda sc, i: task_form(sc, reason="Điều chỉnh thời hạn", deadline="15/12/2026")),
    Route("tasks.monitor", "standing", "approved", lambda i: f"/tasks/{i['task']}/monitor",
          lambda sc, i: {"monitor_id": str(sc.world.other_monitor.id)}),
    # Form B
    Route("progress.new_note", "owner", "approved", lambda i: f"/tasks/{i['task']}/notes/new",
          lambda sc, i: note_form(i, quarter="1")),
    Route("progress.edit_note", "owner", "note", lambda i: f"/notes/{i['note']}/edit", lambda sc, i: note_form(i)),
    Route("progress.amend_note", "owner", "note", lambda i: f"/notes/{i['note']}/amend",
          lambda sc, i: note_form(i, reason="Sai số liệu"), at=AMEND_AT),
    Route("progress.upload", "owner", "upload", lambda i: f"/notes/{i['note']}/files",
          lambda sc, i: {}, upload=True),
    # Form C, replies, the mid-year review, notifications
    Route("monitoring.new_assessment", "monitor", "approved", lambda i: f"/tasks/{i['task']}/assessments/new",
          lambda sc, i: {"period": "q1", "supervision_form": "field_survey", "judgement": "on_track",
                         "strengths": "Tốt", "shortcomings": "", "causes": "",
                         "recommendations-0-content": "Công khai", "recommendations-0-addressee": "UBND",
                         "recommendations-0-reply_deadline": "01/12/2026"}),
    Route("monitoring.acknowledge", "owner", "assessment", lambda i: f"/assessments/{i['assessment']}/acknowledge",
          lambda sc, i: {}),
    Route("monitoring.reply", "owner", "assessment", lambda i: f"/recommendations/{i['rec']}/reply",
          lambda sc, i: {"reply": "Đã công khai tại nhà văn hóa"}),
    Route("monitoring.take_midyear", "standing", "approved", lambda i: f"/years/{i.get('year', 0) or 1}/midyear",
          lambda sc, i: {}),
    Route("monitoring.conclude_midyear", "standing", "midyear", lambda i: f"/tasks/{i['task']}/midyear",
          lambda sc, i: {"conclusion": "Đạt tiến độ"}),
    Route("monitoring.mark_read", "owner", "notification", lambda i: f"/notifications/{i['notification']}/read",
          lambda sc, i: {"go": "task", "page": "1"}, lenient=True),
    Route("monitoring.mark_all_read", "owner", "notification", lambda i: "/notifications/read-all",
          lambda sc, i: {}),
    # Form D
    Route("review.self_assessment", "owner", "approved", lambda i: f"/tasks/{i['task']}/self-assessment",
          lambda sc, i: {f"reached-{i['indicator']}": "0", "deliverable": "Mặt bằng sạch",
                         "self_level_id": str(sc.levels["on_time"].id), "shortcomings": "", "lessons": "Kiên trì"}),
    Route("review.final_assessment", "monitor", "self_assessed", lambda i: f"/tasks/{i['task']}/final-assessment",
          lambda sc, i: {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt",
                         "shortcomings": "", "causes": ""}),
    Route("review.verdict", "standing", "final_assessed", lambda i: f"/tasks/{i['task']}/verdict",
          lambda sc, i: verdict_form(sc)),
    Route("review.reopen", "standing", "reviewed", lambda i: f"/tasks/{i['task']}/reopen",
          lambda sc, i: {"reason": "Phát hiện sai số liệu"}),
    Route("review.carry_over", "owner", "reviewed", lambda i: f"/tasks/{i['task']}/carry-over",
          lambda sc, i: {"year_id": _next_year_id(sc), "reason": "Còn 3 hộ"}),
    # the emulation council's decision on a commendation proposal, recorded by the secretariat
    Route("rating.decide", "secretariat", "proposal", lambda i: f"/commendations/{i['verdict']}/decision",
          lambda sc, i: {"decision": "accepted", "decision_ref": "45-QĐ/ĐU", "decided_on": "15/03/2026",
                         "reason": ""}),
    # one's own account
    Route("auth.login", None, "none", lambda i: "/login",
          lambda sc, i: {"username": "owner", "password": PASSWORD, "remember": "y"}, exclude=THROTTLE_TABLES),
    Route("auth.forgot_password", None, "none", lambda i: "/password/forgot",
          lambda sc, i: {"identifier": "owner"}, exclude=THROTTLE_TABLES),
    Route("auth.reset_password", None, "reset", lambda i: f"/password/reset/{i['token']}",
          lambda sc, i: {"new_password": "mot-mat-khau-moi-42", "confirm": "mot-mat-khau-moi-42"},
          exclude=THROTTLE_TABLES),
    Route("auth.set_language", "owner", "none", lambda i: "/language/en", lambda sc, i: {"next": "/tasks/"},
          lenient=True),
    Route("auth.logout", "owner", "none", lambda i: "/logout", lambda sc, i: {}),
    Route("auth.sign_out_everywhere", "owner", "none", lambda i: "/profile/sign-out-everywhere", lambda sc, i: {}),
    Route("auth.profile", "owner", "none", lambda i: "/profile",
          lambda sc, i: {"current_password": PASSWORD, "new_password": "mot-mat-khau-moi-42",
                         "confirm": "mot-mat-khau-moi-42"}),
    Route("auth.create_token", "owner", "none", lambda i: "/profile/tokens", lambda sc, i: {"name": "Báo cáo tự động"}),
    Route("auth.revoke_token", "owner", "token", lambda i: f"/profile/tokens/{i['token']}/revoke", lambda sc, i: {}),
    # a past year's register entered afterwards (nhập bổ sung) by the office
    Route("backfill.new_task", "secretariat", "none", lambda i: "/backfill/new",
          lambda sc, i: {**task_form(sc, deadline="30/11/2025", **{"milestones-0-due_on": "30/06/2025"}),
                         "year_id": str(sc.past_year.id), "registrant": f"{sc.world.owner.id}:{sc.world.unit.id}",
                         "owner_unit_id": "0", "backfill_on": "15/01/2025", "is_committed": "y"}),
    # bulk registration from a spreadsheet: the check (changes nothing), then the confirmed import
    Route("imports.check", "secretariat", "none", lambda i: "/imports/registrations/check",
          lambda sc, i: {"file": (_registration_sheet(sc), "dang-ky.csv")}, upload=True),
    Route("imports.confirm", "secretariat", "none", lambda i: "/imports/registrations/confirm",
          lambda sc, i: {"content": base64.b64encode(_registration_sheet(sc)).decode("ascii"),
                         "filename": "dang-ky.csv"}),
    # the audit check (changes nothing)
    Route("dossier.verify", "secretariat", "none", lambda i: "/audit/verify", lambda sc, i: {}),
    # long files asked for as background jobs (with the jobs off, as here: a redirect to the file)
    Route("dossier.unit_export_job", "standing", "top_unit", lambda i: f"/units/{i['unit']}/dossier.pdf/job",
          lambda sc, i: {}),
    Route("main.report_export_job", "standing", "none", lambda i: "/reports/so_ket.xlsx/job?year=2026",
          lambda sc, i: {}),
    # administration
    Route("admin.field_new", "secretariat", "none", lambda i: "/admin/fields/new",
          lambda sc, i: {"name": f"Lĩnh vực {_new_username(sc)}", "sort_order": "5", "is_active": "y"}),
    Route("admin.field_edit", "secretariat", "field", lambda i: f"/admin/fields/{i['field']}/edit",
          lambda sc, i: {"name": f"GPMB {_new_username(sc)}", "sort_order": "1", "is_active": "y"}),
    Route("admin.year_new", "secretariat", "none", lambda i: "/admin/years/new",
          lambda sc, i: year_form(2027 + int(_new_username(sc).removeprefix("nguoimoi")))),
    Route("admin.year_edit", "secretariat", "year", lambda i: f"/admin/years/{i['year']}/edit",
          lambda sc, i: {**year_form(2026), "registration_closes_on": "31/12/2026"}),
    Route("admin.person_new", "secretariat", "none", lambda i: "/admin/people/new",
          lambda sc, i: {**person_form(sc, _new_username(sc)), "password": "mat-khau-ban-dau-77"}),
    Route("admin.person_edit", "secretariat", "victim", lambda i: f"/admin/people/{i['person']}/edit",
          lambda sc, i: person_form(sc, _new_username(sc))),
    Route("admin.person_active", "secretariat", "victim", lambda i: f"/admin/people/{i['person']}/active",
          lambda sc, i: {"active": "0"}),
    Route("admin.person_password", "secretariat", "victim", lambda i: f"/admin/people/{i['person']}/password",
          lambda sc, i: {"new_password": "mat-khau-dat-lai-88"}),
    Route("admin.unit_new", "secretariat", "none", lambda i: "/admin/units/new", lambda sc, i: unit_form(sc)),
    Route("admin.unit_edit", "secretariat", "unit", lambda i: f"/admin/units/{i['unit']}/edit",
          lambda sc, i: unit_form(sc)),
    Route("admin.unit_merge", "secretariat", "unit", lambda i: f"/admin/units/{i['unit']}/merge",
          lambda sc, i: {"into_id": str(i["into"])}),
    Route("public.settings", "secretariat", "unit", lambda i: f"/admin/units/{i['unit']}/public",
          lambda sc, i: {"is_enabled": "y", "columns": "owner"}),
]


def _api_task(sc: Scene) -> dict[str, Any]:
    data = task_input(sc.world.field, sc.world.year, title="Việc mới qua API")
    data["deadline"] = data["deadline"].isoformat()
    data["milestones"] = [{**m, "due_on": m["due_on"].isoformat()} for m in data["milestones"]]
    return {**data, "year": sc.world.year.year}


API_ROUTES: list[Route] = [
    Route("api_tasks.create_task", "owner", "none", lambda i: f"{API}/tasks", lambda sc, i: _api_task(sc)),
    Route("api_tasks.update_task", "owner", "draft", lambda i: f"{API}/tasks/{i['task']}",
          lambda sc, i: {"title": "Tên mới", "indicators": [{"name": "Hộ", "unit": "hộ", "baseline": 44,
                                                             "target": 0}]}, method="PATCH"),
    Route("api_tasks.submit_task", "owner", "draft", lambda i: f"{API}/tasks/{i['task']}/submit", lambda sc, i: {}),
    Route("api_tasks.withdraw_task", "owner", "submitted", lambda i: f"{API}/tasks/{i['task']}/withdraw",
          lambda sc, i: {"reason": "Không còn phù hợp"}),
    Route("api_tasks.approve_task", "standing", "submitted", lambda i: f"{API}/tasks/{i['task']}/approve",
          lambda sc, i: {"decision_ref": "12-QĐ/ĐU", "decision_date": "2026-03-15",
                         "monitor_id": sc.world.monitor.id}),
    Route("api_tasks.return_task", "standing", "submitted", lambda i: f"{API}/tasks/{i['task']}/return",
          lambda sc, i: {"comment": "Bổ sung"}),
    Route("api_tasks.adjust_task", "standing", "approved", lambda i: f"{API}/tasks/{i['task']}/adjust",
          lambda sc, i: {"reason": "Điều chỉnh", "indicators": [{"name": "Hộ", "unit": "hộ", "baseline": 44,
                                                                 "target": 4}]}),
    Route("api_tasks.assign_monitor", "standing", "approved", lambda i: f"{API}/tasks/{i['task']}/assign-monitor",
          lambda sc, i: {"monitor_id": sc.world.other_monitor.id}),
    Route("api_progress.create_note", "owner", "approved", lambda i: f"{API}/tasks/{i['task']}/notes",
          lambda sc, i: {"quarter": 1, "work_done": "Quý một", "status": "on_track",
                         "values": {str(i["indicator"]): 25}}),
    Route("api_progress.update_note", "owner", "note", lambda i: f"{API}/notes/{i['note']}",
          lambda sc, i: {"work_done": "Sửa", "values": {str(i["indicator"]): 30}}, method="PATCH"),
    Route("api_progress.amend_note", "owner", "note", lambda i: f"{API}/notes/{i['note']}/amendments",
          lambda sc, i: {"reason": "Sai", "work_done": "Sửa", "values": {str(i["indicator"]): 30}}, at=AMEND_AT),
    Route("api_progress.upload_file", "owner", "upload", lambda i: f"{API}/notes/{i['note']}/files",
          lambda sc, i: {}, upload=True),
    Route("api_monitoring.create_assessment", "monitor", "approved", lambda i: f"{API}/tasks/{i['task']}/assessments",
          lambda sc, i: {"period": "q1", "supervision_form": "field_survey", "judgement": "on_track",
                         "strengths": "Tốt", "recommendations": [{"content": "Công khai", "addressee": "UBND",
                                                                 "reply_deadline": "2026-12-01"}]}),
    Route("api_monitoring.acknowledge_assessment", "owner", "assessment",
          lambda i: f"{API}/assessments/{i['assessment']}/acknowledge", lambda sc, i: {}),
    Route("api_monitoring.reply_to_recommendation", "owner", "assessment",
          lambda i: f"{API}/recommendations/{i['rec']}/reply", lambda sc, i: {"reply": "Đã làm"}),
    Route("api_review.self_assess", "owner", "approved", lambda i: f"{API}/tasks/{i['task']}/self-assessment",
          lambda sc, i: {"reached": {str(i["indicator"]): 0}, "deliverable": "Xong",
                         "self_level_id": sc.levels["on_time"].id}),
    Route("api_review.record_verdict", "standing", "final_assessed", lambda i: f"{API}/tasks/{i['task']}/verdict",
          lambda sc, i: {"level_id": sc.levels["partial"].id, "percent": 60, "reasons": "Một phần",
                         "commendation": "none", "measures": "Chuyển sang năm sau"}),
    Route("api_review.reopen", "standing", "reviewed", lambda i: f"{API}/tasks/{i['task']}/reopen",
          lambda sc, i: {"reason": "Sai số liệu"}),
    Route("api_review.carry_over", "owner", "reviewed", lambda i: f"{API}/tasks/{i['task']}/carry-over",
          lambda sc, i: {"year_id": sc.next_year.id, "reason": "Còn dở"}),
    Route("api_rating.record_decision", "secretariat", "proposal",
          lambda i: f"{API}/commendations/{i['verdict']}/decision",
          lambda sc, i: {"decision": "not_accepted", "decided_on": "2026-03-15", "reason": "Chưa đủ tiêu chuẩn"}),
]

ROUTES = WEB + API_ROUTES
#: requests that change nothing even when they are accepted (or change only the session)
READ_ONLY = {"dossier.verify", "auth.set_language", "imports.check", "dossier.unit_export_job",
             "main.report_export_job"}


def test_every_mutating_route_is_fuzzed(app):
    """Deny by default, as the authority matrix: a new POST, PATCH, PUT or DELETE route fails here until it has a
    row above."""
    mutating = {rule.endpoint for rule in app.url_map.iter_rules()
                if set(rule.methods or ()) & {"POST", "PATCH", "PUT", "DELETE"}}
    covered = {route.endpoint for route in ROUTES}
    assert mutating - covered == set(), "mutating routes without random input"
    assert covered - mutating == set(), "rows for routes the application no longer has"


# -- sending ---------------------------------------------------------------------------------------------------

def _messages(text: str) -> list[str]:
    """The error messages of a page (field and form level), or of a problem document."""
    found = re.findall(r'<p class="error"[^>]*>(.*?)</p>', text)
    found += re.findall(r'<div class="flash flash-error"[^>]*>(.*?)</div>', text, re.DOTALL)
    if text.startswith("{"):
        found.append(text[:600])
    return found


class Harness:
    """One route's client, signed in as its actor, with the route's target rows; sends one request and checks it."""

    def __init__(self, app, db, scene: Scene, route: Route):
        self.app, self.db, self.scene, self.route = app, db, scene, route
        self.client = app.test_client()
        self.ids: dict[str, Any] = {}
        self.csrf = ""
        self.last_text = ""
        self.fresh = False

    def prepare(self) -> None:
        """Fresh target rows and a fresh session (an accepted request may have used them up or signed out)."""
        self.client = self.app.test_client()  # no cookie of the last session (remember-me) is left
        self.scene.frozen_now(BUILD_AT)
        self.ids = TARGETS[self.route.target](self.scene)
        if self.route.endpoint == "monitoring.take_midyear":
            self.ids["year"] = self.scene.world.year.id
        self.db.session.commit()
        self.scene.frozen_now(self.route.at)
        with self.client.session_transaction() as session:
            session.clear()
            if self.route.actor is not None and not self.route.is_api:
                session["_user_id"] = str(self.scene.person(self.route.actor).id)
                session["_fresh"] = True
                session["_test_login"] = True
        if not self.route.is_api:
            page = self.client.get("/login" if self.route.actor is None else "/profile")
            match = CSRF.search(page.get_data(as_text=True))
            assert match, f"no CSRF token on the page ({page.status_code})"
            self.csrf = match.group(1)
        self.fresh = True

    def send(self, body: Any):
        route, url = self.route, self.route.path(self.ids)
        if route.is_api:
            headers = {"Authorization": f"Bearer {self.scene.tokens[route.actor]}"}
            if route.method == "PATCH":
                headers["If-Match"] = "*"
            if route.upload:
                return self.client.open(url, method=route.method, data=_streams(body), headers=headers,
                                        content_type="multipart/form-data")
            kind = "application/json" if not isinstance(body, tuple) else body[1]
            data = body if not isinstance(body, tuple) else body[0]
            return self.client.open(url, method=route.method, data=data, headers=headers, content_type=kind)
        if route.upload:
            return self.client.post(url, data={**_streams(body), "csrf_token": self.csrf},
                                    content_type="multipart/form-data")
        pairs = [*body, ("csrf_token", self.csrf)]
        return self.client.post(url, data=form_bytes(pairs), content_type="application/x-www-form-urlencoded")

    def check(self, body: Any, *, must_accept: bool = False) -> int:
        """Send ``body``: no 5xx; a refusal changes nothing and says why; an accepted request has used the rows
        (they are made again for the next example), unless it is one that changes nothing."""
        before = digest(self.db, self.route.exclude)
        response = self.send(body)
        status, text = response.status_code, response.get_data(as_text=True)
        response.close()
        self.last_text = text
        shown = f"{self.route.endpoint} answered {status}: {_messages(text) or text[:600]}"
        assert status < 500, shown
        if status < 400:
            if self.route.endpoint in READ_ONLY:
                assert changed(before, digest(self.db, self.route.exclude)) == [], f"it changed rows: {shown}"
            self.fresh = self.route.endpoint in READ_ONLY
            return status
        assert not must_accept, shown
        assert changed(before, digest(self.db, self.route.exclude)) == [], f"a refused request changed rows: {shown}"
        if self.route.is_api:
            assert response.mimetype == "application/problem+json", shown
            problem = json.loads(text)
            assert problem["status"] == status, shown
            if status == 422:
                assert problem.get("errors"), shown
        elif status == 422:
            assert 'class="error"' in text or "flash-error" in text, f"a 422 page without a message: {shown}"
        return status


@pytest.fixture
def scene(frozen_now, world, levels, make_task, make_reviewed_task, make_year, make_unit, make_person, app,
          db, tmp_path, monkeypatch, token_for) -> Scene:
    frozen_now(BUILD_AT)
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    next_year = make_year(world.year.year + 1)
    past_year = make_year(world.year.year - 1, is_open=False)  # over: its register is entered afterwards
    tokens = {name: token_for(getattr(world, name)) for name in ("owner", "standing", "monitor", "secretariat")}
    db.session.commit()
    return Scene(world, levels, next_year, past_year, tokens, make_task, make_reviewed_task, make_unit, make_person,
                 frozen_now, tmp_path / "evidence")


@pytest.fixture
def token_for(db):
    made: dict[int, str] = {}

    def make(person) -> str:
        if person.id not in made:
            made[person.id] = token_service.create_token(person, "Kiểm thử")[1]
        return made[person.id]
    return make


UPLOAD_NAMES = st.one_of(st.sampled_from(["bien-ban.pdf", "ảnh hiện trường.png", "../../x.pdf", "a" * 300 + ".pdf",
                                          ".pdf", "x.exe", "x.pdf.exe", "CON.pdf", "a\\b.pdf", "noext"]),
                         st.text(st.characters(exclude_categories=("Cs",)), max_size=30))
UPLOAD_CONTENT = st.one_of(st.just(PDF), st.binary(max_size=200), st.just(b""), st.just(b"\x89PNG\r\n\x1a\n" + b"0" * 50),
                           st.just(b"PK\x03\x04" + b"\x00" * 40), st.just(b"<html><script>x</script></html>"))


@st.composite
def upload_body(draw) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if draw(st.integers(0, 5)):
        body["file"] = (draw(UPLOAD_CONTENT), draw(UPLOAD_NAMES))
    for key in draw(st.lists(st.sampled_from(["file", "name", "note_id", "x"]), max_size=2)):
        body.setdefault(key, draw(st.text(st.characters(exclude_categories=("Cs",)), max_size=20)))
    return body


def _streams(body: dict[str, Any]) -> dict[str, Any]:
    """A multipart body with a fresh stream for each file given as (content, name)."""
    return {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in body.items()}


def _oversized(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _oversized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_oversized(v) for v in value]
    return "9" * 60001


def _oversized_body(harness: Harness) -> Any:
    """The accepted payload with every value 60,001 characters long (an upload: a file that is no document)."""
    route, base = harness.route, harness.route.base(harness.scene, harness.ids)
    if route.upload:
        return {"file": (b"9" * 60001, "bien-ban.pdf")}
    if route.is_api:
        return json.dumps(_oversized(base)).encode("utf-8")
    return [(key, "9" * 60001) for key in base]


def _base_body(harness: Harness) -> Any:
    route, base = harness.route, harness.route.base(harness.scene, harness.ids)
    if route.upload:  # an evidence file, unless the route's base names its own (a spreadsheet)
        return {"file": base.get("file", (PDF, "bien-ban.pdf"))}
    if route.is_api:
        return json.dumps(base).encode("utf-8")
    return list(base.items())


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.endpoint)
def test_random_input_never_fails_and_a_refusal_changes_nothing(route, scene, app, db):
    harness = Harness(app, db, scene, route)
    harness.prepare()
    harness.check(_base_body(harness), must_accept=True)  # the payloads below start from one that is accepted
    if not harness.fresh:
        harness.prepare()
    if (route.base(scene, harness.ids) or route.upload) and not route.lenient:  # (a button has no input)
        assert harness.check(_oversized_body(harness)) >= 400, "every field far too long, yet accepted"

    @SETTINGS
    @given(data=st.data())
    def run(data):
        if not harness.fresh:  # every example starts from rows no request has used
            harness.prepare()
        twice = data.draw(st.integers(0, 3), label="sent twice") == 0
        if route.upload:
            body = data.draw(upload_body(), label="upload")
        elif route.is_api:
            body = data.draw(json_body(route.base(scene, harness.ids)), label="json")
            if data.draw(st.integers(0, 14), label="content type") == 0:
                body = (body, data.draw(st.sampled_from(["text/plain", "application/x-www-form-urlencoded",
                                                         "application/json; charset=latin-1"]), label="type"))
        else:
            body = data.draw(mutated_form(route.base(scene, harness.ids)), label="form")
        if harness.check(body) < 400 and twice:  # the same again on the rows it has just used: out of order
            harness.check(body)

    run()
    db.session.rollback()
    report = verify_all(app.config["AUDIT_KEY"], scene.store_dir)
    assert report.ok, report


def test_the_harness_sees_a_half_written_refusal(scene, app, db, monkeypatch):
    """A refusal that committed part of its work is caught: the check is not one that cannot fail."""
    harness = Harness(app, db, scene, next(r for r in ROUTES if r.endpoint == "tasks.return_"))
    harness.prepare()

    def half_written(actor, task, *, comment):
        task.return_comment = comment
        _db.session.commit()
        raise Conflict("refused after a commit")
    monkeypatch.setattr(task_service, "return_task", half_written)
    with pytest.raises(AssertionError, match="a refused request changed rows"):
        harness.check(_base_body(harness))


# -- the same indicator rule on every form ------------------------------------------------------------------------

def test_negative_indicator_values_are_refused_on_every_form_and_in_the_api(scene, app, db):
    """Form A (registration), Form B (a quarter's value) and Form D (the value reached) refuse a negative number
    with a message on the field, on the page and in the API, and store nothing."""
    harness = {r.endpoint: Harness(app, db, scene, r) for r in ROUTES if r.endpoint in (
        "tasks.new", "progress.new_note", "review.self_assessment", "api_tasks.create_task",
        "api_progress.create_note", "api_review.self_assess")}
    for endpoint, h in harness.items():
        h.prepare()
        base = h.route.base(scene, h.ids)
        if endpoint == "tasks.new":
            body: Any = list({**base, "indicators-0-baseline": "-44"}.items())
        elif endpoint == "progress.new_note":
            body = list({**base, f"values-{h.ids['indicator']}": "-3,5"}.items())
        elif endpoint == "review.self_assessment":
            body = list({**base, f"reached-{h.ids['indicator']}": "-1"}.items())
        elif endpoint == "api_tasks.create_task":
            body = json.dumps({**base, "indicators": [{**base["indicators"][0], "target": -1}]}).encode()
        elif endpoint == "api_progress.create_note":
            body = json.dumps({**base, "values": {str(h.ids["indicator"]): -0.5}}).encode()
        else:
            body = json.dumps({**base, "reached": {str(h.ids["indicator"]): -2}}).encode()
        before = digest(db)
        response = h.send(body)
        text = response.get_data(as_text=True)
        assert response.status_code == 422, (endpoint, response.status_code, text[:300])
        if h.route.is_api:
            errors = json.loads(text)["errors"]
            key = "indicators.0.target" if endpoint == "api_tasks.create_task" else \
                f"{'values' if endpoint == 'api_progress.create_note' else 'reached'}.{h.ids['indicator']}"
            assert errors == {key: ["Giá trị không được âm."]}, (endpoint, errors)
        else:
            name = "indicators-0-baseline" if endpoint == "tasks.new" else \
                f"{'values' if endpoint == 'progress.new_note' else 'reached'}-{h.ids['indicator']}"
            on_field = rf'name="{name}"[^>]*>(?:(?!<input).)*?<p class="error"[^>]*>Giá trị không được âm\.</p>'
            assert re.search(on_field, text, re.DOTALL), (endpoint, "the message is not on its field")
        assert changed(before, digest(db)) == [], endpoint


@pytest.mark.parametrize("endpoint, name, limit", [
    ("api_tasks.withdraw_task", "reason", 5000), ("api_tasks.return_task", "comment", 5000),
    ("api_tasks.adjust_task", "reason", 5000), ("api_progress.amend_note", "reason", 5000),
    ("api_review.reopen", "reason", 20000), ("api_review.carry_over", "reason", 20000)])
def test_reasons_have_the_pages_limits_in_the_api(endpoint, name, limit, scene, app, db):
    """A reason or comment one character longer than its page allows is refused by the API as well (it was
    stored whole); one of exactly the limit is accepted."""
    harness = Harness(app, db, scene, next(r for r in ROUTES if r.endpoint == endpoint))
    harness.prepare()
    base = harness.route.base(scene, harness.ids)
    assert harness.check(json.dumps({**base, name: "x" * (limit + 1)}).encode()) == 422
    assert json.loads(harness.last_text)["errors"] == {name: [f"Tối đa {limit} ký tự."]}
    harness.check(json.dumps({**base, name: "x" * limit}).encode(), must_accept=True)


@pytest.mark.parametrize("endpoint, name", [("admin.person_new", "grants-0-unit_id"),
                                            ("admin.person_edit", "grants-0-unit_id"),
                                            ("admin.field_new", "sort_order"), ("admin.field_edit", "sort_order")])
@pytest.mark.parametrize("number", ["99999999999999999999", "-99999999999999999999", "2147483648"])
def test_numbers_beyond_a_database_integer_are_refused(endpoint, name, number, scene, app, db):
    """A number no INTEGER column holds is a field error (it was a 500 on SQLite, and on PostgreSQL past 2³¹)."""
    harness = Harness(app, db, scene, next(r for r in ROUTES if r.endpoint == endpoint))
    harness.prepare()
    base = harness.route.base(scene, harness.ids)
    assert harness.check(list({**base, name: number}.items())) == 422
    assert _messages(harness.last_text), "no message on the page"


# -- carry-over keeps each indicator's direction ------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(baseline=st.one_of(st.none(), st.integers(0, 100)), target=st.integers(0, 100),
       reached=st.integers(0, 120))
def test_carried_indicators_keep_their_direction(baseline, target, reached):
    """The value reached becomes the carried row's baseline only when the target is still ahead of it, in the
    indicator's own direction (up to a target above the baseline, down to one below); a met indicator is left out,
    so a carried row is never impossible (baseline = target) or reversed."""
    if baseline == target:
        return  # refused at registration
    row = type("Row", (), {"baseline": baseline, "target": target})()
    if review.is_met(row, reached):
        if baseline is None:
            assert reached == target
        else:
            assert (reached - target) * (target - baseline) >= 0  # at or past the target, going its way
        return
    assert reached != target
    if baseline is not None:
        assert (target - reached) * (target - baseline) > 0  # the target is still ahead, the same way


def test_carry_over_leaves_out_met_indicators(make_task, make_year, world, levels, db, frozen_now):
    frozen_now(BUILD_AT)
    task = make_task(S.APPROVED, indicators=[
        {"name": "Hộ chưa đồng thuận", "unit": "hộ", "baseline": 44, "target": 0},
        {"name": "Diện tích bàn giao", "unit": "ha", "baseline": 10, "target": 104},
        {"name": "Hồ sơ hoàn thiện", "unit": "%", "baseline": 20, "target": 100}])
    ids = [i.id for i in task.indicators]
    review.submit_self_assessment(world.owner, task, {"reached": {ids[0]: 8, ids[1]: 104, ids[2]: 35},
                                                      "deliverable": "Một phần", "self_level_id": levels["partial"].id})
    monitoring.add_assessment(world.monitor, task, Period.FINAL, {"supervision_form": "field_survey",
                                                                  "judgement": "late", "shortcomings": "Chậm"})
    review.record_verdict(world.standing, task, {"level_id": levels["partial"].id, "percent": 60,
                                                 "reasons": "Một phần", "measures": "Chuyển sang năm sau"})
    carried = review.carry_over(world.owner, task, make_year(world.year.year + 1), "Còn 8 hộ")
    assert [(i.name, i.baseline, i.target) for i in carried.indicators] == [
        ("Hộ chưa đồng thuận", 8, 0), ("Hồ sơ hoàn thiện", 35, 100)]  # the 104 ha reached is not carried
    assert [i.position for i in carried.indicators] == [0, 1]
