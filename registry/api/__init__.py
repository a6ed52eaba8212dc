"""The JSON API under ``/api/v1``: flask-smorest with marshmallow schemas, an OpenAPI 3 document at
``/api/v1/openapi.json`` and Swagger UI at ``/api/v1/docs``, served from the ``swagger-ui-bundle`` package
(no CDN).

The API authenticates with personal tokens only (``registry.api.auth``), answers errors as problem details
(``registry.api.errors``) and calls the same services and permission predicates as the pages.
"""

from __future__ import annotations

import http

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    render_template,
    request,
    send_from_directory,
)
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from flask_smorest.utils import prepare_response
from swagger_ui_bundle import swagger_ui_path

from registry.api import (
    dossier,
    monitoring,
    progress,
    rating,
    reference,
    reports,
    review,
    tasks,
)
from registry.api.auth import SECURITY_SCHEME
from registry.api.errors import PROBLEM_MIMETYPE, ProblemSchema, routing_error
from registry.extensions import csrf

PREFIX = "/api/v1"
EXTENSION = "registry-api"

DESCRIPTION = f"""\
The registry of hard tasks (việc khó) as JSON.

**Authentication.** Every operation needs a personal API token, sent as `Authorization: Bearer vk_…`.
Make one on your profile page (it is shown once) or with `flask --app registry token create USERNAME`.
A token acts with exactly its owner's permissions; a revoked token or a deactivated account gets 401.
The session cookie of the web pages is never used.

**Errors** are problem details (RFC 9457, `{PROBLEM_MIMETYPE}`): `type`, `title`, `status`, `detail`, and for
422 `errors` mapping a field (`indicators.0.target`) to its messages. Unknown fields in a body are a 422.
403: not allowed for you; 404: no such record; 409: the action is out of order for the task's state.

**Concurrency.** Task and progress-note responses carry an `ETag`. `PATCH /tasks/{{id}}` and `PATCH /notes/{{id}}`
require it in `If-Match`: 428 without it, 412 when the task or note changed since. The workflow actions (and a
note's amendment) check `If-Match` when it is sent.

**Evidence files** are uploaded as `multipart/form-data` with the field `file` (413 above the size limit) and
downloaded from `/files/{{id}}/content` as an attachment under their uploaded name.

**Lists** are paged (`page`, `per_page` ≤ 100): `items`, `total`, `page`, `per_page`, `pages` and
`links.self/next/prev`. Tasks come newest first (id descending), audit events newest first (by sequence). A task's
notes, assessments, history and carry-over chain, and the verdict scale, are short and come whole as `items`.
Dates and times are ISO 8601 (times in UTC).
"""

CONFIG_DEFAULTS = {
    "API_TITLE": "Việc khó registry API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {"info": {"description": DESCRIPTION}, "security": [{"bearerAuth": []}]},
}


class RegistryApi(Api):
    """flask-smorest's Api, with problem details for errors, and no app-wide error handler (the pages keep
    their HTML error pages; each API blueprint installs its own handlers)."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        pass

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "A problem (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


docs_bp = Blueprint("api_docs_ui", __name__, url_prefix=PREFIX)


@docs_bp.route("/docs")
def docs():
    """Swagger UI for the OpenAPI document, every file served by this application."""
    return render_template("api/docs.html", title=current_app.config["API_TITLE"],
                           spec_url=current_app.config["OPENAPI_URL_PREFIX"] + "/openapi.json")


@docs_bp.route("/docs/init.js")
def init_script():
    script = ("window.ui = SwaggerUIBundle({url: document.getElementById('swagger-ui').dataset.specUrl,"
              " dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true});\n")
    return Response(script, mimetype="text/javascript")


@docs_bp.route("/docs/assets/<path:filename>")
def asset(filename: str):
    return send_from_directory(swagger_ui_path, filename)


def is_api_request() -> bool:
    """The request is for an API endpoint (token authentication, JSON errors, no session)."""
    names = current_app.extensions.get(EXTENSION, {}).get("blueprints", ())
    return request.blueprint in names


def init_app(app: Flask) -> None:
    """Attach the API to ``app`` (after ``registry.web.init_app``, which defines the ``id`` URL converter)."""
    for key, value in CONFIG_DEFAULTS.items():
        app.config.setdefault(key, value)
    api = RegistryApi(app)
    api.spec.components.security_scheme("bearerAuth", SECURITY_SCHEME)
    api.register_converter(app.url_map.converters["id"], integerconverter2paramschema)
    blueprints = (reference.blp, tasks.blp, progress.blp, monitoring.blp, review.blp, dossier.blp, reports.blp, rating.blp)
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(docs_bp)
    app.extensions[EXTENSION] = {
        "api": api,
        "blueprints": frozenset([b.name for b in blueprints] + [docs_bp.name, api._make_doc_blueprint_name()]),
    }
    # first of all request hooks: unknown URLs and methods under the API get a problem, not a sign-in page
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: routing_error(PREFIX))
