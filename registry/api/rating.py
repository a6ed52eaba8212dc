"""Rating facts and commendation proposals through the API: the year's facts per person or collective (for the
annual rating), the commendations verdicts proposed, and the secretariat's record of the council's decision."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, current_app, request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint

from registry import policy
from registry.api.auth import api_actor, protect
from registry.api.errors import documented, install
from registry.api.pagination import MAX_PER_PAGE, paginate
from registry.api.schemas import rating as schemas
from registry.extensions import db
from registry.models import OrgUnit
from registry.services import commendations
from registry.services.errors import ValidationFailed
from registry.services.rating import rating_filters, rating_page

blp = Blueprint("api_rating", __name__, url_prefix="/api/v1",
                description="Rating facts and commendation proposals (Standing Committee, secretariat, inspectors).")
protect(blp)
install(blp)


def _unit_id(args: dict[str, Any]) -> int | None:
    unit_id = args.get("unit")
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit_id is not None and (unit is None or not policy.can(api_actor(), "view_reports", unit)):
        raise ValidationFailed({"unit": [_("There is no such org unit.")]})
    return unit_id


@blp.route("/rating-facts")
@blp.arguments(schemas.RatingArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.RatingPageSchema)
@documented(blp, 403)
def rating_facts(args: dict[str, Any]):
    """The year's rating facts per person or collective

    Registered tasks by the current verdict's outcome (exceeded, on time, late, partial, not done, stopped) and
    those awaiting their verdict, over the tasks the caller may read; sorted, paged.
    """
    policy.require_can(api_actor(), "view_reports")
    filters = rating_filters(args["year"], args.get("by"), _unit_id(args), args.get("sort"), args.get("dir"))
    number = args.get("page") or 1
    per_page = args.get("per_page") or current_app.config["PAGE_SIZE"]
    page = rating_page(api_actor(), filters, page=number, per_page=per_page, max_per_page=MAX_PER_PAGE)
    kept = {k: v for k, v in request.args.items() if k != "page"}
    pages = page.pages or 1

    def link(n: int) -> str:
        return url_for(request.endpoint, **kept, page=n)

    return {"year": filters.year, "by": filters.subject.value, "total": page.total, "page": number,
            "per_page": per_page, "pages": pages,
            "items": [{**vars(row), "reviewed": row.reviewed,
                       "counts": {o.value: n for o, n in row.counts.items()}} for row in page.items],
            "links": {"self": link(number), "next": link(number + 1) if number < pages else None,
                      "prev": link(min(number - 1, pages)) if number > 1 else None}}


@blp.route("/commendations")
@blp.arguments(schemas.ProposalArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.ProposalPageSchema)
@documented(blp, 403)
def list_proposals(args: dict[str, Any]):
    """The commendations proposed by verdicts, with the council's decision on each

    Over the tasks the caller may read; filtered by year, unit, state and kind of commendation; sorted, paged.
    """
    policy.require_can(api_actor(), "view_reports")
    filters = commendations.proposal_filters(args.get("year"), _unit_id(args), args.get("state"),
                                             args.get("commendation"), args.get("sort"), args.get("dir"))
    return paginate(commendations.proposals(api_actor(), filters), args)


@blp.route("/commendations/<id:verdict_id>/decision", methods=["POST"])
@blp.arguments(schemas.DecisionInput)
@blp.response(201, schemas.ProposalSchema)
@documented(blp, 400, 403, 404, 409)
def record_decision(data: dict[str, Any], verdict_id: int):
    """Record the emulation council's decision on a proposal (secretariat of the task's committee or above)

    Accepted with the decision's reference, or not accepted with the reason; with the date of the decision.
    Recorded once: a decided or lapsed proposal (its verdict reopened) is 409.
    """
    verdict = commendations.proposal(verdict_id)
    if verdict is None:
        abort(404)
    policy.require_party(api_actor(), "view", verdict.task)
    commendations.decide(api_actor(), verdict, data)
    return verdict, 201
