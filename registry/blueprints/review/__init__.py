from flask import Blueprint

bp = Blueprint("review", __name__)

from registry.blueprints.review import views  # noqa: E402,F401  - registers the routes
