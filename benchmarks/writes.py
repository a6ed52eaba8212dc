"""Write throughput: ``python -m benchmarks.writes [--writers 8] [--seconds 20] [--db sqlite|postgresql|both]``.

For each database: generates the ``tiny`` dataset, serves it with gunicorn (``--workers`` processes, default one
per writer, so that the writers really write at the same time) and runs ``--writers`` threads, each one owner of
the dataset with its personal API token, that for ``--seconds`` register a task (``POST /api/v1/tasks``: the task,
its indicator, one audit event and the row seals) and submit it (``POST /api/v1/tasks/<id>/submit``: a state
change and its event), as fast as the server answers. Prints, per database, the writes per second, the p50 / p95
/ max latency of a write, the refusals (non-2xx answers) and the "database is locked" lines in the server's log;
then checks the trail (``flask --app registry audit verify``). PostgreSQL runs on a throwaway cluster started as
``scripts/test-postgres.sh`` starts one (``WRITES_DB=postgresql://…`` uses that database instead: EVERYTHING IN
IT IS DELETED).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

import requests

from benchmarks.crash import writers_of
from benchmarks.harness import (
    PostgresUnavailable,
    Server,
    app_env,
    flask,
    free_port,
    generate,
    people,
    throwaway_postgres,
)

TIMEOUT = 60


class Writer(threading.Thread):
    """One owner registering and submitting tasks through the API until told to stop."""

    def __init__(self, base: str, token: str, setup: dict, spec: dict, stop: threading.Event, n: int):
        super().__init__(daemon=True)
        self.base, self.setup, self.spec, self.stop, self.n = base, setup, spec, stop, n
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.latencies: list[float] = []
        self.refused: dict[int, int] = {}

    def _post(self, path: str, body: dict | None = None) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.post(f"{self.base}{path}", json=body or {}, timeout=TIMEOUT)
        except requests.RequestException:
            self.refused[0] = self.refused.get(0, 0) + 1
            return None
        if 200 <= response.status_code < 300:
            self.latencies.append(time.perf_counter() - started)
            return response
        self.refused[response.status_code] = self.refused.get(response.status_code, 0) + 1
        return None

    def run(self) -> None:
        year, count = self.setup["year"], 0
        while not self.stop.is_set():
            count += 1
            body = {"year": year, "kind": "hard", "field_id": self.setup["field_id"],
                    "title": f"Đo tốc độ ghi {self.n}-{count}: giải phóng mặt bằng khu tái định cư",
                    "goal": "Hoàn thành bàn giao mặt bằng", "deliverable": "Mặt bằng sạch 12 ha",
                    "deadline": f"{year}-11-30", "is_committed": True, "committee_id": self.spec["committee_id"],
                    "indicators": [{"name": "Diện tích bàn giao", "unit": "ha", "baseline": 0, "target": 12}]}
            created = self._post("/api/v1/tasks", body)
            if created is not None and not self.stop.is_set():
                self._post(f"/api/v1/tasks/{created.json()['id']}/submit")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(kind: str, url: str, args) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"registry-writes-{kind}-"))
    if url.startswith("sqlite"):
        url = f"sqlite:///{folder / 'registry.sqlite3'}"
    env = app_env(url, folder)
    env["REGISTRY_DB_POOL_SIZE"] = str(args.pool)
    print(f"==> [{kind}] generating the tiny dataset", flush=True)
    generate(env, "tiny")
    setup = writers_of(people(env, tokens=True), args.writers)
    server = Server(env, free_port(), folder / "gunicorn.log", workers=args.workers or args.writers)
    server.start()
    stop = threading.Event()
    writers = [Writer(server.base, setup["tokens"][spec["owner"]], setup, spec, stop, i)
               for i, spec in enumerate(setup["writers"][:args.writers])]
    print(f"==> [{kind}] {len(writers)} writers for {args.seconds} s on {server.workers_count} gunicorn workers",
          flush=True)
    started = time.perf_counter()
    for writer in writers:
        writer.start()
    time.sleep(args.seconds)
    stop.set()
    for writer in writers:
        writer.join(timeout=TIMEOUT + 5)
    elapsed = time.perf_counter() - started
    server.stop()
    latencies = [x for w in writers for x in w.latencies]
    refused: dict[int, int] = {}
    for writer in writers:
        for status, n in writer.refused.items():
            refused[status] = refused.get(status, 0) + n
    log = (folder / "gunicorn.log").read_text(errors="replace")
    verify = flask(env, "audit", "verify", check=False, timeout=900)
    figures = {"kind": kind, "writers": len(writers), "workers": server.workers_count, "seconds": elapsed,
               "writes": len(latencies), "per_second": len(latencies) / elapsed,
               "p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000,
               "max": max(latencies, default=0) * 1000, "mean": statistics.fmean(latencies) * 1000 if latencies else 0,
               "refused": refused, "locked": log.lower().count("database is locked"),
               "tracebacks": log.count("Traceback (most recent call last)"), "verify": verify.returncode == 0}
    shutil.rmtree(folder, ignore_errors=True)
    return figures


def report(results: list[dict]) -> None:
    print()
    print(f"{'database':<11}{'writers':>8}{'workers':>8}{'writes':>8}{'writes/s':>10}{'p50 ms':>8}{'p95 ms':>8}"
          f"{'max ms':>8}{'refused':>9}{'locked':>7}{'verify':>8}")
    for f in results:
        refused = sum(f["refused"].values())
        print(f"{f['kind']:<11}{f['writers']:>8}{f['workers']:>8}{f['writes']:>8}{f['per_second']:>10.1f}"
              f"{f['p50']:>8.0f}{f['p95']:>8.0f}{f['max']:>8.0f}{refused:>9}{f['locked']:>7}"
              f"{'ok' if f['verify'] else 'FAILED':>8}")
        if f["refused"]:
            print(f"  refused by status: {f['refused']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per writer)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--pool", type=int, default=5, help="REGISTRY_DB_POOL_SIZE of each worker")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    results = []
    if args.db in ("sqlite", "both"):
        results.append(run("sqlite", "sqlite://", args))
    if args.db in ("postgresql", "both"):
        with ExitStack() as stack:
            url = os.environ.get("WRITES_DB")
            try:
                url = url or stack.enter_context(throwaway_postgres("registry_writes"))
            except PostgresUnavailable as exc:
                print(f"==> PostgreSQL skipped: {exc}", file=sys.stderr)
                url = None
            if url:
                results.append(run("postgresql", url, args))
    report(results)
    if any(sum(f["refused"].values()) or f["locked"] or not f["verify"] for f in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
