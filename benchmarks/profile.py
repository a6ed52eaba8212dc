"""Where a page's time goes: ``python -m benchmarks.profile [TEXT] [--runs N] [--sql] [--plans] [--profile]``.

Runs the served benchmark's pages (``benchmarks.served``; those whose label contains TEXT) in-process with the
test client on the dataset ``benchmarks.served`` generated (``instance/bench-<scale>-<years>y/``, or the
database ``BENCH_DB`` names), signed in
through the login form as the role that uses each page, and prints for each: the median wall and CPU time of
``--runs`` requests, the SQL statements of one request with the time of each (``--sql``: the slowest ones, and
with ``--plans`` their ``EXPLAIN QUERY PLAN``), and a cProfile of one request sorted by cumulative time
(``--profile``). Nothing is written to the database but the API token the API pages need.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="?", default="", help="profile the pages whose label contains this text")
    parser.add_argument("--scale", default="province")
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sql", action="store_true", help="the slowest statements of one request")
    parser.add_argument("--plans", action="store_true", help="with --sql: their query plans (SQLite)")
    parser.add_argument("--profile", action="store_true", help="cProfile of one request")
    args = parser.parse_args()
    from benchmarks.served import dataset, dataset_folder

    folder = dataset_folder(args.scale, args.years)
    if not (folder / f"generated-{args.scale}-{args.years}y.json").exists():
        raise SystemExit(f"no dataset in {folder}: run python -m benchmarks.served first")
    env, gen = dataset(argparse.Namespace(scale=args.scale, years=args.years, regenerate=False))
    os.environ.update({key: env[key] for key in ("REGISTRY_DATABASE_URL", "REGISTRY_EVIDENCE_DIR",
                                                  "REGISTRY_SECRET_KEY", "REGISTRY_AUDIT_KEY")})

    from sqlalchemy import event, select

    from benchmarks.served import bench_pages
    from registry import create_app
    from registry.extensions import db
    from registry.models import Person
    from registry.services.tokens import create_token

    logins, password = gen["logins"], gen["password"]
    pages = [page for page in bench_pages(gen) if page[1] is not None]  # not /healthz
    app = create_app({"WTF_CSRF_ENABLED": False})
    clients, token = {}, None
    with app.app_context():
        engine = db.engine
    for label, who, path in pages:
        if args.only not in label:
            continue
        headers = {}
        if path.startswith("/api/"):
            if token is None:
                with app.app_context():
                    person = db.session.scalar(select(Person).where(Person.username == logins[who]))
                    token = create_token(None, "profile", owner=person)[1]
                    db.session.commit()
            headers = {"Authorization": f"Bearer {token}"}
            client = app.test_client()
        else:
            if who not in clients:
                clients[who] = app.test_client()
                signed = clients[who].post("/login", data={"username": logins[who], "password": password})
                assert signed.status_code == 302, (who, signed.status_code)
            client = clients[who]
        assert client.get(path, headers=headers).status_code == 200, label
        statements = []

        def started(conn, cursor, statement, parameters, context, executemany):
            conn.info["started"] = time.perf_counter()

        def finished(conn, cursor, statement, parameters, context, executemany):
            statements.append(((time.perf_counter() - conn.info["started"]) * 1000, statement, parameters))

        event.listen(engine, "before_cursor_execute", started)
        event.listen(engine, "after_cursor_execute", finished)
        body = client.get(path, headers=headers).data
        event.remove(engine, "before_cursor_execute", started)
        event.remove(engine, "after_cursor_execute", finished)
        walls, cpus = [], []
        for _ in range(max(1, args.runs)):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(path, headers=headers)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        walls.sort()
        cpus.sort()
        print(f"{label:30} {walls[len(walls) // 2]:7.1f} ms wall {cpus[len(cpus) // 2]:7.1f} ms CPU  "
              f"{len(statements):3} statements ({sum(s[0] for s in statements):6.1f} ms to first row)  "
              f"{len(body) // 1024} KB")
        if args.sql:
            for ms, statement, parameters in sorted(statements, key=lambda s: -s[0])[:8]:
                print(f"    {ms:6.1f} ms  {' '.join(statement.split())[:300]}")
                if args.plans and engine.dialect.name == "sqlite":
                    with engine.connect() as connection:
                        for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters):
                            print(f"               {row[-1]}")
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(path, headers=headers)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            print(out.getvalue())


if __name__ == "__main__":
    main()
