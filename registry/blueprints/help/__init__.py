from flask import Blueprint

bp = Blueprint("help", __name__)

from registry.blueprints.help import views  # noqa: E402,F401  - registers the routes
