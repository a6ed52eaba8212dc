"""Helpers shared by the API's handlers: the one shape of an action (``guarded``: load → policy → If-Match →
call) and of its decorator stack (``operation``), the API's blueprints, loading a task the token's person may see
(and the rows under it), and ``If-Match`` preconditions."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from sqlalchemy import select

from registry import policy
from registry.api.auth import api_actor, protect
from registry.api.errors import documented, install, problem
from registry.extensions import db
from registry.models import Person, Task

#: a check of the actor against the loaded object: raises ``PermissionDenied`` (403) or ``Conflict`` (409)
Check = Callable[[Person, Any], Any]
#: the object's If-Match precondition: None when it holds, else the 428/412 problem to answer with
Precondition = Callable[[Any], ResponseReturnValue | None]


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    """A blueprint of the API: every operation behind a token (401), its errors answered as problems."""
    blp = Blueprint(name, import_name, url_prefix=url_prefix, description=description)
    protect(blp)
    install(blp)
    return blp


def visible_task(task_id: int, action: str = "view") -> Task:
    """The task, if the token's person may read it and is a party of ``action`` (else 403 with the policy row's
    message, as on the pages), or 404."""
    task = db.get_or_404(Task, task_id)
    policy.require_party(api_actor(), "view", task)
    if action != "view":
        policy.require_party(api_actor(), action, task)
    return task


def task_rows(task_id: int, model: type, order_by: Any, *options: Any) -> dict[str, list[Any]]:
    """The rows of ``model`` under a task the token's person may see (403, 404), in order, as a list answer."""
    task = visible_task(task_id)
    rows = db.session.scalars(select(model).where(model.task_id == task.id).order_by(order_by).options(*options))
    return {"items": list(rows)}


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


def operation(blp, path: str, guard, *, response, codes: tuple[int, ...], body=None, body_options=None,
              status: int = 200, headers=None, parameters=None, method: str = "POST"):
    """The decorator stack of an action, in its one order: the route, the body's shape (422), ``guard`` (a
    ``guarded(...)``), the response, the If-Match ``parameters`` and the problems (``codes``) it documents."""

    def decorator(func):
        func = documented(blp, *codes)(func)
        if parameters is not None:
            func = blp.doc(parameters=parameters)(func)
        func = guard(blp.response(status, response, headers=headers)(func))
        if body is not None:
            func = blp.arguments(body, **(body_options or {}))(func)
        return blp.route(path, methods=[method])(func)

    return decorator
