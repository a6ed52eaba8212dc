from flask import Blueprint

bp = Blueprint("dossier", __name__)

from registry.blueprints.dossier import views  # noqa: E402,F401  - registers the routes
