"""Fatherland Front monitoring (Form C) through the API: assessments, their acknowledgement, and replies to
recommendations.

The same checks as the pages (``registry.blueprints.monitoring.views`` and, for the year-end period, the final
assessment page of ``registry.blueprints.review.views``): the task must be visible (403), then the service's
``require_*`` check says who may act and whether the task's state allows it (403, 409).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload, selectinload

from registry.api import schemas
from registry.api.auth import api_actor
from registry.api.common import api_blueprint, guarded, party, task_rows, visible_row, visible_task
from registry.api.errors import documented
from registry.models import Assessment, Period, Recommendation, Task
from registry.services import monitoring as monitoring_service
from registry.services import review as review_service

blp = api_blueprint("api_monitoring", __name__, "/api/v1",
                    "The monitor's assessments (Form C) with recommendations, the owner's "
                    "acknowledgements and replies.")


@blp.route("/tasks/<id:task_id>/assessments")
@blp.response(200, schemas.AssessmentListSchema)
@documented(blp, 403, 404)
def list_assessments(task_id: int):
    """The task's assessments, oldest first, with their recommendations and replies"""
    return task_rows(task_id, Assessment, Assessment.id, joinedload(Assessment.monitor),
                     selectinload(Assessment.recommendations))


@blp.route("/tasks/<id:task_id>/assessments", methods=["POST"])
@blp.arguments(schemas.AssessmentInput)
@guarded(visible_task, party("assess"))
@blp.response(201, schemas.AssessmentSchema)
@documented(blp, 400, 403, 404, 409, 413)
def create_assessment(data: dict[str, Any], task: Task):
    """Assess the task for a period, with recommendations (its assigned monitor)

    The quarters and `mid_year` while the task is approved or under way; `final` after the owner's
    self-assessment. 409 out of order or for a period already assessed.
    """
    actor = api_actor()
    period = data.pop("period")
    recommendations = data.pop("recommendations")
    if period == Period.FINAL:
        review_service.require_final_assessable(actor, task)
    else:
        monitoring_service.require_assessable(actor, task)
    return monitoring_service.add_assessment(actor, task, period, data, recommendations), 201


@blp.route("/assessments/<id:assessment_id>/acknowledge", methods=["POST"])
@guarded(visible_row(Assessment), name="assessment")
@blp.response(200, schemas.AssessmentSchema)
@documented(blp, 403, 404, 409)
def acknowledge_assessment(assessment: Assessment):
    """Acknowledge having read an assessment (the task's owner; once)"""
    return monitoring_service.acknowledge_assessment(api_actor(), assessment)


@blp.route("/recommendations/<id:recommendation_id>/reply", methods=["POST"])
@blp.arguments(schemas.ReplyInput)
@guarded(visible_row(Recommendation), monitoring_service.require_replyable, name="recommendation")
@blp.response(200, schemas.RecommendationSchema)
@documented(blp, 400, 403, 404, 409, 413)
def reply_to_recommendation(data: dict[str, Any], recommendation: Recommendation):
    """Reply to a recommendation (the task's owner; once)"""
    return monitoring_service.reply_to_recommendation(api_actor(), recommendation, data.get("reply", ""))
