from flask import abort
from flask_login import current_user

from registry import permissions
from registry.blueprints.admin import bp


@bp.route("/people")
def people():
    if not permissions.can_administer(current_user):
        abort(403)
    return "TODO"
