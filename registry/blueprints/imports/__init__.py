from flask import Blueprint

bp = Blueprint("imports", __name__)

from registry.blueprints.imports import views  # noqa: F401  - registers the routes
