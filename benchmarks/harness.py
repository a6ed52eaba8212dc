"""What ``benchmarks.crash`` and ``benchmarks.soak`` share: a throwaway PostgreSQL cluster (started the way
``scripts/test-postgres.sh`` starts one), a generated dataset, gunicorn served exactly as ``make run`` serves it
(``gunicorn -w 2 "registry:create_app()"``, here on 127.0.0.1 and a free port, in its own process group so that
it can be killed whole), the memory of its workers, and a small reader of HTML forms so that the pages are
driven as a browser drives them (every field the page sends, CSRF token included).

Only loopback addresses and unix sockets are used; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
SECRET = "bench-secret-" + "k" * 40
AUDIT_KEY = "bench-audit-" + "a" * 40
PG_VERSIONS = ("15", "16", "17")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def app_env(url: str, folder: Path) -> dict[str, str]:
    """The environment of the app (CLI and gunicorn) on database ``url`` with its evidence under ``folder``."""
    return {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_EVIDENCE_DIR": str(folder / "evidence"),
            "REGISTRY_SECRET_KEY": SECRET, "REGISTRY_AUDIT_KEY": AUDIT_KEY}


def flask(env: dict, *args: str, timeout: int = 600, check: bool = True) -> subprocess.CompletedProcess:
    """``flask --app registry ARGS`` with ``env``."""
    out = subprocess.run([str(BIN / "flask"), "--app", "registry", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=timeout, check=False)
    if check and out.returncode != 0:
        sys.exit(f"flask {' '.join(args)} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out


def generate(env: dict, scale: str = "tiny") -> dict:
    """``flask --app registry generate --scale SCALE --force --json``: its answer (logins, password, samples)."""
    out = flask(env, "generate", "--scale", scale, "--force", "--json", timeout=1800)
    return json.loads(out.stdout[out.stdout.index("{"):])


def python(env: dict, code: str, timeout: int = 300) -> dict:
    """Run ``code`` in the app's environment; its last line of output, read as JSON."""
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=timeout, check=False)
    if out.returncode != 0:
        sys.exit(f"setup failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- a throwaway PostgreSQL cluster ---------------------------------------------------------------------------

class PostgresUnavailable(RuntimeError):
    """No throwaway cluster can be started here (no server binaries, or initdb / pg_ctl failed)."""


def _pg_bindir() -> Path | None:
    for version in PG_VERSIONS:
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")) if Path("/usr/lib/postgresql").exists() else []
    return found[-1].parent if found else None


@contextmanager
def throwaway_postgres(database: str = "registry_bench") -> Iterator[str]:
    """A PostgreSQL cluster in a temporary directory, on a unix socket only (no TCP), with ``database``;
    yields its SQLAlchemy URL and always stops the server and removes the directory afterwards. As root the
    server runs as the ``postgres`` user (PostgreSQL refuses to run as root), as scripts/test-postgres.sh does."""
    bindir = _pg_bindir()
    if bindir is None:
        raise PostgresUnavailable("no PostgreSQL server binaries (apt-get install postgresql)")
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        if subprocess.run(["id", "-u", "postgres"], capture_output=True, check=False).returncode != 0:
            subprocess.run(["useradd", "-r", "-m", "postgres"], check=False)
        prefix = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else []
        if not prefix:
            raise PostgresUnavailable("running as root without runuser")
    tmp = Path(tempfile.mkdtemp(prefix="registry-pg-", dir="/tmp"))
    if as_root:
        shutil.chown(tmp, "postgres", "postgres")
    data, log, port = tmp / "data", tmp / "postgres.log", 5432

    def run(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *args], cwd=tmp, capture_output=True, text=True, timeout=timeout,
                              check=False)

    started = False
    try:
        initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]
        if run(*initdb, "--locale=C.UTF-8").returncode != 0:
            shutil.rmtree(data, ignore_errors=True)
            made = run(*initdb, "--no-locale")
            if made.returncode != 0:
                raise PostgresUnavailable(f"initdb failed: {made.stderr.strip()[-500:]}")
        started = True
        out = run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                  f"-k {tmp} -p {port} -c listen_addresses=''", "start")
        if out.returncode != 0:
            raise PostgresUnavailable(f"pg_ctl start failed: {log.read_text()[-500:] if log.exists() else out.stderr}")
        made = run(str(bindir / "createdb"), "-h", str(tmp), "-p", str(port), "-U", "postgres", database)
        if made.returncode != 0:
            raise PostgresUnavailable(f"createdb failed: {made.stderr.strip()[-500:]}")
        yield f"postgresql+psycopg://postgres@/{database}?host={tmp}&port={port}"
    finally:
        if started:
            if run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop").returncode:
                run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


