"""Served benchmark: ``python -m benchmarks.served [--scale province] [--years 1] [--duration 10]``.

Generates (or reuses) a dataset with ``flask --app registry generate``, serves it exactly as ``make run`` does
(``gunicorn -w 2 "registry:create_app()"``, here on 127.0.0.1 and a free port), signs in as the role that uses
each page (the login form, with its CSRF token), makes an API token, and drives each URL for ``--duration``
seconds with ``wrk`` (8 connections; a Lua script sets the Cookie or Authorization header and reports
p50/p95/p99). Prints requests/s, latency percentiles, the ratio to ``/healthz`` throughput in the same run, the
SQL statements per request (counted in-process with the test client, as ``python -m benchmarks`` does) and the
peak RSS of each gunicorn worker (VmHWM from /proc).

``BENCH_DB=postgresql://…`` runs it on PostgreSQL (the database is generated when empty, reused when it holds
a dataset made by an earlier run). Only loopback addresses are contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
LUA = """
wrk.headers["%(header)s"] = "%(value)s"
function done(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%f %%f %%f\\n", summary.requests, summary.duration,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


#: gunicorn's worker processes, as ``make run`` serves
WORKERS = 2

def bench_pages(gen: dict) -> list[tuple[str, str | None, str]]:
    """The pages the benchmark drives, each as (label, role, path), from the generator's answer."""
    samples = gen["samples"]
    task, owner, unit, year = samples["task_id"], samples["owner_id"], samples["commune_unit_id"], samples["year"]
    total_tasks = gen["counts"]["tasks"]
    deep = max(2, total_tasks // 25 * 2 // 3)
    pages = [
        ("/healthz", None, "/healthz"),
        ("task list, page 1", "secretariat", "/tasks/"),
        (f"task list, page {deep}", "secretariat", f"/tasks/?page={deep}"),
        ("task list, one commune", "secretariat", f"/tasks/?unit={unit}&year={year}"),
        ("task list, state+field", "secretariat", f"/tasks/?state=in_progress&field={samples['field_id']}"),
        ("search ?q=giai phong", "secretariat", "/tasks/?q=giai+phong"),
        ("search, every text ?q=van dong ho dan", "secretariat", "/tasks/?q=van+dong+ho+dan"),
        ("search, commune standing ?q=mat bang", "commune_standing", "/tasks/?q=mat+bang"),
        ("API search ?q=giai phong mat bang", "secretariat", "/api/v1/tasks?q=giai+phong+mat+bang"),
        ("task page (year of notes)", "commune_standing", f"/tasks/{task}"),
        ("approval queue", "commune_standing", "/tasks/queue"),
        ("attention, owner", "owner", "/attention"),
        ("attention, monitor", "monitor", "/attention"),
        ("attention, commune standing", "commune_standing", "/attention"),
        ("attention, province standing", "standing", "/attention"),
        ("attention, secretariat", "secretariat", "/attention"),
        ("home, owner", "owner", "/"),
        ("home, province standing", "standing", "/"),
        ("home, secretariat", "secretariat", "/"),
        ("dossier of a person", "secretariat", f"/people/{owner}/dossier"),
        ("reports", "secretariat", "/reports"),
        ("sơ kết report, DOCX", "secretariat", f"/reports/so_ket.docx?year={year}"),
        ("audit, page 1", "secretariat", "/audit"),
        ("audit, inspector", "inspector", "/audit"),
        ("API task list", "secretariat", "/api/v1/tasks"),
        ("API task detail", "secretariat", f"/api/v1/tasks/{task}"),
    ]
    return pages


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def dataset_folder(scale: str, years: int) -> Path:
    """Where the dataset's files are kept: beside the SQLite database in ``instance/``, or (``BENCH_DB``) in a
    temporary folder named after the database."""
    url = os.environ.get("BENCH_DB")
    if url:
        return Path(tempfile.gettempdir()) / f"registry-bench-{hashlib.sha256(url.encode()).hexdigest()[:10]}"
    return ROOT / "instance" / f"bench-{scale}-{years}y"


def dataset(args) -> tuple[dict, dict]:
    """The environment serving the dataset, and the generator's answer (logins, samples, counts)."""
    tag = f"{args.scale}-{args.years}y"
    folder = dataset_folder(args.scale, args.years)
    url = os.environ.get("BENCH_DB") or f"sqlite:///{folder / 'registry.sqlite3'}"
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, "REGISTRY_EVIDENCE_DIR": str(folder / "evidence"),
           "REGISTRY_SECRET_KEY": "bench-secret-" + "k" * 40, "REGISTRY_AUDIT_KEY": "bench-audit-" + "a" * 40}
    answer = folder / f"generated-{tag}.json"
    if answer.exists() and not args.regenerate:
        print(f"==> reusing the dataset in {folder}")
        return env, json.loads(answer.read_text())
    print(f"==> generating the {args.scale} dataset ({args.years} year(s)) in {folder}")
    started = time.perf_counter()
    command = [str(BIN / "flask"), "--app", "registry", "generate", "--scale", args.scale, "--years",
               str(args.years), "--json"] + (["--force"] if args.regenerate or not os.environ.get("BENCH_DB") else [])
    out = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False)
    if out.returncode != 0:
        sys.exit(f"generate failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout[out.stdout.index("{"):])
    result["generated_in"] = round(time.perf_counter() - started, 1)
    answer.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return env, result


def make_token(env: dict, username: str) -> str:
    code = ("from registry import create_app\nfrom registry.extensions import db\n"
            "from registry.models import Person\nfrom registry.services.tokens import create_token\n"
            "app = create_app()\nwith app.app_context():\n"
            f"    p = db.session.query(Person).filter_by(username={username!r}).one()\n"
            "    _t, plain = create_token(None, 'served benchmark', owner=p)\n    db.session.commit()\n"
            "    print(plain)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)
    return out.stdout.strip().splitlines()[-1]


def sign_in(base: str, username: str, password: str) -> str:
    """The session cookie after posting the login form with its CSRF token."""
    with requests.Session() as web:
        page = web.get(f"{base}/login", timeout=30)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page.text)
        response = web.post(f"{base}/login", data={"csrf_token": token.group(1) if token else "",
                                                   "username": username, "password": password},
                            timeout=30, allow_redirects=False)
        if response.status_code != 302 or "session" not in web.cookies:
            sys.exit(f"sign-in as {username} failed: {response.status_code}")
        return "; ".join(f"{k}={v}" for k, v in web.cookies.items())


def query_counts(env: dict, pages: list[tuple], ids: dict[str, int], tokens: dict[str, str],
                 password: str) -> dict[str, int]:
    """SQL statements per request of each page, counted in-process with the test client."""
    spec = json.dumps([[label, who, path] for label, who, path, *_ in pages])
    code = f"""
import json
from sqlalchemy import event
from registry import create_app
from registry.extensions import db
from registry.models import ApiToken, Person
app = create_app({{"WTF_CSRF_ENABLED": False}})
ids, tokens = json.loads({json.dumps(json.dumps(ids))}), json.loads({json.dumps(json.dumps(tokens))})
out = {{}}
with app.app_context():
    engine = db.engine
    names = {{role: db.session.get(Person, pid).username for role, pid in ids.items()}}
password = {json.dumps(password)}
for label, who, path in json.loads({spec!r}):
    client = app.test_client()
    headers = {{}}
    if who and path.startswith("/api/"):
        headers["Authorization"] = "Bearer " + tokens[who]
    elif who:
        signed = client.post("/login", data={{"username": names[who], "password": password}})
        assert signed.status_code == 302, (who, signed.status_code)
    client.get(path, headers=headers)
    seen = []
    listener = lambda *a: seen.append(1)
    event.listen(engine, "before_cursor_execute", listener)
    response = client.get(path, headers=headers)
    event.remove(engine, "before_cursor_execute", listener)
    out[label] = [len(seen) if response.status_code == 200 else None, response.status_code]
print(json.dumps(out))
"""
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)
    if proc.returncode != 0:
        print(f"(query counts unavailable: {proc.stderr.strip().splitlines()[-1:]})")
        return {}
    return {k: v[0] for k, v in json.loads(proc.stdout.strip().splitlines()[-1]).items()}


def workers(master: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def run_wrk(url: str, header: tuple[str, str] | None, duration: int, connections: int, folder: Path) -> dict:
    script = folder / "bench.lua"
    name, value = header or ("X-Bench", "1")
    script.write_text(LUA % {"header": name, "value": value.replace('"', '\\"')})
    proc = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s",
                           str(script), url], capture_output=True, text=True, timeout=duration + 60,
                          check=False)
    match = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", proc.stdout)
    if not match:
        sys.exit(f"wrk failed on {url}:\n{proc.stdout}\n{proc.stderr}")
    n, micros, status, socket_errors, timeouts = (int(match.group(i)) for i in range(1, 6))
    return {"rps": n / (micros / 1e6), "p50": float(match.group(6)), "p95": float(match.group(7)),
            "p99": float(match.group(8)), "requests": n, "bad": status + socket_errors + timeouts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="province", choices=["tiny", "commune", "province", "nation"])
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per URL (at most 60)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--only", default="", help="run only the pages whose label contains this text")
    parser.add_argument("--regenerate", action="store_true", help="generate the dataset again")
    args = parser.parse_args()
    args.duration = max(1, min(args.duration, 60))
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")
    env, gen = dataset(args)
    logins = gen["logins"]
    password = gen["password"]
    folder = Path(tempfile.mkdtemp(prefix="registry-served-"))
    tokens = {"secretariat": make_token(env, logins["secretariat"])}
    ids = {}
    code = ("import json\nfrom registry import create_app\nfrom registry.extensions import db\n"
            "from registry.models import Person\napp = create_app()\nwith app.app_context():\n"
            f"    print(json.dumps({{p.username: p.id for p in db.session.query(Person).filter("
            f"Person.username.in_({list(logins.values())!r}))}}))\n")
    by_name = json.loads(subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True,
                                        text=True, timeout=120, check=True).stdout.strip().splitlines()[-1])
    ids = {role: by_name[name] for role, name in logins.items()}
    pages = bench_pages(gen)
    if args.only:
        pages = [p for p in pages if args.only in p[0] or p[0] == "/healthz"]
    ids["owner"] = ids.get("owner") or gen["samples"]["owner_id"]
    print("==> counting SQL statements per request (in-process)")
    queries = query_counts(env, pages, ids, tokens, password)
    port = free_port()
    base = f"http://{HOST}:{port}"
    log = open(folder / "gunicorn.log", "w")  # noqa: SIM115 - open while the server runs
    server = subprocess.Popen([str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"{HOST}:{port}", "registry:create_app()"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(300):  # up to 30 s
            try:
                if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.1)
        else:
            sys.exit(f"gunicorn did not start; see {folder / 'gunicorn.log'}")
        cookies = {role: sign_in(base, logins[role], password) for role in {p[1] for p in pages if p[1]}
                   if role in logins}
        results = []
        healthz_rps = None
        print(f"==> {len(pages)} URLs, {args.duration} s each, {args.connections} connections (wrk)")
        for label, who, path in pages:
            if who and path.startswith("/api/"):
                header = ("Authorization", f"Bearer {tokens[who]}")
            elif who:
                header = ("Cookie", cookies[who])
            else:
                header = None
            # as many requests at once as there are workers, so that each worker has served the page once
            # before the run (what it keeps, it keeps per process): the run measures what a second look costs
            with ThreadPoolExecutor(WORKERS) as pool:
                checks = list(pool.map(lambda _: requests.get(
                    base + path, headers=dict([header]) if header else {}, timeout=600, allow_redirects=False),
                    range(WORKERS)))
            if any(check.status_code != 200 for check in checks):
                print(f"  {label}: HTTP {[check.status_code for check in checks]}, skipped")
                continue
            row = run_wrk(base + path, header, args.duration, args.connections, folder)
            if healthz_rps is None and path == "/healthz":
                healthz_rps = row["rps"]
            row.update(label=label, who=who or "-", queries=queries.get(label),
                       rss=max([peak_rss_mb(w) for w in workers(server.pid)] or [0.0]))
            results.append(row)
            print(f"  {label:<30} {row['rps']:8.1f} req/s  p95 {row['p95']:7.1f} ms", flush=True)
        worker_rss = [round(peak_rss_mb(w)) for w in workers(server.pid)]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    db_kind = env["REGISTRY_DATABASE_URL"].split(":")[0]
    print()
    print(f"Served benchmark: {db_kind}, {args.scale} scale, {gen['counts']['tasks']:,} tasks over {args.years} year(s), "
          f"{gen['counts'].get('progress_notes', 0):,} notes, {gen['counts'].get('audit_events', 0):,} audit "
          f"events; gunicorn -w 2 on {os.cpu_count()} cores; wrk -t2 -c{args.connections}, {args.duration} s per URL")
    print()
    print(f"| {'page':<30} | {'as':<16} | {'req/s':>7} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} "
          f"| {'/healthz':>8} | {'SQL/req':>7} | {'RSS MB':>6} |")
    print(f"|{'-' * 32}|{'-' * 18}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 10}|{'-' * 9}|{'-' * 8}|")
    for row in results:
        ratio = f"{row['rps'] / healthz_rps * 100:.1f}%" if healthz_rps else "-"
        q = "-" if row["queries"] is None else str(row["queries"])
        bad = f" ({row['bad']} errors)" if row["bad"] else ""
        print(f"| {row['label'] + bad:<30} | {row['who']:<16} | {row['rps']:7.1f} | {row['p50']:7.1f} "
              f"| {row['p95']:7.1f} | {row['p99']:7.1f} | {ratio:>8} | {q:>7} | {row['rss']:6.0f} |")
    print()
    print(f"Peak RSS per worker (VmHWM): {', '.join(f'{mb} MB' for mb in worker_rss)}")
    print("RSS MB column: the largest worker's peak so far, after that URL's run.")


if __name__ == "__main__":
    main()
