"""Report figures through the API: counts of a year's registrations for a unit and its sub-units (the Standing
Committee, the secretariat and inspectors, who read every task)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from flask_smorest import Blueprint

from registry import policy
from registry.api import schemas
from registry.api.auth import api_actor, protect
from registry.api.errors import documented, install
from registry.extensions import db
from registry.models import OrgUnit
from registry.services.errors import ValidationFailed
from registry.services.reports import report_figures

blp = Blueprint("api_reports", __name__, url_prefix="/api/v1",
                description="Figures of a year's registrations, for reports.")
protect(blp)
install(blp)


@blp.route("/reports/figures")
@blp.arguments(schemas.ReportArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.ReportFiguresSchema)
@documented(blp, 403)
def figures(args: dict[str, Any]):
    """Figures of a year's registrations (Standing Committee, secretariat, inspectors)

    Counts by state, kind, field and current verdict outcome, late progress notes, and open or overdue
    recommendations, for a unit and its sub-units or for every unit.
    """
    policy.require_can(api_actor(), "view_reports")
    unit_id = args.get("unit")
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit_id is not None and (unit is None or not policy.can(api_actor(), "view_reports", unit)):
        raise ValidationFailed({"unit": [_("There is no such org unit.")]})
    return report_figures(api_actor(), unit_id, args["year"])
