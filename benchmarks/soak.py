"""Soak test: ``python -m benchmarks.soak [--minutes 5] [--users 50] [--scale tiny]`` (``make soak``).

Generates a dataset (``flask --app registry generate``), opens next year's registration window, serves it
exactly as ``make run`` does (``gunicorn -w 2 "registry:create_app()"``, on 127.0.0.1 and a free port) and runs
``--users`` simulated people with locust (headless, as a library) for ``--minutes``: each signs in through the
login form as a real person of the dataset — owners, Standing Committee members, Front monitors, the
secretariat and inspectors — and uses that role's pages with a think time of 1–5 s (``--think``). About 80 % of the
requests read (home, lists, search, task pages, queue, attention, notifications, reports, audit, dossiers) and
20 % write, through the pages' forms with their CSRF tokens: owners register and submit tasks and attach
evidence files, the Standing Committee approves them naming a monitor, monitors assess them (Form C) or mark
their notifications read.

Prints the requests, error rate and p50/p95/p99 (overall and per page), the RSS of each gunicorn worker at the
start and at the end (and every minute), and the count of 5xx answers and of "database is locked" and
tracebacks in the server's log. Exits 1 if there was any 5xx, lock error or traceback.

``--db postgresql`` runs it on a throwaway PostgreSQL cluster (started as ``scripts/test-postgres.sh`` starts
one); ``SOAK_DB=postgresql://…`` on that database instead: EVERYTHING IN IT IS DELETED.
Only loopback addresses are contacted; every wait is bounded.
"""

from __future__ import annotations

# locust patches the standard library with gevent when imported: before anything else
import locust  # noqa: F401, I001
from locust import HttpUser, between, events, task
from locust.env import Environment

import argparse
import itertools
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import gevent

from benchmarks.harness import (
    PostgresUnavailable,
    Server,
    app_env,
    find_form,
    free_port,
    generate,
    people,
    rss_mb,
    sign_in,
    throwaway_postgres,
)

VN = timezone(timedelta(hours=7))
STATUS: Counter = Counter()
METHODS: Counter = Counter()
SETUP: dict = {}
SUBMITTED: dict[int, list[int]] = defaultdict(list)   # committee → tasks waiting for a decision
TO_ASSESS: dict[int, list[int]] = defaultdict(list)   # monitor id → tasks approved with this monitor
ACCOUNTS: dict[str, itertools.cycle] = {}


SIGN_INS: list[float] = []


