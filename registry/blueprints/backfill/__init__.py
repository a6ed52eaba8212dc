from flask import Blueprint

bp = Blueprint("backfill", __name__)

from registry.blueprints.backfill import views  # noqa: E402,F401  - registers the routes
