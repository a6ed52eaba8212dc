"""Helpers shared by the API's handlers: loading a task the token's person may see, and ``If-Match``
preconditions."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from registry import policy
from registry.api.auth import api_actor
from registry.api.errors import problem
from registry.extensions import db
from registry.models import Task


def visible_task(task_id: int, action: str = "view") -> Task:
    """The task, if the token's person may read it and is a party of ``action`` (else 403 with the policy row's
    message, as on the pages), or 404."""
    task = db.get_or_404(Task, task_id)
    policy.require_party(api_actor(), "view", task)
    if action != "view":
        policy.require_party(api_actor(), action, task)
    return task


def precondition(etag: str, *, required: bool, missing: str, stale: str) -> ResponseReturnValue | None:
    """None when the request's ``If-Match`` holds for ``etag``; else the 428 (no header but ``required``) or 412
    (another version) problem to answer with."""
    if not request.if_match:
        return problem(428, missing) if required else None
    if not request.if_match.contains(etag):
        return problem(412, stale)
    return None
