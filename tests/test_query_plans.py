"""The hot queries use indexes on both databases: every statement the busiest pages run against the big tables
(tasks, quarterly notes, assessments, recommendations, audit events, notifications) is explained — ``EXPLAIN
QUERY PLAN`` on SQLite (without statistics, as a registry that never ran ANALYZE plans), ``EXPLAIN`` with
sequential scans disabled on PostgreSQL (so that a tiny test table does not hide a missing index) — and no plan
reads a whole big table where an index applies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from registry.models import Role
from registry.services import tokens as token_service
from tests.test_query_counts import World, WHEN

BIG_TABLES = ("tasks", "progress_notes", "assessments", "recommendations", "audit_events", "notifications")
_BIG = "|".join(BIG_TABLES)
#: SQLite: a plain scan of a big table (a scan of a covering index reads the index only, and is allowed)
SQLITE_FULL_SCAN = re.compile(rf"^SCAN (?:{_BIG})(?:_\d+)?(?! USING COVERING INDEX)(?:$| USING INDEX)")
#: PostgreSQL: a sequential scan of a big table
POSTGRES_FULL_SCAN = re.compile(rf"Seq Scan on (?:{_BIG})\b")
#: the one scan that is the right plan: a page of the task list (or of the whole trail, for those who read all of
#: it) in rowid order stops after the page's rows
PAGE_IN_ID_ORDER = re.compile(r"ORDER BY (tasks\.id|audit_events\.seq) DESC\s+LIMIT", re.S)


@pytest.fixture
def world(db, password_hash, make_year, make_field, frozen_now):
    frozen_now(WHEN)
    year = make_year(2026)
    world = World(db, password_hash, year, [make_field(f"Lĩnh vực {n}") for n in range(4)])
    world.grow(20, 200)
    return world


def explain(db, statement: str, parameters) -> list[str]:
    """The plan of one statement as run (its SQL and parameters as sent to the driver), one line per step."""
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return [row[-1] for row in rows]
        connection.exec_driver_sql("SET enable_seqscan = off")
        return [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)]


def full_scans(dialect: str, statement: str, plan: list[str]) -> list[str]:
    """The steps of a plan that read a whole big table: a scan of it, or (SQLite) an index built for the query
    (AUTOMATIC) because none applies — what a right-nested eager join (``LEFT JOIN (tasks JOIN org_units)``,
    materialised over every task) costs."""
    if dialect == "sqlite":
        scans = [step for step in plan if SQLITE_FULL_SCAN.search(step) or "AUTOMATIC" in step]
        if page := PAGE_IN_ID_ORDER.search(statement):  # the rowid order itself: it stops at the page's last row
            table = page.group(1).split(".")[0]
            scans = [step for step in scans if not re.fullmatch(rf"SCAN {table}", step)]
        return scans
    return [step for step in plan if POSTGRES_FULL_SCAN.search(step)]


def run_logged(db, client, url: str) -> list[tuple[str, object]]:
    """GET ``url`` (expecting 200) and return the statements it ran on the big tables, with their parameters."""
    seen = []

    def log(conn, cursor, statement, parameters, context, executemany):
        if re.search(rf"\b(?:FROM|JOIN)\s+(?:{_BIG})\b", statement):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", log)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", log)
    assert response.status_code == 200, (url, response.status_code)
    return seen


def test_the_busiest_pages_read_the_big_tables_through_indexes(world, db, app, client, login_as):
    if db.engine.dialect.name == "sqlite":  # plan as a registry without statistics does (another test's ANALYZE
        with db.engine.begin() as connection:  # of its own data must not decide these plans)
            if connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
                connection.exec_driver_sql("DELETE FROM sqlite_stat1")
        db.engine.dispose()  # every connection loads the schema again, without statistics
    province, commune = world.units[0], world.units[1]
    viewers = {
        "owner": world.heads[1], "monitor": world.monitors[1],
        "commune_standing": world.person("ctv", "Thường Vụ Xã", None, [(Role.STANDING, commune)]),
        "standing": world.person("ptv", "Thường Vụ Tỉnh", None, [(Role.STANDING, province)]),
        "secretariat": world.person("pvp", "Văn Phòng Tỉnh", None, [(Role.SECRETARIAT, province)]),
        "commune_secretariat": world.person("cvp", "Văn Phòng Xã", None, [(Role.SECRETARIAT, commune)]),
        "inspector": world.person("ubkt", "Kiểm Tra Tỉnh", None, [(Role.INSPECTOR, province)]),
    }
    db.session.flush()
    token = token_service.create_token(viewers["commune_secretariat"], "Kế hoạch truy vấn")[1]
    db.session.commit()
    owner, task_id = world.heads[1], world.first_task_of(commune)
    pages = [
        ("secretariat", "/tasks/"), ("secretariat", "/tasks/?page=3"), ("commune_secretariat", "/tasks/"),
        ("commune_secretariat", "/tasks/?page=2"), ("secretariat", f"/tasks/?unit={commune.id}&year=2026"),
        ("secretariat", "/tasks/?state=in_progress&notes=overdue"), ("commune_standing", "/tasks/queue"),
        ("commune_secretariat", "/tasks/?sort=deadline&dir=asc"), ("commune_secretariat", "/tasks/?sort=owner"),
        ("commune_secretariat", "/tasks/export.xlsx?sort=title"), ("commune_standing", "/tasks/queue.xlsx"),
        ("commune_standing", "/attention?show=late_or_at_risk&sort=deadline&dir=desc"),
        ("monitor", "/attention.xlsx?show=overdue_notes&sort=owner"),
        ("commune_standing", f"/tasks/{task_id}"),
        ("owner", "/attention"), ("monitor", "/attention"), ("commune_standing", "/attention"),
        ("standing", "/attention"), ("secretariat", "/attention"), ("commune_secretariat", "/attention"),
        ("owner", "/"), ("monitor", "/"), ("standing", "/"), ("secretariat", "/"), ("owner", "/notifications"),
        ("secretariat", f"/people/{owner.id}/dossier"), ("secretariat", f"/units/{commune.id}/dossier"),
        ("secretariat", "/reports?year=2026"), ("commune_secretariat", f"/reports?year=2026&unit={commune.id}"),
        ("secretariat", "/audit"), ("inspector", "/audit"), ("commune_secretariat", "/audit"),
        ("secretariat", f"/people/{owner.id}/audit"), ("commune_standing", f"/tasks/{task_id}/audit"),
        ("commune_secretariat", "/api/v1/tasks"), ("commune_secretariat", "/api/v1/tasks?page=2"),
    ]
    dialect = db.engine.dialect.name
    explained, problems = 0, {}
    for who, url in pages:
        if url.startswith("/api/"):
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        else:
            login_as(viewers[who])
        try:
            client.get(url)  # once first: what a session does once is not the page's
            statements = run_logged(db, client, url)
        finally:
            client.environ_base.pop("HTTP_AUTHORIZATION", None)
        assert statements, f"{url} read none of the big tables"
        for statement, parameters in statements:
            plan = explain(db, statement, parameters)
            explained += 1
            scans = full_scans(dialect, statement, plan)
            if scans:
                problems.setdefault(f"{who} {url}", []).append((scans, " ".join(statement.split())[:400], plan))
    print(f"\n{explained} statements explained on {dialect}")
    assert explained > len(pages)
    assert not problems, "\n".join(f"{page}: {scans}\n    {sql}\n    {plan}" for page, found in problems.items()
                                   for scans, sql, plan in found)
