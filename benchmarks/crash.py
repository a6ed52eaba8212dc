"""Crash test: ``python -m benchmarks.crash [--rounds 20] [--writers 8] [--db sqlite|postgresql|both]``
(``make crash-test``).

For each database: generates the ``tiny`` dataset (``flask --app registry generate --scale tiny``), opens the
next year's registration window (in December the current year's is closed, as in real life), serves it exactly
as ``make run`` does (``gunicorn -w 2 "registry:create_app()"``, on 127.0.0.1 and a free port) and starts
``--writers`` concurrent writers, each one real owner of the dataset with the Standing Committee and Front
monitors of its committee. Half of them use the HTML pages (the login form, every form fetched and posted with
its CSRF token, files as multipart uploads), the other half the JSON API with personal tokens. They register
tasks, submit them, approve them (the Standing Committee, naming the monitor), assess them (the monitor, Form C),
write quarterly notes with an evidence file and attach evidence files to notes, each write carrying a unique
marker in its title, text or file name. Every write the server acknowledged (2xx, or the form's 302, with the
created id) is recorded; so is every write whose answer was cut off (in doubt) and every write refused.

``--rounds`` times, at a random moment (``--min-up`` to ``--max-up`` seconds after the server answered), the
gunicorn master and its workers are killed at once with SIGKILL and started again. When the rounds are over the
server is stopped and the data is checked:

- every acknowledged write is present exactly once (found by its marker; a transition by its audit event and
  the task's state); a write in doubt at most once; a refused one not at all;
- every row written has its one audit event;
- SQLite ``PRAGMA integrity_check`` and ``foreign_key_check`` / PostgreSQL ``amcheck`` of every index;
- ``flask --app registry audit verify`` passes;
- no evidence row points to a missing or changed file (files left without a row are counted apart: a kill
  between the file's write and the commit leaves one, which nothing references).

Prints a table of figures and exits 1 when a check fails. ``--db`` chooses the databases (default: SQLite, and
PostgreSQL too when a throwaway cluster can be started as ``scripts/test-postgres.sh`` starts one);
``CRASH_DB=postgresql://…`` runs on that database instead of a throwaway cluster: EVERYTHING IN IT IS DELETED.
Only loopback addresses and unix sockets are used; every wait is bounded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.harness import (
    PostgresUnavailable,
    Server,
    app_env,
    find_form,
    flask,
    free_port,
    generate,
    people,
    sign_in,
    throwaway_postgres,
)

TIMEOUT = 30
VN = timezone(timedelta(hours=7))

# -- the ledger of writes ---------------------------------------------------------------------------------------

@dataclass
class Write:
    kind: str            # task, submit, approve, assessment, note, file
    marker: str          # the unique text the row carries (for a transition: the task's marker)
    outcome: str         # ack, doubt, refused, rejected, error
    status: int | None = None
    task_id: int | None = None
    created_id: int | None = None
    via: str = ""


@dataclass
class Ledger:
    writes: list[Write] = field(default_factory=list)
    reads_failed: int = 0
    rejections: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)
            if write.outcome in ("rejected", "error"):
                self.rejections[(write.kind, write.status)] += 1


class Cut(Exception):
    """The request's answer never arrived: refused (the server is down) or cut off (killed under it)."""

    def __init__(self, refused: bool):
        super().__init__("refused" if refused else "cut")
        self.refused = refused


def _request(session: requests.Session, method: str, url: str, **kwargs) -> requests.Response:
    try:
        return session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
    except requests.ConnectionError as exc:
        raise Cut(refused="refused" in str(exc).lower()) from exc
    except requests.RequestException as exc:
        raise Cut(refused=False) from exc


def evidence_bytes(marker: str) -> bytes:
    return (b"%PDF-1.4\n% crash test evidence " + marker.encode() + b" " + secrets.token_hex(64).encode()
            + b"\n%%EOF\n")


# -- one simulated person ----------------------------------------------------------------------------------------

class Person:
    """One user of the dataset, on the pages (a signed-in browser session) or on the API (a personal token)."""

    def __init__(self, base: str, username: str, password: str, token: str, html: bool):
        self.base, self.username, self.password, self.html = base, username, password, html
        self.web = requests.Session()
        if not html:
            self.web.headers["Authorization"] = f"Bearer {token}"
        self.signed_in = False

    def get(self, path: str) -> requests.Response:
        if self.html and not self.signed_in:
            try:
                sign_in(self.web, self.base, self.username, self.password, timeout=TIMEOUT)
            except requests.RequestException as exc:
                raise Cut(refused="refused" in str(exc).lower()) from exc
            self.signed_in = True
        response = _request(self.web, "GET", self.base + path)
        if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            self.signed_in = False
        return response

    def post(self, path: str, **kwargs) -> requests.Response:
        return _request(self.web, "POST", path if path.startswith("http") else self.base + path, **kwargs)


