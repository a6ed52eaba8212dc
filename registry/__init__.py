"""The việc khó registry: a Flask application factory."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask

from registry import api, backup, cli, queue, web
from registry.blueprints import health
from registry.config import load_config
from registry.extensions import babel, csrf, db, login_manager, migrate
from registry.services import job_kinds, jobs  # noqa: F401  - job_kinds registers the kinds of jobs

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
    queue.init_app(app, runner=jobs.run_job, show=jobs.show_job,  # background jobs, `flask jobs worker`
                   periodic=jobs.PERIODIC, sweep=jobs.sweep_report)
    backup.init_app(app)
    health.init_app(app)  # /healthz, answered before every other hook
    if not app.testing:
        # what the app holds from now on (modules, templates, routes: some 200,000 objects) is never garbage:
        # out of the collector's full passes, which otherwise stall one request in 40 for about 90 ms
        gc.freeze()
    return app
