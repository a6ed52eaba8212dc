"""Fatherland Front monitoring (Form C) through the API: assessments, their acknowledgement, and replies to
recommendations.

The same checks as the pages (``registry.blueprints.monitoring.views`` and, for the year-end period, the final
assessment page of ``registry.blueprints.review.views``): the task must be visible (403), then the service's
``require_*`` check says who may act and whether the task's state allows it (403, 409).
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from registry import policy
from registry.api import schemas
from registry.api.auth import api_actor, protect
from registry.api.common import visible_task
from registry.api.errors import documented, install
from registry.extensions import db
from registry.models import Assessment, Period, Recommendation
from registry.services import monitoring as monitoring_service
from registry.services import review as review_service

blp = Blueprint("api_monitoring", __name__, url_prefix="/api/v1",
                description="The monitor's assessments (Form C) with recommendations, the owner's "
                            "acknowledgements and replies.")
protect(blp)
install(blp)


@blp.route("/tasks/<id:task_id>/assessments")
@blp.response(200, schemas.AssessmentListSchema)
@documented(blp, 403, 404)
def list_assessments(task_id: int):
    """The task's assessments, oldest first, with their recommendations and replies"""
    task = visible_task(task_id)
    assessments = db.session.scalars(
        select(Assessment).where(Assessment.task_id == task.id).order_by(Assessment.id)
        .options(joinedload(Assessment.monitor), selectinload(Assessment.recommendations)))
    return {"items": list(assessments)}


@blp.route("/tasks/<id:task_id>/assessments", methods=["POST"])
@blp.arguments(schemas.AssessmentInput)
@blp.response(201, schemas.AssessmentSchema)
@documented(blp, 400, 403, 404, 409, 413)
def create_assessment(data: dict[str, Any], task_id: int):
    """Assess the task for a period, with recommendations (its assigned monitor)

    The quarters and `mid_year` while the task is approved or under way; `final` after the owner's
    self-assessment. 409 out of order or for a period already assessed.
    """
    task = visible_task(task_id)
    actor = api_actor()
    policy.require_party(actor, "assess", task)
    period = data.pop("period")
    recommendations = data.pop("recommendations")
    if period == Period.FINAL:
        review_service.require_final_assessable(actor, task)
    else:
        monitoring_service.require_assessable(actor, task)
    return monitoring_service.add_assessment(actor, task, period, data, recommendations), 201


@blp.route("/assessments/<id:assessment_id>/acknowledge", methods=["POST"])
@blp.response(200, schemas.AssessmentSchema)
@documented(blp, 403, 404, 409)
def acknowledge_assessment(assessment_id: int):
    """Acknowledge having read an assessment (the task's owner; once)"""
    assessment = db.get_or_404(Assessment, assessment_id)
    visible_task(assessment.task_id)
    return monitoring_service.acknowledge_assessment(api_actor(), assessment)


@blp.route("/recommendations/<id:recommendation_id>/reply", methods=["POST"])
@blp.arguments(schemas.ReplyInput)
@blp.response(200, schemas.RecommendationSchema)
@documented(blp, 400, 403, 404, 409, 413)
def reply_to_recommendation(data: dict[str, Any], recommendation_id: int):
    """Reply to a recommendation (the task's owner; once)"""
    recommendation = db.get_or_404(Recommendation, recommendation_id)
    visible_task(recommendation.task_id)
    monitoring_service.require_replyable(api_actor(), recommendation)
    return monitoring_service.reply_to_recommendation(api_actor(), recommendation, data["reply"])