def _redirected(response: requests.Response, pattern: str = "") -> re.Match | None:
    """The form's redirect after a kept change (a 302 that is not back to the login page)."""
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "/login" in location:
        return None
    return re.search(pattern, location) if pattern else re.match(".*", location)


class Writer(threading.Thread):
    """An owner with the Standing Committee and monitors of its committee, writing until told to stop."""

    def __init__(self, index: int, base: str, spec: dict, setup: dict, password: str, ledger: Ledger,
                 run: str, stop: threading.Event, seed: int):
        super().__init__(daemon=True, name=f"writer-{index}")
        self.index, self.spec, self.setup, self.ledger, self.run_tag, self.stop = (
            index, spec, setup, ledger, run, stop)
        self.html = index % 2 == 0
        self.via = "pages" if self.html else "API"
        tokens = setup["tokens"]

        def make(username: str) -> Person:
            return Person(base, username, password, tokens[username], self.html)

        self.owner = make(spec["owner"])
        self.standing = [make(u) for u in spec["standing"]]
        self.monitors = [make(m["username"]) for m in spec["monitors"]]
        self.monitor_ids = {m["username"]: m["id"] for m in spec["monitors"]}
        self.random = random.Random(seed)
        self.count = 0
        self.last: Write | None = None
        self.created: list[tuple[int, str]] = []     # drafts to submit
        self.submitted: list[tuple[int, str]] = []   # to approve
        self.approved: list[tuple[int, str, str]] = []   # to assess: (task, marker, monitor)
        self.note_pool = [(t, q, tuple(i)) for t, q, i in spec["note_pool"]]
        self.upload_notes = [tuple(x) for x in spec["upload_notes"]]
        self.base = base

    def marker(self) -> str:
        self.count += 1
        return f"KT{self.run_tag}-{self.index}-{self.count:05d}"

    def record(self, kind, marker, outcome, status=None, task_id=None, created_id=None) -> Write:
        write = Write(kind, marker, outcome, status, task_id, created_id, self.via)
        self.ledger.add(write)
        self.last = write
        return write

    # each write: returns after recording it; raises Cut when a read before it failed
    def attempt(self, kind: str, marker: str, task_id: int | None, send, accept) -> object:
        """Send one write; record its outcome. ``accept(response)`` gives the created id (or True) when the
        server acknowledged it, None when it refused it."""
        try:
            response = send()
        except Cut as cut:
            self.record(kind, marker, "refused" if cut.refused else "doubt", None, task_id)
            if cut.refused:
                time.sleep(0.25)  # the server is down: a person would try again a moment later
            return None
        created = accept(response)
        if created is not None:
            self.record(kind, marker, "ack", response.status_code, task_id,
                        created if isinstance(created, int) and not isinstance(created, bool) else None)
            return created
        outcome = "error" if response.status_code >= 500 else "rejected"
        self.record(kind, marker, outcome, response.status_code, task_id)
        if os.environ.get("CRASH_VERBOSE"):
            print(f"  [{self.name}] {kind} {response.status_code}: {response.text[:300]!r}", flush=True)
        return False

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.step()
            except Cut:
                self.ledger.reads_failed += 1
                time.sleep(0.25)
            except (LookupError, ValueError, KeyError) as exc:  # a page that was not the expected one
                self.ledger.reads_failed += 1
                if os.environ.get("CRASH_VERBOSE"):
                    print(f"  [{self.name}] {exc}", flush=True)
                time.sleep(0.1)

    def step(self) -> None:
        r = self.random.random()
        if self.created and r < 0.7:
            return self.submit()
        if self.submitted and r < 0.7:
            return self.approve()
        if self.approved and r < 0.5:
            return self.assess()
        r = self.random.random()
        if r < 0.45:
            return self.create()
        if r < 0.65 and self.note_pool:
            return self.note()
        if self.upload_notes:
            return self.upload()
        return self.create()

    # -- the writes --------------------------------------------------------------------------------------------

    def create(self) -> None:
        marker = self.marker()
        title = f"{marker} Giải phóng mặt bằng khu tái định cư (kiểm thử sự cố)"
        year = self.setup["year"]
        if self.html:
            page = self.owner.get("/tasks/new")
            form = find_form(page.text, page.url, r"/tasks/new$")
            data = form.data(kind=form.choice("kind"), field_id=form.choice("field_id"), title=title,
                             goal="Hoàn thành bàn giao mặt bằng", deliverable="Mặt bằng sạch 12 ha",
                             deadline=f"30/11/{year}", year_id=form.choice("year_id", str(year)),
                             is_committed="y", action="save", **{
                                 "indicators-0-name": "Diện tích bàn giao", "indicators-0-unit": "ha",
                                 "indicators-0-baseline": "0", "indicators-0-target": "12"})
            send = lambda: self.owner.post(form.action, data=data)  # noqa: E731
            accept = lambda resp: (int(m.group(1)) if (m := _redirected(resp, r"/tasks/(\d+)$")) else None)  # noqa: E731
        else:
            body = {"year": year, "kind": "hard", "field_id": self.setup["field_id"], "title": title,
                    "goal": "Hoàn thành bàn giao mặt bằng", "deliverable": "Mặt bằng sạch 12 ha",
                    "deadline": f"{year}-11-30", "is_committed": True, "committee_id": self.spec["committee_id"],
                    "indicators": [{"name": "Diện tích bàn giao", "unit": "ha", "baseline": 0, "target": 12}]}
            send = lambda: self.owner.post("/api/v1/tasks", json=body)  # noqa: E731
            accept = lambda resp: resp.json()["id"] if resp.status_code == 201 else None  # noqa: E731
        created = self.attempt("task", marker, None, send, accept)
        if created:
            self.created.append((created, marker))

    def submit(self) -> None:
        task_id, marker = self.created[0]
        if self.html:
            page = self.owner.get(f"/tasks/{task_id}")
            form = find_form(page.text, page.url, rf"/tasks/{task_id}/submit$")
            send = lambda: self.owner.post(form.action, data=form.data())  # noqa: E731
            accept = lambda resp: True if _redirected(resp, rf"/tasks/{task_id}$") else None  # noqa: E731
        else:
            send = lambda: self.owner.post(f"/api/v1/tasks/{task_id}/submit")  # noqa: E731
            accept = lambda resp: True if resp.status_code == 200 else None  # noqa: E731
        done = self.attempt("submit", marker, task_id, send, accept)
        if done or (done is False and self.last.status == 409):  # 409: an answer cut off had landed
            self.created.pop(0)
            self.submitted.append((task_id, marker))

    def approve(self) -> None:
        task_id, marker = self.submitted[0]
        standing = self.random.choice(self.standing)
        monitor = self.random.choice(list(self.monitor_ids))
        today = datetime.now(VN).date()
        if self.html:
            page = standing.get(f"/tasks/{task_id}/decide")
            form = find_form(page.text, page.url, rf"/tasks/{task_id}/approve$")
            data = form.data(decision_ref=f"{self.count}-QĐ/ĐU", decision_date=today.strftime("%d/%m/%Y"),
                             monitor_id=str(self.monitor_ids[monitor]))
            send = lambda: standing.post(form.action, data=data)  # noqa: E731
            accept = lambda resp: True if _redirected(resp) else None  # noqa: E731
        else:
            body = {"decision_ref": f"{self.count}-QĐ/ĐU", "decision_date": today.isoformat(),
                    "monitor_id": self.monitor_ids[monitor]}
            send = lambda: standing.post(f"/api/v1/tasks/{task_id}/approve", json=body)  # noqa: E731
            accept = lambda resp: True if resp.status_code == 200 else None  # noqa: E731
        done = self.attempt("approve", marker, task_id, send, accept)
        if done or (done is False and self.last.status == 409):
            self.submitted.pop(0)
            if done:
                self.approved.append((task_id, marker, monitor))

    def assess(self) -> None:
        task_id, _task_marker, username = self.approved[0]
        monitor = next(m for m in self.monitors if m.username == username)
        marker = self.marker()
        strengths = f"{marker} Triển khai đúng tiến độ, có sự đồng thuận của nhân dân"
        if self.html:
            page = monitor.get(f"/tasks/{task_id}/assessments/new")
            if page.status_code == 409:
                self.approved.pop(0)
                return
            form = find_form(page.text, page.url, rf"/tasks/{task_id}/assessments/new$")
            data = form.data(period=form.choice("period"), supervision_form=form.choice("supervision_form"),
                             judgement=form.choice("judgement"), strengths=strengths)
            send = lambda: monitor.post(form.action, data=data)  # noqa: E731
            accept = lambda resp: True if _redirected(resp) else None  # noqa: E731
        else:
            body = {"period": "q1", "supervision_form": "document_review", "judgement": "on_track",
                    "strengths": strengths}
            send = lambda: monitor.post(f"/api/v1/tasks/{task_id}/assessments", json=body)  # noqa: E731
            accept = lambda resp: resp.json()["id"] if resp.status_code == 201 else None  # noqa: E731
        done = self.attempt("assessment", marker, task_id, send, accept)
        if done is not None:  # acknowledged or refused with an answer: this task is done
            self.approved.pop(0)

    def note(self) -> None:
        task_id, quarter, indicators = self.note_pool[0]
        marker = self.marker()
        work = f"{marker} Đã tổ chức đối thoại với các hộ dân, bàn giao 3 ha"
        if self.html:
            page = self.owner.get(f"/tasks/{task_id}/notes/new?quarter={quarter}")
            if page.status_code == 409:
                self.note_pool.pop(0)
                return
            form = find_form(page.text, page.url, rf"/tasks/{task_id}/notes/new")
            values = {name: "3" for name in form.fields if name.startswith("value") and not form.fields[name]}
            data = form.data(quarter=str(quarter), work_done=work, status=form.choice("status"), **values)
            if "percent_complete" in form.fields and not form.fields["percent_complete"]:
                data["percent_complete"] = "30"
            content = evidence_bytes(marker)
            send = lambda: self.owner.post(  # noqa: E731
                form.action, data=data, files={"file": (f"{marker}-bien-ban.pdf", content, "application/pdf")})
            accept = lambda resp: True if _redirected(resp, rf"/tasks/{task_id}") else None  # noqa: E731
            done = self.attempt("note", marker, task_id, send, accept)
            # the file went in the same request: it is a write of its own, with the note's outcome
            self.record("file", f"{marker}-bien-ban", self.last.outcome, self.last.status, task_id)
        else:
            body = {"quarter": quarter, "work_done": work, "status": "on_track",
                    "values": {str(i): 3 for i in indicators}}
            send = lambda: self.owner.post(f"/api/v1/tasks/{task_id}/notes", json=body)  # noqa: E731
            accept = lambda resp: resp.json()["id"] if resp.status_code == 201 else None  # noqa: E731
            done = self.attempt("note", marker, task_id, send, accept)
            if done:
                self.upload_notes.insert(0, (done, task_id))
        if done is not None:
            self.note_pool.pop(0)

    def upload(self) -> None:
        note_id, task_id = self.random.choice(self.upload_notes)
        marker = self.marker()
        name, content = f"{marker}-minh-chung.pdf", evidence_bytes(marker)
        if self.html:
            page = self.owner.get(f"/tasks/{task_id}")
            form = find_form(page.text, page.url, rf"/notes/{note_id}/files$")
            send = lambda: self.owner.post(  # noqa: E731
                form.action, data=form.data(), files={"file": (name, content, "application/pdf")})
            accept = lambda resp: True if _redirected(resp, rf"/tasks/{task_id}") else None  # noqa: E731
        else:
            send = lambda: self.owner.post(  # noqa: E731
                f"/api/v1/notes/{note_id}/files", files={"file": (name, content, "application/pdf")})
            accept = lambda resp: resp.json()["id"] if resp.status_code == 201 else None  # noqa: E731
        done = self.attempt("file", f"{marker}-minh-chung", task_id, send, accept)
        if done is False and self.last.status in (403, 409):
            self.upload_notes.remove((note_id, task_id))