@events.request.add_listener
def _count(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    METHODS[request_type] += 1
    if request_type == "POST" and name.endswith("/login"):
        SIGN_INS.append(response_time)
    STATUS[getattr(response, "status_code", None) if exception is None or response is not None else "failed"] += 1


def pdf(marker: str) -> bytes:
    return b"%PDF-1.4\n% soak evidence " + marker.encode() + b" " + secrets.token_hex(32).encode() + b"\n%%EOF\n"


class Role(HttpUser):
    """One signed-in person; subclasses are the roles."""

    abstract = True
    wait_time = between(1.0, 5.0)  # replaced by --think
    role = ""

    def on_start(self) -> None:
        self.account = next(ACCOUNTS[self.role])
        self.username = self.account["username"]
        sign_in(self.client, self.host, self.username, SETUP["password"])
        self.task_ids: list[int] = []
        self.list_tasks()

    # -- reads shared by every role ----------------------------------------------------------------------------

    def page(self, path: str, name: str | None = None):
        with self.client.get(path, name=name or path, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response

    def list_tasks(self) -> None:
        response = self.page("/tasks/")
        found = [int(i) for i in re.findall(r'href="/tasks/(\d+)"', response.text or "")]
        if found:
            self.task_ids = list(dict.fromkeys(found + self.task_ids))[:50]

    def task_page(self) -> None:
        if self.task_ids:
            self.page(f"/tasks/{random.choice(self.task_ids)}", "/tasks/[id]")
        else:
            self.list_tasks()

    def post_form(self, page_path: str, page_name: str, target: str, name: str, files=None, **values):
        """GET the page, fill the form posting to ``target`` (a regular expression), POST it; the response,
        or None when the page had no such form (the action is not available any more)."""
        page = self.page(page_path, page_name)
        if page.status_code != 200:
            return None
        try:
            form = find_form(page.text, page.url, target)
        except LookupError:
            return None
        values = {k: (v(form) if callable(v) else v) for k, v in values.items()}
        with self.client.post(form.action, data=form.data(**values), files=files, name=name,
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302 or "/login" in response.headers.get("Location", ""):
                response.failure(f"HTTP {response.status_code}")
            return response

    def read_notifications(self) -> None:
        page = self.page("/notifications")
        try:
            form = find_form(page.text, page.url, r"/notifications/read-all$")
        except LookupError:
            return
        with self.client.post(form.action, data=form.data(), name="POST /notifications/read-all",
                              allow_redirects=False, catch_response=True) as response:
            if response.status_code not in (302, 303):
                response.failure(f"HTTP {response.status_code}")


class Owner(Role):
    role = "owner"
    fixed_count = 20

    def on_start(self) -> None:
        super().on_start()
        self.notes = [tuple(n) for n in self.account["upload_notes"]]
        self.task_ids = list(dict.fromkeys([t for _n, t in self.notes] + self.task_ids))

    @task(1)
    def home(self):
        self.page("/")

    @task(1)
    def task_list(self):
        self.list_tasks()

    @task(1)
    def one_task(self):
        self.task_page()

    @task(1)
    def attention(self):
        self.page("/attention")

    @task(1)
    def dossier(self):
        self.page(f"/people/{self.account['id']}/dossier", "/people/[id]/dossier")

    @task(2)
    def register(self):
        year = SETUP["year"]
        response = self.post_form(
            "/tasks/new", "/tasks/new", r"/tasks/new$", "POST /tasks/new",
            kind=lambda f: f.choice("kind"), field_id=lambda f: f.choice("field_id"),
            title=f"Soak {secrets.token_hex(4)} Chuyển đổi số thủ tục hành chính",
            goal="100% thủ tục trực tuyến toàn trình", deliverable="Cổng dịch vụ công của xã",
            deadline=f"30/11/{year}", year_id=lambda f: f.choice("year_id", str(year)), is_committed="y",
            action="submit", **{"indicators-0-name": "Thủ tục trực tuyến", "indicators-0-unit": "%",
                                "indicators-0-baseline": "40", "indicators-0-target": "100"})
        match = re.search(r"/tasks/(\d+)$", response.headers.get("Location", "")) if response is not None else None
        if match:
            task_id = int(match.group(1))
            self.task_ids.insert(0, task_id)
            SUBMITTED[self.account["committee_id"]].append(task_id)

    @task(1)
    def attach(self):
        if not self.notes:
            return self.register()
        note_id, task_id = random.choice(self.notes)
        marker = secrets.token_hex(4)
        response = self.post_form(f"/tasks/{task_id}", "/tasks/[id]", rf"/notes/{note_id}/files$",
                                  "POST /notes/[id]/files",
                                  files={"file": (f"minh-chung-{marker}.pdf", pdf(marker), "application/pdf")})
        if response is None:
            self.notes.remove((note_id, task_id))


class Standing(Role):
    role = "standing"
    fixed_count = 10

    @task(1)
    def home(self):
        self.page("/")

    @task(2)
    def queue(self):
        self.page("/tasks/queue")

    @task(1)
    def one_task(self):
        self.task_page()

    @task(1)
    def search(self):
        self.page("/tasks/?q=giai+phong", "/tasks/?q=…")

    @task(1)
    def reports(self):
        self.page("/reports")

    @task(2)
    def decide(self):
        waiting = SUBMITTED[self.account["committee_id"]]
        if not waiting:
            return self.read_notifications()
        task_id = waiting.pop(0)
        monitor = random.choice(self.account["monitors"])
        today = datetime.now(VN).date().strftime("%d/%m/%Y")
        response = self.post_form(f"/tasks/{task_id}/decide", "/tasks/[id]/decide", rf"/tasks/{task_id}/approve$",
                                  "POST /tasks/[id]/approve", decision_ref=f"{task_id}-QĐ/ĐU",
                                  decision_date=today, monitor_id=str(monitor["id"]))
        if response is not None and response.status_code == 302:
            TO_ASSESS[monitor["id"]].append(task_id)


class Monitor(Role):
    role = "monitor"
    fixed_count = 10

    @task(1)
    def home(self):
        self.page("/")

    @task(2)
    def attention(self):
        self.page("/attention")

    @task(2)
    def one_task(self):
        self.task_page()

    @task(1)
    def notifications(self):
        self.page("/notifications")

    @task(2)
    def assess(self):
        waiting = TO_ASSESS[self.account["id"]]
        if not waiting:
            return self.read_notifications()
        task_id = waiting.pop(0)
        self.post_form(f"/tasks/{task_id}/assessments/new", "/tasks/[id]/assessments/new",
                       rf"/tasks/{task_id}/assessments/new$", "POST /tasks/[id]/assessments/new",
                       period=lambda f: f.choice("period"), supervision_form=lambda f: f.choice("supervision_form"),
                       judgement=lambda f: f.choice("judgement"),
                       strengths="Bám sát kế hoạch, người dân đồng thuận")


class Reader(Role):
    """The secretariat and the inspectors: they read everything and change nothing here."""

    role = "reader"
    fixed_count = 10

    @task(1)
    def home(self):
        self.page("/")

    @task(2)
    def task_list(self):
        self.list_tasks()

    @task(1)
    def one_task(self):
        self.task_page()

    @task(1)
    def reports(self):
        self.page("/reports")

    @task(1)
    def audit(self):
        self.page("/audit")

    @task(1)
    def search(self):
        self.page("/tasks/?q=so", "/tasks/?q=…")


def accounts(setup: dict) -> dict[str, list[dict]]:
    owners, standing, monitors = [], [], []
    for committee in setup["committees"]:
        for owner in committee["owners"]:
            owners.append({**owner, "committee_id": committee["id"]})
        for username in committee["standing"]:
            standing.append({"username": username, "committee_id": committee["id"],
                             "monitors": committee["monitors"]})
        monitors.append(committee["monitors"])
    readers = [{"username": u} for role in ("secretariat", "inspector") for u in setup["readers"][role]]
    random.Random(1).shuffle(owners)
    # the Standing Committees first of the committees whose owners are simulated, so that every submission
    # is decided by someone
    simulated = {o["committee_id"] for o in owners[:Owner.fixed_count]}
    standing.sort(key=lambda s: (s["committee_id"] not in simulated, s["committee_id"]))
    by_committee = itertools.groupby(standing, key=lambda s: s["committee_id"])
    spread = [list(group) for _c, group in by_committee]
    standing = [s for row in itertools.zip_longest(*spread) for s in row if s]
    monitors = [m for row in itertools.zip_longest(*monitors) for m in row if m]  # one committee after another
    return {"owner": owners, "standing": standing, "monitor": monitors, "reader": readers}


def percentiles(entry) -> tuple[float, float, float]:
    return tuple(entry.get_response_time_percentile(p) or 0.0 for p in (0.5, 0.95, 0.99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--users", type=int, default=50, help="simulated people (default 50: 20 owners, "
                        "10 Standing Committee members, 10 monitors, 10 secretariat and inspectors)")
    parser.add_argument("--scale", default="tiny", choices=["tiny", "commune", "province"])
    parser.add_argument("--think", default="1-5", help="think time between two actions of a user, seconds "
                        "(default 1-5)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite",
                        help="postgresql: a throwaway cluster, started as scripts/test-postgres.sh does")
    parser.add_argument("--keep", action="store_true", help="keep the data folder even when the soak passes")
    args = parser.parse_args()
    low, _, high = args.think.partition("-")
    Role.wait_time = between(float(low), float(high or low))
    scale = args.users / 50
    Owner.fixed_count, Standing.fixed_count, Monitor.fixed_count = (
        max(1, round(20 * scale)), max(1, round(10 * scale)), max(1, round(10 * scale)))
    Reader.fixed_count = max(0, args.users - Owner.fixed_count - Standing.fixed_count - Monitor.fixed_count)
    folder = Path(tempfile.mkdtemp(prefix="registry-soak-"))
    if os.environ.get("SOAK_DB"):
        sys.exit(soak(args, os.environ["SOAK_DB"], folder))
    if args.db == "postgresql":
        try:
            with throwaway_postgres("registry_soak") as url:
                code = soak(args, url, folder)
        except PostgresUnavailable as exc:
            sys.exit(f"PostgreSQL: {exc}")
        sys.exit(code)
    sys.exit(soak(args, f"sqlite:///{folder / 'registry.sqlite3'}", folder))


def soak(args, url: str, folder: Path) -> int:
    env = app_env(url, folder)
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"==> generating the {args.scale} dataset ({kind}) in {folder}", flush=True)
    gen = generate(env, args.scale)
    setup = people(env)
    SETUP.update(setup, password=gen["password"])
    for role, rows in accounts(setup).items():
        ACCOUNTS[role] = itertools.cycle(rows)

    server = Server(env, free_port(), folder / "gunicorn.log")
    server.start()
    try:
        # the figures count from the moment every user has signed in (locust's --reset-stats); the status
        # codes, and so the 5xx, count from the first request
        environment = Environment(user_classes=[Owner, Standing, Monitor, Reader], host=server.base,
                                  events=events, reset_stats=True)
        runner = environment.create_local_runner()
        start_rss = {pid: rss_mb(pid) for pid in server.worker_pids()}
        samples = [(0, [round(rss_mb(pid)[0]) for pid in start_rss])]
        print(f"==> {args.users} users for {args.minutes:g} min against {server.base} "
              f"(gunicorn -w 2; workers {', '.join(f'{p}: {r[0]:.0f} MB' for p, r in start_rss.items())})",
              flush=True)
        load_start = os.getloadavg()[0]
        runner.start(args.users, spawn_rate=max(1, args.users / 10))
        started = time.monotonic()
        duration = args.minutes * 60
        while (elapsed := time.monotonic() - started) < duration:
            gevent.sleep(min(60 - elapsed % 60, duration - elapsed))
            elapsed = time.monotonic() - started
            total = environment.stats.total
            rss = [round(rss_mb(pid)[0]) for pid in server.worker_pids()]
            samples.append((round(elapsed), rss))
            print(f"  {elapsed / 60:4.1f} min: {total.num_requests:,} requests, {total.num_failures} failed, "
                  f"p95 {percentiles(total)[1]:.0f} ms, worker RSS {rss} MB", flush=True)
        load_end = os.getloadavg()[0]
        runner.quit()
        runner.greenlet.join(timeout=60)
        end_pids = server.worker_pids()
        end_rss = {pid: rss_mb(pid) for pid in end_pids}
    finally:
        server.stop()
    log = (folder / "gunicorn.log").read_text(errors="replace")
    locked = log.lower().count("database is locked")
    tracebacks = log.count("Traceback (most recent call last)")
    stats = environment.stats
    total = stats.total
    fives = sum(n for s, n in STATUS.items() if isinstance(s, int) and s >= 500)
    p50, p95, p99 = percentiles(total)
    writes = METHODS.get("POST", 0)
    print()
    print(f"Soak: {kind}, {args.scale} dataset ({gen['counts']['tasks']} tasks to start), gunicorn -w 2 as "
          f"`make run` on {os.cpu_count()} cores (locust on the same cores); {args.users} users "
          f"({Owner.fixed_count} owners, {Standing.fixed_count} Standing Committee, {Monitor.fixed_count} monitors, "
          f"{Reader.fixed_count} secretariat/inspectors), think time {args.think} s, {args.minutes:g} min")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| load average of the machine, start / end | {load_start:.1f} / {load_end:.1f} |")
    print(f"| requests after the ramp-up | {total.num_requests:,} ({total.total_rps:.1f}/s) |")
    print(f"| reads (GET) / writes (POST), whole run | {METHODS.get('GET', 0):,} / {writes:,} "
          f"({writes / max(1, METHODS.get('GET', 0) + writes) * 100:.0f} % writes) |")
    print(f"| failed requests (error rate) | {total.num_failures} ({total.fail_ratio * 100:.2f} %) |")
    print(f"| p50 / p95 / p99 | {p50:.0f} / {p95:.0f} / {p99:.0f} ms |")
    signed = sorted(SIGN_INS)
    if signed:
        print(f"| sign-ins ({len(signed)}, during the 10 s ramp-up): p50 / max | "
              f"{signed[len(signed) // 2]:.0f} / {signed[-1]:.0f} ms |")
    print(f"| status codes | {', '.join(f'{s}: {n:,}' for s, n in sorted(STATUS.items(), key=str))} |")
    print(f"| 5xx answers | {fives} |")
    print(f"| 'database is locked' in the server log | {locked} |")
    print(f"| tracebacks in the server log | {tracebacks} |")
    print(f"| exceptions in the simulated users | {sum(e['count'] for e in runner.exceptions.values())} |")
    for pid, (rss, _peak) in start_rss.items():
        end, peak = end_rss.get(pid, (0.0, 0.0))
        gone = "" if pid in end_rss else " (worker replaced)"
        print(f"| worker {pid} RSS start → end (peak) | {rss:.0f} → {end:.0f} MB ({peak:.0f}), "
              f"{end - rss:+.0f} MB{gone} |")
    for pid in set(end_rss) - set(start_rss):
        print(f"| new worker {pid} RSS at the end | {end_rss[pid][0]:.0f} MB |")
    print()
    print("RSS of the workers, MB, by minute: " + "; ".join(f"{t // 60:.0f} min {r}" for t, r in samples))
    print()
    print(f"| {'page':<40} | {'requests':>8} | {'failed':>6} | {'p50 ms':>6} | {'p95 ms':>6} | {'p99 ms':>6} |")
    print(f"|{'-' * 42}|{'-' * 10}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 8}|")
    for (name, method), entry in sorted(stats.entries.items(), key=lambda kv: -kv[1].num_requests):
        a, b, c = percentiles(entry)
        print(f"| {method + ' ' + name if not name.startswith('POST') else name:<40} | {entry.num_requests:>8,} "
              f"| {entry.num_failures:>6} | {a:>6.0f} | {b:>6.0f} | {c:>6.0f} |")
    for error in list(stats.errors.values())[:10]:
        print(f"  error: {error.method} {error.name}: {error.error} ×{error.occurrences}")
    crashed = sum(e["count"] for e in runner.exceptions.values())
    for error in list(runner.exceptions.values())[:5]:
        print(f"  exception in the load script ×{error['count']}: {error['msg']}")
    bad = fives or locked or tracebacks or crashed
    if bad or args.keep:
        print(f"\nsoak: {'FAIL' if bad else 'PASS'}; server log {folder / 'gunicorn.log'}")
    else:
        shutil.rmtree(folder, ignore_errors=True)
        print("\nsoak: PASS")
    return 1 if bad else 0


if __name__ == "__main__":
    main()
