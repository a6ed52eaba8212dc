"""The year-end review (Form D) through the API: the owner's self-assessment, the Standing Committee's verdict,
reopening, carry-over into a later year, the carry-over chain, and the verdict scale.

The same checks as the pages (``registry.blueprints.review.views``): the task must be visible (403), then the
service's ``require_*`` check (403, 409); then, when sent, ``If-Match`` with the task's ETag (412). The monitor's
final assessment is ``POST /tasks/{id}/assessments`` with the period `final`.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from registry.api import schemas
from registry.api.auth import api_actor
from registry.api.common import api_blueprint, guarded, operation, visible_task
from registry.api.errors import documented
from registry.api.tasks import ETAG_HEADER, IF_MATCH, check_if_match, task_headers
from registry.extensions import db
from registry.models import Task, Year
from registry.services import review as review_service
from registry.services.errors import ValidationFailed

blp = api_blueprint("api_review", __name__, "/api/v1",
                    "Year-end review (Form D): self-assessment, verdict, reopening, carry-over.")


def review_action(check):
    """The task, checked as the review pages check it: visible (403), then the service's ``require_*`` check
    (403, 409); then the If-Match precondition when given (412)."""
    return guarded(visible_task, check, if_match=lambda task: check_if_match(task, required=False))


def review_post(path: str, check, body, response, *, status: int = 201, headers=None):
    """A review action (``review_action``) taking ``body`` and answering with ``response``."""
    return operation(blp, path, review_action(check), body=body, response=response, status=status,
                     headers=headers, parameters=[IF_MATCH], codes=(400, 403, 404, 409, 412, 413))


@review_post("/tasks/<id:task_id>/self-assessment", review_service.require_self_assessable,
             schemas.SelfAssessmentInput, schemas.SelfAssessmentSchema)
def self_assess(data: dict[str, Any], task: Task):
    """The owner's year-end self-assessment of an approved task under way; the task becomes self-assessed"""
    return review_service.submit_self_assessment(api_actor(), task, data), 201


@review_post("/tasks/<id:task_id>/verdict", review_service.require_decidable, schemas.VerdictInput,
             schemas.VerdictSchema)
def record_verdict(data: dict[str, Any], task: Task):
    """Record the verdict (Standing Committee)

    After the owner's self-assessment and the monitor's final assessment. The verdict locks the task and
    everything under it under a seal.
    """
    return review_service.record_verdict(api_actor(), task, data), 201


@review_post("/tasks/<id:task_id>/reopen", review_service.require_reopenable, schemas.ReopenInput,
             schemas.TaskSchema, status=200, headers=ETAG_HEADER)
def reopen(data: dict[str, Any], task: Task):
    """Reopen a reviewed task with a reason (Standing Committee); its verdict stays, superseded"""
    review_service.reopen_task(api_actor(), task, data.get("reason", ""))
    return task, 200, task_headers(task)


@review_post("/tasks/<id:task_id>/carry-over", review_service.require_carriable, schemas.CarryOverInput,
             schemas.TaskSchema, headers=ETAG_HEADER)
def carry_over(data: dict[str, Any], task: Task):
    """Carry a task judged unfinished into a later year (the owner)

    The new task is a draft registration linked to this one, to be submitted and approved again. 409 when the
    year's registration window is closed.
    """
    year = db.session.get(Year, data["year_id"])
    if year is None:
        raise ValidationFailed({"year_id": [_("There is no such year.")]})
    new = review_service.carry_over(api_actor(), task, year, data.get("reason", ""))
    return new, 201, {**task_headers(new), "Location": url_for("api_tasks.get_task", task_id=new.id)}


@blp.route("/tasks/<id:task_id>/lineage")
@blp.response(200, schemas.TaskRecordListSchema)
@documented(blp, 403, 404)
def lineage(task_id: int):
    """The chain of carry-overs through the task, earliest year first (just the task when it has none)"""
    return {"items": review_service.lineage(visible_task(task_id))}


@blp.route("/verdict-levels")
@blp.response(200, schemas.VerdictLevelListSchema)
@documented(blp)
def verdict_levels():
    """The active levels of the verdict scale, in order"""
    return {"items": review_service.active_levels()}