# -- the checks ---------------------------------------------------------------------------------------------------

MARKED = {  # kind → (table, marked column, audit action)
    "task": ("tasks", "title", "task.create"),
    "assessment": ("assessments", "strengths", "assessment.create"),
    "note": ("progress_notes", "work_done", "note.create"),
    "file": ("evidence_files", "original_name", "evidence.attach"),
}
MARK = re.compile(r"^(KT[0-9a-f]+-\d+-\d{5}(?:-bien-ban|-minh-chung)?)")


def classify(writes: list[Write], found: dict[str, dict[str, list[int]]], events: dict[tuple[str, int], int],
             states: dict[int, str]) -> dict:
    """Compare the writes with what the database holds: ``found`` (kind → marker → row ids), ``events`` (audit
    action and object or task id → count) and ``states`` (our tasks' states). An acknowledged write must be
    there exactly once (with the id the server answered, and its one audit event); one cut off by a kill at
    most once; one refused not at all. A task's state must agree with its trail."""
    lost, duplicates, phantoms, doubt_landed, missing_events = [], [], [], 0, []
    for w in writes:
        if w.kind in MARKED:
            ids = found[w.kind].get(w.marker, [])
            if len(ids) > 1:
                duplicates.append(w)
            if w.outcome == "ack" and not ids:
                lost.append(w)
            elif w.outcome in ("refused", "rejected", "error") and ids:
                phantoms.append(w)
            elif w.outcome == "doubt" and ids:
                doubt_landed += 1
            if w.outcome == "ack" and w.created_id is not None and ids and ids != [w.created_id]:
                lost.append(w)  # a row was found, but not the one acknowledged
            action = MARKED[w.kind][2]
            for row_id in ids:
                if events.get((action, row_id), 0) != 1:
                    missing_events.append((w, row_id, events.get((action, row_id), 0)))
        else:  # a transition of a task of ours: its audit event and the task's state
            count = events.get((f"task.{w.kind}", w.task_id), 0)
            if count > 1:
                duplicates.append(w)
            if w.outcome == "ack" and count == 0:
                lost.append(w)
            if w.outcome == "ack":
                wanted = {"submit": ("submitted", "approved"), "approve": ("approved",)}[w.kind]
                if states.get(w.task_id) not in wanted:
                    lost.append(w)
    # a transition's event is counted once however many attempts were made
    duplicates = list({(w.kind, w.marker, w.task_id): w for w in duplicates}.values())
    lost = list({(w.kind, w.marker, w.task_id): w for w in lost}.values())
    for task_id, state in states.items():
        approved = events.get(("task.approve", task_id), 0)
        submitted = events.get(("task.submit", task_id), 0)
        expected = "approved" if approved else "submitted" if submitted else "draft"
        if state != expected:
            lost.append(Write("state", f"task {task_id}: {state}, trail says {expected}", "ack"))
    return {"lost": lost, "duplicates": duplicates, "phantoms": phantoms, "doubt_landed": doubt_landed,
            "missing_events": missing_events}


