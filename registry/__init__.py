"""The việc khó registry: a Flask application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from registry import api, backup, cli, web
from registry.blueprints import health
from registry.config import load_config
from registry.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, CLI."""
    app = Flask(__name__, instance_relative_config=True)
    load_config(app, test_config)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale)
    login_manager.init_app(app)
    web.init_app(app)
    api.init_app(app)
    cli.init_app(app)
    backup.init_app(app)
    health.init_app(app)  # /healthz, answered before every other hook
    return app
