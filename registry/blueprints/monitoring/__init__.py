from flask import Blueprint

bp = Blueprint("monitoring", __name__)

from registry.blueprints.monitoring import views  # noqa: E402,F401  - registers the routes