def check(url: str, env: dict, ledger: Ledger, run: str) -> dict:
    engine = create_engine(url)
    figures: dict = {}
    with engine.connect() as conn:
        found: dict[str, dict[str, list[int]]] = {}
        for kind, (table, column, _action) in MARKED.items():
            rows = conn.execute(text(f"SELECT id, {column} FROM {table} WHERE {column} LIKE :p"),  # noqa: S608
                                {"p": f"KT{run}-%"}).all()
            found[kind] = defaultdict(list)
            for row_id, value in rows:
                match = MARK.match(value)
                if match:
                    found[kind][match.group(1)].append(row_id)
        events: dict[tuple[str, int], int] = Counter()
        for action, object_id, task_id in conn.execute(text(
                "SELECT action, object_id, task_id FROM audit_events WHERE action IN "
                "('task.create', 'task.submit', 'task.approve', 'assessment.create', 'note.create', "
                "'evidence.attach')")):
            key_id = task_id if action in ("task.submit", "task.approve") else object_id
            events[(action, key_id)] += 1
        our_tasks = {row_id for ids in found["task"].values() for row_id in ids}
        states = {}
        if our_tasks:
            for task_id, state in conn.execute(text("SELECT id, state FROM tasks WHERE title LIKE :p"),
                                               {"p": f"KT{run}-%"}):
                states[task_id] = state
        evidence = conn.execute(text("SELECT stored_name, size_bytes, sha256 FROM evidence_files")).all()
        if engine.dialect.name == "sqlite":
            integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            figures["integrity"] = integrity if not fk else f"{integrity}; {len(fk)} foreign key violations"
        else:
            figures["integrity"] = postgres_sanity(conn)
    engine.dispose()

    acknowledged = [w for w in ledger.writes if w.outcome == "ack"]
    by_task_marker = {m: ids[0] for m, ids in found["task"].items() if ids}
    classified = classify(ledger.writes, found, events, states)
    lost, duplicates, phantoms = classified["lost"], classified["duplicates"], classified["phantoms"]
    doubt_landed, missing_events = classified["doubt_landed"], classified["missing_events"]

    folder = Path(env["REGISTRY_EVIDENCE_DIR"])
    on_disk = {p.name: p for p in folder.iterdir()} if folder.exists() else {}
    missing, changed = 0, 0
    for stored_name, size, sha in evidence:
        path = on_disk.pop(stored_name, None)
        if path is None:
            missing += 1
            continue
        content = path.read_bytes()
        if len(content) != size or hashlib.sha256(content).hexdigest() != sha:
            changed += 1
    partial = sum(1 for name in on_disk if name.endswith(".part"))

    verify = flask(env, "audit", "verify", "--json", timeout=1800, check=False)
    try:
        verified = json.loads(verify.stdout[verify.stdout.index("{"):])
    except ValueError:
        verified = {"raw": verify.stdout[-500:] + verify.stderr[-500:]}
    figures.update(
        attempted=sum(1 for w in ledger.writes if w.outcome != "refused"), acknowledged=len(acknowledged),
        in_doubt=sum(1 for w in ledger.writes if w.outcome == "doubt"), doubt_landed=doubt_landed,
        refused=sum(1 for w in ledger.writes if w.outcome == "refused"),
        rejected=sum(1 for w in ledger.writes if w.outcome == "rejected"),
        errors_5xx=sum(1 for w in ledger.writes if w.outcome == "error"),
        found=sum(1 for w in acknowledged if w not in lost),
        lost=lost, duplicates=duplicates, phantoms=phantoms, missing_events=missing_events,
        by_kind=Counter((w.kind, w.via) for w in acknowledged),
        files_missing=missing, files_changed=changed, orphans=len(on_disk) - partial, partial=partial,
        evidence_rows=len(evidence), verify_rc=verify.returncode, verify=verified,
        rejections=dict(ledger.rejections), tasks_found=len(by_task_marker),
    )
    return figures


