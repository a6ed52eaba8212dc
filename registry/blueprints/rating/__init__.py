from flask import Blueprint

bp = Blueprint("rating", __name__)

from registry.blueprints.rating import views  # noqa: E402,F401  - registers the routes
