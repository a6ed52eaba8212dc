from flask import Blueprint

bp = Blueprint("jobs", __name__)

from registry.blueprints.jobs import views  # noqa: E402,F401  - registers the routes