def postgres_sanity(conn) -> str:
    """amcheck's ``bt_index_check`` of every B-tree index in the schema, and a count of every table."""
    try:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
        indexes = conn.exec_driver_sql(
            "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = current_schema()").scalars().all()
        for name in indexes:
            conn.execute(text("SELECT bt_index_check(CAST(:i AS regclass), true)"), {"i": name})
        checked = f"amcheck ok ({len(indexes)} indexes, heap included)"
    except Exception as exc:  # noqa: BLE001 - reported, not fatal: amcheck needs a superuser
        conn.rollback()
        checked = f"amcheck unavailable ({type(exc).__name__})"
    tables = conn.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").scalars().all()
    for table in tables:
        conn.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()  # every page readable
    conn.commit()
    return f"{checked}; {len(tables)} tables read"


def writers_of(setup: dict, count: int) -> dict:
    """``count`` owners taken in turn from each committee, each with its committee's Standing Committee
    members and monitors (never the owner himself)."""
    queues = [[(c, o) for o in c["owners"]] for c in setup["committees"]]
    chosen, seen = [], set()
    while len(chosen) < count and any(queues):
        for queue in queues:
            while queue and queue[0][1]["id"] in seen:
                queue.pop(0)
            if queue and len(chosen) < count:
                committee, owner = queue.pop(0)
                seen.add(owner["id"])
                chosen.append({
                    "owner": owner["username"], "committee_id": committee["id"],
                    "standing": [u for u in committee["standing"] if u != owner["username"]],
                    "monitors": [m for m in committee["monitors"] if m["id"] != owner["id"]],
                    "note_pool": owner["note_pool"], "upload_notes": owner["upload_notes"]})
    return {**setup, "writers": chosen}


