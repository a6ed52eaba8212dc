"""Tasks through the API: list, detail, history, and the registration workflow.

Each handler loads, checks with the same predicates as the pages (``can_view_task``, ``can_edit_task``),
calls the same service function, and dumps. Updates of a draft carry the task's ETag in ``If-Match``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import marshmallow as ma
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.http import quote_etag

from registry.api import schemas
from registry.api.auth import api_actor
from registry.api.common import api_blueprint, guarded, operation, precondition, rule, visible_task
from registry.api.errors import documented
from registry.api.pagination import paginate
from registry.extensions import db
from registry.models import Person, Task, Year
from registry.services import task_core
from registry.services import tasks as task_service
from registry.services.audit import canonical_json, task_events
from registry.services.errors import ValidationFailed
from registry.services.queries import TaskFilters, task_list, task_list_key

blp = api_blueprint("api_tasks", __name__, "/api/v1/tasks",
                    "Registrations (Form A) and their workflow.")

#: the fields of Form A a PATCH starts from (the task's current values)
EDITABLE = task_core.SCALAR_FIELDS
IF_MATCH = {"name": "If-Match", "in": "header", "schema": {"type": "string"},
            "description": "The task's ETag, as returned by GET. Required for PATCH (428 without it, 412 when the "
                           "task changed since); optional for the actions, checked when given."}
ETAG_HEADER = {"ETag": {"description": "The task's current version", "schema": {"type": "string"}}}


# -- helpers ------------------------------------------------------------------------------------------------

def task_etag(task: Task) -> str:
    """The task's entity tag: its version counter and a digest of its content (rows included)."""
    content = canonical_json({"state": task.state.value, **task_core.task_snapshot(task)})
    return f"{task.version}-{hashlib.sha256(content.encode('utf-8')).hexdigest()[:12]}"


def task_headers(task: Task) -> dict[str, str]:
    return {"ETag": quote_etag(task_etag(task))}


def check_if_match(task: Task, *, required: bool) -> Any:
    """None when the precondition holds; else the 428 or 412 problem to answer with."""
    return precondition(task_etag(task), required=required,
                        missing=_("Send the task's ETag in an If-Match header."),
                        stale=_("The task was changed since you read it: fetch it again."))


def _current_values(task: Task) -> dict[str, Any]:
    """The registration as service input, for a partial update to start from."""
    data = {name: getattr(task, name) for name in EDITABLE}
    data["indicators"] = [i.as_dict() for i in task.indicators]
    data["milestones"] = [{"description": m.description, "due_on": m.due_on} for m in task.milestones]
    return data


def _person(person_id: int | None) -> Person | None:
    return db.session.get(Person, person_id) if person_id else None


def _done(task: Task, status: int = 200):
    return task, status, task_headers(task)


def task_action(action: str, *, if_match_required: bool = False):
    """The task for ``action``, checked as the pages check it: visible (else 403), the person may take the
    action (403), the state allows it (409); then the If-Match precondition (428, 412)."""
    return guarded(visible_task, rule(action),
                   if_match=lambda task: check_if_match(task, required=if_match_required))


def task_post(path: str, action: str, body=None, *, body_options=None, if_match_required: bool = False,
              method: str = "POST"):
    """A workflow action on a task (``task_action``), answering with the task and its ETag; the problems it may
    answer with follow from whether it takes a body and requires If-Match."""
    codes = (*((400,) if body else ()), 403, 404, 409, 412, *((413,) if body else ()),
             *((428,) if if_match_required else ()))
    return operation(blp, path, task_action(action, if_match_required=if_match_required),
                     response=schemas.TaskSchema, headers=ETAG_HEADER, body=body, body_options=body_options,
                     parameters=[{**IF_MATCH, "required": True} if if_match_required else IF_MATCH],
                     codes=codes, method=method)


# -- reading ----------------------------------------------------------------------------------------------

