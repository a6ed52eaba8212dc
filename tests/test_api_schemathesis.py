"""Schemathesis against the OpenAPI document, in process: every operation, in positive and negative mode, each
generated request sent with the tokens of an owner, a Standing Committee member and the secretariat.
No 5xx, every response conforms to the document (status code, content type, headers, body schema), and
malformed input is rejected.

Schemathesis' own pytest loader does not run under this pytest, so each operation's Hypothesis strategy is
driven directly with ``@given``.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from registry import create_app
from registry.models import TaskState
from tests.test_api_contract import token_for  # noqa: F401 - a fixture

S = TaskState
ROLES = ["owner", "standing", "secretariat"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
MAX_EXAMPLES = 5
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _operations() -> list[str]:
    """``METHOD /path`` of every operation in the document (read from an app that needs no database)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "collect", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
            if method in ("get", "post", "put", "patch", "delete")]


OPERATIONS = _operations()


@pytest.fixture
def task_ids(world, make_task, db) -> list[int]:
    """Tasks in every reachable state, owned by the owner (and one by another owner), committed."""
    made = [make_task(state) for state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.WITHDRAWN)]
    made.append(make_task(S.SUBMITTED, owner=world.other_owner))
    db.session.commit()
    return [t.id for t in made]


_loaded: dict[int, object] = {}


@pytest.fixture
def api_schema(app):
    """The document as Schemathesis reads it, loaded once per application."""
    if id(app) not in _loaded:
        _loaded[id(app)] = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return _loaded[id(app)]


def _aim_at_real_rows(case, world, task_ids) -> None:
    """Random ids rarely exist: send most positive cases to real rows, with a matching If-Match, and
    make some bodies name the open year and a real field, so that successes are exercised too."""
    if not (case.meta and case.meta.generation.mode.is_positive):
        return  # negative cases stay as generated: they must be refused
    ids = {"task_id": task_ids, "person_id": [world.owner.id, world.secretariat.id], "unit_id": [world.unit.id],
           "year_id": [world.year.id], "field_id": [world.field.id]}
    for name, value in dict(case.path_parameters or {}).items():
        if name in ids and isinstance(value, int) and value % 5:
            case.path_parameters[name] = ids[name][value % len(ids[name])]
    headers = case.headers or {}
    if isinstance(headers.get("If-Match"), str) and len(headers["If-Match"]) % 4:
        headers["If-Match"] = "*"
    body = case.body
    if isinstance(body, dict) and len(str(body)) % 2:
        for name, real in (("year", world.year.year), ("field_id", world.field.id)):
            if isinstance(body.get(name), int):
                body[name] = real
        for name in ("deadline", "milestones", "indicators", "owner_unit_id"):
            body.pop(name, None)


def test_every_operation_is_covered():
    assert len(OPERATIONS) >= 20 and "PATCH /api/v1/tasks/{task_id}" in OPERATIONS


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_conforms_to_the_document(label, mode, api_schema, world, token_for, task_ids):  # noqa: F811
    operation = api_schema.find_operation_by_label(label)
    tokens = {role: token_for(getattr(world, role)) for role in ROLES}
    checks = CHECKS + ([negative_data_rejection] if mode == schemathesis.GenerationMode.NEGATIVE else [])

    @SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        _aim_at_real_rows(case, world, task_ids)
        for role in ROLES:
            response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
            case.validate_response(response, checks=checks)

    run()