def backup_roundtrip(url: str, env: dict, folder: Path) -> dict:
    """``flask --app registry backup`` of the crash-recovered data, then ``restore`` into a new database and
    evidence folder (SQLite: a new file; PostgreSQL: a new database in the same server), which verifies."""
    out: dict = {}
    started = time.perf_counter()
    made = flask(env, "backup", str(folder / "backup"), timeout=1800, check=False)
    out["backup_s"], out["backup_rc"] = time.perf_counter() - started, made.returncode
    out["backup_mb"] = sum(p.stat().st_size for p in (folder / "backup").rglob("*") if p.is_file()) / 2**20 \
        if (folder / "backup").exists() else 0.0
    if made.returncode != 0:
        out["restore_rc"], out["restore_s"], out["restore_out"] = None, 0.0, made.stderr[-500:]
        return out
    if url.startswith("sqlite"):
        target = f"sqlite:///{folder / 'restored.sqlite3'}"
    else:
        source = make_url(url)
        name = f"{source.database}_restored"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        target = source.set(database=name).render_as_string(hide_password=False)
    restored_env = {**env, "REGISTRY_DATABASE_URL": target, "REGISTRY_EVIDENCE_DIR": str(folder / "restored")}
    started = time.perf_counter()
    done = flask(restored_env, "restore", str(folder / "backup"), timeout=1800, check=False)
    out["restore_s"], out["restore_rc"] = time.perf_counter() - started, done.returncode
    out["restore_out"] = (done.stdout + done.stderr).strip().splitlines()[-1:] if done.returncode else ""
    return out