@blp.route("")
@blp.arguments(schemas.TaskListArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.TaskPageSchema)
@documented(blp)
def list_tasks(args: dict[str, Any]):
    """Tasks the token's person may see, newest first, filtered and paged"""
    filters = TaskFilters(year=args.get("year"), unit_id=args.get("unit"), field_id=args.get("field"),
                          kind=args.get("kind"), state=args.get("state"), owner_id=args.get("owner"),
                          q=args.get("q") or "")
    actor = api_actor()
    return paginate(task_list(actor, filters), args, cache_key=("api", *task_list_key(actor, filters)))


@blp.route("/<id:task_id>")
@blp.response(200, schemas.TaskSchema, headers=ETAG_HEADER)
@documented(blp, 403, 404)
def get_task(task_id: int):
    """One task with its indicators, milestones and adjustments"""
    return _done(visible_task(task_id))


@blp.route("/<id:task_id>/history")
@blp.response(200, schemas.EventListSchema)
@documented(blp, 403, 404)
def task_history(task_id: int):
    """The task's audit events, oldest first"""
    return {"items": task_events(visible_task(task_id))}


# -- the owner's registration ---------------------------------------------------------------------------

@blp.route("", methods=["POST"])
@blp.arguments(schemas.TaskCreateInput)
@blp.response(201, schemas.TaskSchema, headers=ETAG_HEADER)
@documented(blp, 400, 403, 409, 413)
def create_task(data: dict[str, Any]):
    """Register a new task as a draft (409 when the year's registration window is closed)"""
    number = data.pop("year")
    owner_unit_id = data.pop("owner_unit_id", None)
    committee_id = data.pop("committee_id", None)
    year = db.session.scalar(select(Year).where(Year.year == number))
    if year is None:
        raise ValidationFailed({"year": [_("There is no such year.")]})
    task = task_service.create_task(api_actor(), year, data, owner_unit_id=owner_unit_id,
                                    committee_id=committee_id)
    return task, 201, {**task_headers(task), "Location": url_for("api_tasks.get_task", task_id=task.id)}


@task_post("/<id:task_id>", "edit", schemas.TaskUpdateInput, if_match_required=True, method="PATCH")
def update_task(data: dict[str, Any], task: Task):
    """Change a draft or returned registration; fields not given keep their values"""
    task_service.update_task(api_actor(), task, {**_current_values(task), **data})
    return _done(task)


@task_post("/<id:task_id>/submit", "submit")
def submit_task(task: Task):
    """Submit the registration to the Standing Committee (the owner)"""
    task_service.submit_task(api_actor(), task)
    return _done(task)


@task_post("/<id:task_id>/withdraw", "withdraw", schemas.WithdrawInput, body_options={"required": False})
def withdraw_task(data: dict[str, Any], task: Task):
    """Withdraw the registration before approval (the owner)"""
    task_service.withdraw_task(api_actor(), task, data.get("reason", ""))
    return _done(task)


# -- Standing Committee decisions ------------------------------------------------------------------------------

@task_post("/<id:task_id>/approve", "approve", schemas.ApproveInput)
def approve_task(data: dict[str, Any], task: Task):
    """Approve a submitted registration and name its monitor (Standing Committee)"""
    task_service.approve_task(api_actor(), task, decision_ref=data.get("decision_ref", ""),
                              decision_date=data.get("decision_date"), monitor=_person(data.get("monitor_id")))
    return _done(task)


@task_post("/<id:task_id>/return", "return", schemas.ReturnInput)
def return_task(data: dict[str, Any], task: Task):
    """Return a submitted registration to its owner with a comment (Standing Committee)"""
    task_service.return_task(api_actor(), task, comment=data.get("comment", ""))
    return _done(task)


@task_post("/<id:task_id>/adjust", "adjust", schemas.AdjustInput)
def adjust_task(data: dict[str, Any], task: Task):
    """Adjust fields of a submitted registration, with a reason (Standing Committee)"""
    reason = data.pop("reason", "")
    task_service.adjust_task(api_actor(), task, reason=reason, data=data)
    return _done(task)


@task_post("/<id:task_id>/assign-monitor", "assign_monitor", schemas.MonitorInput)
def assign_monitor(data: dict[str, Any], task: Task):
    """Name or change the task's Fatherland Front monitor (Standing Committee)"""
    task_service.assign_monitor(api_actor(), task, _person(data.get("monitor_id")))
    return _done(task)
