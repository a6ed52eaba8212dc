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
