"""Upgrading an empty database with the migrations gives exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from registry import MIGRATIONS


def test_upgrade_from_empty_matches_models(app, db):
    db.session.remove()
    db.drop_all()
    try:
        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            tables = set(inspect(connection).get_table_names())
            levels = connection.execute(text("SELECT code FROM verdict_levels ORDER BY sort_order")).scalars().all()
        with db.engine.connect() as connection:
            connection.execute(text("INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, 'x')"))
            refused = False
            try:
                connection.execute(text("INSERT INTO audit_events (seq, occurred_at, object_type, action, payload, "
                                        "prev_hash, entry_hash, hmac) VALUES (1, '2026-01-01', 't', 'a', '{}', "
                                        "'p', 'e', 'h')"))
                connection.execute(text("DELETE FROM audit_events"))
            except Exception as exc:  # the append-only trigger
                refused = "append-only" in str(exc)
            connection.rollback()
        downgrade(directory=MIGRATIONS, revision="base")
        with db.engine.begin() as connection:
            left = set(inspect(connection).get_table_names()) - {"alembic_version"}
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        db.drop_all()
        db.create_all()
    assert differences == []
    assert set(db.metadata.tables) <= tables
    assert left == set(), "downgrade to base removes every table"
    assert levels == ["exceeded", "on_time", "late", "partial", "not_done", "stopped"]
    assert refused, "the migrated database refuses to delete audit events"