# -- gunicorn, served as `make run` does -----------------------------------------------------------------------

class Server:
    """``gunicorn -w 2 -b 127.0.0.1:PORT "registry:create_app()"`` in its own session (process group); its
    output goes to ``log`` (appended: one log over every restart)."""

    def __init__(self, env: dict, port: int, log: Path, workers: int = 2):
        self.env, self.port, self.log_path, self.workers_count = env, port, log, workers
        self.base = f"http://{HOST}:{port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> float:
        """Start and wait for ``/healthz``; the seconds it took."""
        started = time.perf_counter()
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-w", str(self.workers_count), "-b", f"{HOST}:{self.port}",
                 "registry:create_app()"],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}; see {self.log_path}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=1).status_code == 200 and \
                        len(self.worker_pids()) >= self.workers_count:
                    return time.perf_counter() - started
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.kill()
        sys.exit(f"gunicorn did not answer /healthz within {timeout:.0f} s; see {self.log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in children.split()]

    def kill(self) -> None:
        """kill -9 the master and its workers at once (the whole process group), and wait until they are gone."""
        if self.process is None:
            return
        pids = [self.process.pid, *self.worker_pids()]
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
            time.sleep(0.02)
        self.process = None

    def stop(self) -> None:
        """A normal stop (SIGTERM: the workers finish their requests)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    match = re.search(r"^State:\s+(\S)", status, re.M)
    return bool(match) and match.group(1) not in ("Z", "X")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of ``pid`` in MB, from /proc (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0.0
    values = []
    for key in ("VmRSS", "VmHWM"):
        match = re.search(rf"{key}:\s+(\d+) kB", status)
        values.append(int(match.group(1)) / 1024 if match else 0.0)
    return values[0], values[1]


# -- HTML forms, read as a browser reads them ------------------------------------------------------------------

class Form:
    """One ``<form>``: where it posts and what a browser would send without changes (``fields``: name → value,
    in page order; unchecked boxes and the buttons left out), with each select's and radio group's choices."""

    def __init__(self, action: str, method: str, enctype: str):
        self.action, self.method, self.enctype = action, method.lower(), enctype
        self.fields: dict[str, str] = {}
        self.choices: dict[str, list[tuple[str, str]]] = {}   # name → [(value, label)]
        self.buttons: dict[str, list[str]] = {}

    def choice(self, name: str, label_contains: str | None = None, skip_empty: bool = True) -> str:
        """A choice's value: the first whose label contains the text, else the first non-empty one."""
        options = [(v, label) for v, label in self.choices.get(name, []) if v not in ("", "0") or not skip_empty]
        for value, label in options:
            if label_contains is None or label_contains in label:
                return value
        raise LookupError(f"no choice {label_contains!r} for {name} in {self.action}")

    def data(self, **values: str) -> dict[str, str]:
        return {**self.fields, **values}


class _FormReader(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base, self.forms = base, []
        self._form: Form | None = None
        self._select: str | None = None
        self._option: tuple[str, bool] | None = None
        self._label: list[str] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(urljoin(self.base, a.get("action") or self.base), a.get("method", "get"),
                              a.get("enctype", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                form.buttons.setdefault(name, []).append(a.get("value", ""))
            elif kind == "file":
                pass
            elif kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append((a.get("value", "on"), a.get("id", "")))
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            else:
                form.fields[name] = a.get("value", "")
        elif tag == "button" and name:
            form.buttons.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            form.choices.setdefault(name, [])
        elif tag == "option" and self._select:
            self._option = (a.get("value", ""), "selected" in a)
            self._label = []
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._option is not None:
            self._label.append(data)
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        form = self._form
        if tag == "option" and self._option is not None and form is not None and self._select:
            value, selected = self._option
            form.choices[self._select].append((value, "".join(self._label).strip()))
            if selected or self._select not in form.fields:
                form.fields[self._select] = value
            self._option = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None and form is not None:
            form.fields[self._textarea] = "".join(self._text).lstrip("\n")
            self._textarea = None
        elif tag == "form":
            self._form = None


def read_forms(html: str, base: str) -> list[Form]:
    reader = _FormReader(base)
    reader.feed(html)
    return reader.forms


def find_form(html: str, base: str, action_pattern: str) -> Form:
    """The form whose action matches the regular expression."""
    for form in read_forms(html, base):
        if re.search(action_pattern, form.action):
            return form
    raise LookupError(f"no form posting to {action_pattern!r} on {base}")


def sign_in(session: requests.Session, base: str, username: str, password: str, timeout: float = 30) -> None:
    """Post the login form (with its CSRF token) in ``session``; raises on anything but the redirect home."""
    page = session.get(f"{base}/login", timeout=timeout)
    form = find_form(page.text, page.url, r"/login")
    response = session.post(form.action, data=form.data(username=username, password=password),
                            timeout=timeout, allow_redirects=False)
    if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
        raise RuntimeError(f"sign-in as {username} failed: HTTP {response.status_code}")


# -- the people of a generated dataset -------------------------------------------------------------------------

PEOPLE = r"""
import json, sys
from datetime import date
from sqlalchemy import select
from registry import clock, create_app
from registry.extensions import db
from registry.models import Field, Person, RoleGrant, Task, TaskState, Year
from registry.services.admin import save_year
from registry.services.progress import open_quarters
from registry.services.tokens import create_token

with_tokens = sys.argv[1] == "tokens"
app = create_app()
with app.app_context():
    today = clock.today()
    nxt = today.year + 1
    if db.session.scalar(select(Year).where(Year.year == nxt)) is None:  # next year's registration window
        save_year(None, None, {"year": nxt, "registration_opens_on": date(nxt - 1, 11, 1),
                               "registration_closes_on": date(nxt, 3, 31), "q1_deadline": date(nxt, 4, 5),
                               "q2_deadline": date(nxt, 7, 5), "q3_deadline": date(nxt, 10, 5),
                               "q4_deadline": date(nxt, 12, 20), "grace_days": 7, "rating_regulation": ""})
    by_unit, tokens = {}, {}
    rows = db.session.execute(select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id)
                              .where(Person.is_active_account).order_by(RoleGrant.unit_id, Person.id))
    for grant, person in rows:
        by_unit.setdefault(grant.unit_id, {}).setdefault(grant.role.value, []).append(person)
        if with_tokens and person.username not in tokens:
            tokens[person.username] = create_token(None, "load test", owner=person)[1]

    def owner(person, unit):
        tasks = db.session.scalars(select(Task).where(
            Task.owner_id == person.id, Task.committee_id == unit,
            Task.state.in_([TaskState.APPROVED, TaskState.IN_PROGRESS])).order_by(Task.id)).all()
        return {"username": person.username, "id": person.id,
                "note_pool": [[t.id, q, [i.id for i in t.indicators]] for t in tasks
                              for q in open_quarters(t, today)],
                "upload_notes": [[n.id, t.id] for t in tasks for n in t.notes]}

    committees = []
    for unit, roles in sorted(by_unit.items()):
        if roles.get("owner") and roles.get("standing") and roles.get("monitor"):
            committees.append({"id": unit, "owners": [owner(p, unit) for p in roles["owner"]],
                               "standing": [p.username for p in roles["standing"]],
                               "monitors": [{"username": p.username, "id": p.id} for p in roles["monitor"]]})
    readers = {role: sorted({p.username for roles in by_unit.values() for p in roles.get(role, [])})
               for role in ("secretariat", "inspector")}
    field_id = db.session.scalar(select(Field.id).order_by(Field.id))
    db.session.commit()
    print(json.dumps({"year": nxt, "field_id": field_id, "committees": committees, "readers": readers,
                      "tokens": tokens}))
"""


def people(env: dict, tokens: bool = False) -> dict:
    """Open next year's registration window (in December this year's is closed, as in real life) and list the
    dataset's committees with their owners (each with the notes they can still write and the notes they can
    attach files to), Standing Committee members and monitors, and the readers (secretariat, inspectors);
    with ``tokens``, a personal API token for each of them."""
    out = subprocess.run([sys.executable, "-c", PEOPLE, "tokens" if tokens else "-"], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        sys.exit(f"setup failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])
