from flask import Blueprint

bp = Blueprint("progress", __name__)

from registry.blueprints.progress import views  # noqa: E402,F401  - registers the routes
