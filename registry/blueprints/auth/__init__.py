from flask import Blueprint

bp = Blueprint("auth", __name__)

from registry.blueprints.auth import tokens, views  # noqa: E402,F401  - registers the routes