# -- one run ----------------------------------------------------------------------------------------------------

def crash_run(kind: str, url: str, args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"registry-crash-{kind}-"))
    if url.startswith("sqlite"):
        url = f"sqlite:///{folder / 'registry.sqlite3'}"
    env = app_env(url, folder)
    print(f"==> [{kind}] generating the tiny dataset in {folder}", flush=True)
    gen = generate(env, "tiny")
    setup = writers_of(people(env, tokens=True), args.writers)
    run = secrets.token_hex(3)
    ledger = Ledger()
    server = Server(env, free_port(), folder / "gunicorn.log")
    stop = threading.Event()
    chooser = random.Random(args.seed)
    started = time.perf_counter()
    load = [os.getloadavg()[0]]
    restart_times = [server.start()]
    writers = [Writer(i, server.base, spec, setup, gen["password"], ledger, run, stop, args.seed + i)
               for i, spec in enumerate(setup["writers"][:args.writers])]
    for writer in writers:
        writer.start()
    print(f"==> [{kind}] {len(writers)} writers ({sum(w.html for w in writers)} on the pages, "
          f"{sum(not w.html for w in writers)} on the API); {args.rounds} kill -9 rounds", flush=True)
    uptimes = []
    before = 0
    for round_number in range(1, args.rounds + 1):
        up = chooser.uniform(args.min_up, args.max_up)
        uptimes.append(up)
        time.sleep(up)
        server.kill()
        acked = sum(1 for w in ledger.writes[before:] if w.outcome == "ack")
        before = len(ledger.writes)
        restart_times.append(server.start())
        print(f"  round {round_number:>2}: killed after {up:4.1f} s up, {acked:4d} writes acknowledged in the "
              f"round, restarted in {restart_times[-1]:.1f} s", flush=True)
    time.sleep(2)  # the writers go on after the last restart
    stop.set()
    for writer in writers:
        writer.join(timeout=TIMEOUT + 5)
    server.stop()
    load.append(os.getloadavg()[0])
    elapsed = time.perf_counter() - started
    print(f"==> [{kind}] checking", flush=True)
    figures = check(url, env, ledger, run)
    figures.update(backup_roundtrip(url, env, folder))
    log = (folder / "gunicorn.log").read_text(errors="replace")
    figures.update(kind=kind, rounds=args.rounds, load=load, writers=len(writers), seconds=elapsed,
                   restart_mean=sum(restart_times) / len(restart_times), uptime_mean=sum(uptimes) / len(uptimes),
                   log_tracebacks=log.count("Traceback (most recent call last)"),
                   log_locked=log.lower().count("database is locked"), folder=str(folder))
    if not args.keep and ok(figures):
        shutil.rmtree(folder, ignore_errors=True)
        figures["folder"] = "(removed)"
    return figures


def ok(f: dict) -> bool:
    integrity_ok = f["integrity"] == "ok" or f["integrity"].startswith("amcheck ok")
    return (not f["lost"] and not f["duplicates"] and not f["phantoms"] and not f["missing_events"]
            and integrity_ok and f["verify_rc"] == 0 and not f["files_missing"] and not f["files_changed"]
            and not f["errors_5xx"] and f["acknowledged"] > 0 and f.get("restore_rc") == 0)


