"""Errors of the JSON API as problem details (RFC 9457, ``application/problem+json``).

Every error an API endpoint raises — an HTTP error, a webargs/marshmallow validation error, or a service's
``PermissionDenied`` (403), ``Conflict`` (409) or ``ValidationFailed`` (422) — becomes
``{"type", "title", "status", "detail"}``, plus ``errors: {field: [messages]}`` for field errors, with the
same dotted keys as the services (``indicators.0.target``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import marshmallow as ma
from flask import Blueprint, Response, current_app, json, request
from flask_babel import gettext as _
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    NotFound,
    default_exceptions,
)

from registry.services.errors import ServiceError, ValidationFailed

PROBLEM_MIMETYPE = "application/problem+json"
#: headers of an HTTP error that are kept on the problem response
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


class ProblemSchema(ma.Schema):
    """A problem details object (RFC 9457). Documents the error responses; dumping is done by ``problem``."""

    type = ma.fields.String(required=True, metadata={"description": "A URI naming the problem type; "
                                                                    "`about:blank` means the HTTP status says it"})
    title = ma.fields.String(required=True, metadata={"description": "The HTTP status phrase"})
    status = ma.fields.Integer(required=True, metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong, in the request's language"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Field errors (422): a dotted field name, such as `indicators.0.target`, "
                                 "to its messages"},
    )


def problem(status: int, detail: Any = None, *, errors: dict[str, list[Any]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """A problem details response."""
    body: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = {key: [str(m) for m in messages] for key, messages in errors.items()}
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    response.headers.update(headers or {})
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error messages as ``{"indicators.0.target": [...]}``."""
    if isinstance(messages, dict):
        out: dict[str, list[str]] = {}
        for key, value in messages.items():
            for name, texts in flatten_messages(value, f"{prefix}.{key}" if prefix else str(key)).items():
                out.setdefault(name, []).extend(texts)
        return out
    if isinstance(messages, (list, tuple)):
        if all(isinstance(m, (dict, list, tuple)) for m in messages) and messages:
            out = {}
            for value in messages:
                for name, texts in flatten_messages(value, prefix).items():
                    out.setdefault(name, []).extend(texts)
            return out
        return {prefix or "_schema": [str(m) for m in messages]}
    return {prefix or "_schema": [str(messages)]}


def _location_errors(messages: Any) -> dict[str, list[str]]:
    """webargs keys its messages by location (``json``, ``query``…): drop that level."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for _location, fields in messages.items():
            for name, texts in flatten_messages(fields).items():
                out.setdefault(name, []).extend(texts)
        return out
    return flatten_messages(messages)


def status_detail(status: int, exc: HTTPException | None = None) -> str:
    """The message for an HTTP error, reusing the web pages' translated wording."""
    messages = {
        400: _("The request could not be understood."),
        401: _("Send a valid personal API token: Authorization: Bearer vk_…"),
        403: _("You do not have permission for this page or action."),
        404: _("There is no such page or record."),
        405: _("This action is not available here."),
        413: _("The upload is larger than allowed."),
        422: _("Invalid input"),
        500: _("The error was logged. Nothing was saved."),
    }
    if status in messages:
        return messages[status]
    return exc.description if exc is not None and exc.description else HTTPStatus(status).phrase


def handle_http_error(exc: HTTPException) -> Response:
    """Any HTTP error raised inside an API endpoint, webargs' 422 (field errors) included."""
    status = exc.code or 500
    headers = {name: value for name, value in exc.get_headers() if name in KEPT_HEADERS}
    data = getattr(exc, "data", None) or {}
    headers.update(data.get("headers") or {})
    errors = None
    detail = data.get("message") or status_detail(status, exc)
    if "messages" in data or "errors" in data:
        errors = _location_errors(data.get("errors") or data.get("messages"))
        if status == 400:  # unreadable JSON: say so, without a field
            detail = "; ".join(m for ms in errors.values() for m in ms) or detail
            errors = None
    return problem(status, detail, errors=errors, headers=headers)


def handle_service_error(exc: ServiceError) -> Response:
    """``PermissionDenied`` → 403, ``Conflict`` → 409, ``ValidationFailed`` → 422 with field errors."""
    if isinstance(exc, ValidationFailed):
        return problem(422, status_detail(422), errors=exc.errors)
    return problem(exc.status_code, exc.message)


class BodyParser(FlaskParser):
    """webargs' parser, refusing a body nested deeper than the JSON decoder goes (``[[[[…]]]]``) as invalid JSON
    (400) instead of letting the decoder's ``RecursionError`` become a 500."""

    def _raw_load_json(self, req):
        try:
            return super()._raw_load_json(req)
        except RecursionError as exc:
            return self._handle_invalid_json_error(exc, req)


def install(blueprint: Blueprint) -> None:
    """Make every error of ``blueprint``'s endpoints a problem response (call it before the routes: their
    ``@blp.arguments`` then parse with ``BodyParser``).

    Handlers are registered per status code as well as for ``HTTPException``: Flask prefers an app-level
    handler for the code (the HTML error pages) over a blueprint's class-level one.
    """
    blueprint.ARGUMENTS_PARSER = BodyParser()
    for code in default_exceptions:
        blueprint.register_error_handler(code, handle_http_error)
    blueprint.register_error_handler(HTTPException, handle_http_error)
    blueprint.register_error_handler(ServiceError, handle_service_error)


def routing_error(prefix: str) -> Response | None:
    """Before any other request hook: an unknown URL or method under the API answers with a problem,
    not the HTML error page or a sign-in redirect (no blueprint handles a routing error)."""
    exc = request.routing_exception
    if not isinstance(exc, (NotFound, MethodNotAllowed)):
        return None
    if request.path != prefix and not request.path.startswith(prefix + "/"):
        return None
    return handle_http_error(exc)


def documented(blueprint, *codes: int):
    """Document the problem responses of an operation: 401 always, ``codes``, and any other as default."""

    def decorator(func):
        for code in (401, *codes):
            func = blueprint.alt_response(code, response=HTTPStatus(code).name)(func)
        return blueprint.alt_response("default", response="DEFAULT_ERROR")(func)

    return decorator
