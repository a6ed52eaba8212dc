"""Helpers shared by the API's handlers: the one shape of an action (``guarded``: load → policy → If-Match →
call), loading a task the token's person may see, and ``If-Match`` preconditions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask.typing import ResponseReturnValue

from registry import policy
from registry.api.auth import api_actor
from registry.api.errors import problem
from registry.extensions import db
from registry.models import Person, Task

#: a check of the actor against the loaded object: raises ``PermissionDenied`` (403) or ``Conflict`` (409)
Check = Callable[[Person, Any], Any]
#: the object's If-Match precondition: None when it holds, else the 428/412 problem to answer with
Precondition = Callable[[Any], ResponseReturnValue | None]


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


def visible_row(model: type) -> Callable[[int], Any]:
    """A loader of a row under a task (an assessment, a recommendation): 404 when there is none, 403 unless the
    token's person may read its task."""
    def load(row_id: int) -> Any:
        row = db.get_or_404(model, row_id)
        visible_task(row.task_id)
        return row
    return load


def rule(action: str) -> Check:
    """The policy row of ``action``: who may take it (403) and from which states (409), with its messages."""
    return lambda actor, obj: policy.require(actor, action, obj)


def party(action: str) -> Check:
    """Only the who-part of the policy row of ``action`` (403); the state is checked by a service's
    ``require_*`` after it."""
    return lambda actor, obj: policy.require_party(actor, action, obj)


def guarded(load: Callable[[int], Any], *checks: Check, if_match: Precondition | None = None,
            name: str = "task"):
    """The one shape of an API action, as the pages take it: the URL's id → ``load`` (404; 403 when not visible)
    → each check with the token's person (403, 409 with the policy row's message) → ``if_match`` (428, 412) →
    the handler, given the object as ``name`` (after the parsed body, if any). Put it under ``@blp.arguments``
    (the body's shape is checked first, 422) and above ``@blp.response``; the handler keeps only what differs —
    what it takes from the body and the service it calls; the service's ``ValidationFailed`` becomes a problem in
    ``api/errors.py``."""

    def decorator(func):
        @wraps(func)  # keeps flask-smorest's documentation of the arguments and responses
        def handler(*args: Any, **view_args: Any):
            (row_id,) = view_args.values()
            obj = load(row_id)
            actor = api_actor()
            for check in checks:
                check(actor, obj)
            if if_match is not None:
                failed = if_match(obj)
                if failed is not None:
                    return failed
            return func(*args, **{name: obj})
        return handler

    return decorator