def report(results: list[dict]) -> None:
    print()
    print("Crash test: kill -9 of gunicorn (master and workers at once) at random moments under concurrent "
          "writers; gunicorn -w 2 as `make run`; tiny dataset")
    print()
    rows = [
        ("rounds (kill -9, restart)", lambda f: f"{f['rounds']}"),
        ("time between kills, mean", lambda f: f"{f['uptime_mean']:.1f} s"),
        ("restart to /healthz, mean", lambda f: f"{f['restart_mean']:.1f} s"),
        ("concurrent writers", lambda f: f"{f['writers']}"),
        ("writes sent", lambda f: f"{f['attempted']:,}"),
        ("acknowledged (2xx / 302)", lambda f: f"{f['acknowledged']:,}"),
        ("acknowledged, found once", lambda f: f"{f['found']:,}"),
        ("lost (acknowledged, not found)", lambda f: f"{len(f['lost'])}"),
        ("duplicates", lambda f: f"{len(f['duplicates'])}"),
        ("in doubt (cut by a kill)", lambda f: f"{f['in_doubt']} ({f['doubt_landed']} landed)"),
        ("connection refused (server down)", lambda f: f"{f['refused']:,}"),
        ("refused with 4xx", lambda f: f"{f['rejected']}"),
        ("5xx answers", lambda f: f"{f['errors_5xx']}"),
        ("refused yet written", lambda f: f"{len(f['phantoms'])}"),
        ("rows without their audit event", lambda f: f"{len(f['missing_events'])}"),
        ("integrity check", lambda f: f["integrity"]),
        ("audit verify", lambda f: "pass" if f["verify_rc"] == 0 else f"FAIL {f['verify']}"),
        ("evidence rows / missing / changed", lambda f: f"{f['evidence_rows']} / {f['files_missing']} / "
                                                        f"{f['files_changed']}"),
        ("orphan files (no row) / .part", lambda f: f"{f['orphans']} / {f['partial']}"),
        ("backup, then restore into a new database", lambda f: (
            f"{f['backup_mb']:.1f} MB in {f['backup_s']:.1f} s; restored and verified in {f['restore_s']:.1f} s"
            if f["restore_rc"] == 0 else f"FAIL backup {f['backup_rc']} restore {f['restore_rc']} "
                                         f"{f['restore_out']}")),
        ("tracebacks / 'database is locked' in log", lambda f: f"{f['log_tracebacks']} / {f['log_locked']}"),
        ("time", lambda f: f"{f['seconds']:.0f} s"),
        ("load average, start / end", lambda f: f"{f['load'][0]:.1f} / {f['load'][1]:.1f}"),
    ]
    header = "| figure | " + " | ".join(f["kind"] for f in results) + " |"
    print(header)
    print("|---|" + "---|" * len(results))
    for label, value in rows:
        print(f"| {label} | " + " | ".join(value(f) for f in results) + " |")
    print()
    for f in results:
        kinds = ", ".join(f"{k} {via} {n}" for (k, via), n in sorted(f["by_kind"].items()))
        print(f"{f['kind']}: acknowledged by kind: {kinds}")
        if f["rejections"]:
            print(f"{f['kind']}: refused by kind and status: "
                  + ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(f["rejections"].items(), key=str)))
        for name in ("lost", "duplicates", "phantoms", "missing_events"):
            for item in f[name][:10]:
                print(f"  {name}: {item}")
        print(f"{f['kind']}: {'PASS' if ok(f) else 'FAIL'}; data in {f['folder']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="kill -9 moments (default 20)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--min-up", type=float, default=1.0, help="shortest time between restart and kill, s")
    parser.add_argument("--max-up", type=float, default=10.0, help="longest time between restart and kill, s")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both", "auto"], default="auto",
                        help="auto (default): SQLite, and PostgreSQL too when it can be started here")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--keep", action="store_true", help="keep the data folders even when all checks pass")
    args = parser.parse_args()
    print(f"==> seed {args.seed}")
    results = []
    if args.db in ("sqlite", "both", "auto"):
        results.append(crash_run("SQLite", "sqlite", args))
    if args.db in ("postgresql", "both", "auto"):
        if os.environ.get("CRASH_DB"):
            results.append(crash_run("PostgreSQL", os.environ["CRASH_DB"], args))
        else:
            try:
                with throwaway_postgres("registry_crash") as url:
                    results.append(crash_run("PostgreSQL", url, args))
            except PostgresUnavailable as exc:
                if args.db != "auto":
                    sys.exit(f"PostgreSQL: {exc}")
                print(f"==> PostgreSQL skipped: {exc}")
    report(results)
    sys.exit(0 if all(ok(f) for f in results) else 1)


if __name__ == "__main__":
    main()
