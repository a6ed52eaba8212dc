"""The API's responses in the shape of a model (``registry.api.schemas.base.ModelSchema``) take their fields from the
model's columns: the OpenAPI document says of each what the column says (null allowed or not, the longest
string), a registration's answer carries every text field of Form A, and a field the column does not have cannot
be asked for (the app does not start)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import registry.api.schemas  # noqa: F401 - every schema module imported, so every ModelSchema exists
from registry.api.schemas.base import ModelSchema, OutputConverter, columns
from registry.api.schemas.tasks import TaskSchema
from registry.models import Task, TaskState
from registry.services.task_input import FORM_A_TEXT
from tests.test_api_contract import API, api_as, token_for  # noqa: F401 - fixtures


def model_schemas() -> list[type[ModelSchema]]:
    found, todo = [], list(ModelSchema.__subclasses__())
    while todo:
        schema = todo.pop()
        found.append(schema)
        todo.extend(schema.__subclasses__())
    return [s for s in found if s.opts.model is not None]


def test_there_are_model_schemas():
    names = {s.__name__ for s in model_schemas()}
    assert {"TaskSchema", "TaskSummarySchema", "NoteSchema", "AssessmentSchema", "VerdictSchema",
            "OrgUnitSchema", "YearSchema"} <= names


@pytest.fixture(scope="module")
def spec(_app):
    return _app.test_client().get(f"{API}/openapi.json").get_json()["components"]["schemas"]


#: the schemas that only other schemas extend (never an answer of their own, so not in the document)
BASES = {"TaskHeadSchema"}


def test_every_other_model_schema_is_documented(spec):
    assert {s.__name__ for s in model_schemas() if s.__name__.removesuffix("Schema") not in spec} == BASES


@pytest.mark.parametrize("schema", [s for s in model_schemas() if s.__name__ not in BASES], ids=lambda s: s.__name__)
def test_the_document_says_what_the_columns_say(spec, schema):
    component = spec[schema.__name__.removesuffix("Schema")]
    mapper = sa.inspect(schema.opts.model)
    made = OutputConverter(schema_cls=schema).fields_for_model(schema.opts.model, fields=schema.opts.fields,
                                                               include_fk=True)
    compared = 0
    for name, field in schema._declared_fields.items():
        if field is None or name not in made or repr(field) != repr(made[name]):
            continue  # declared on the schema: a rename, a nested record or a description of its own
        column = mapper.columns[name]
        documented = component["properties"][name]
        assert name in component["required"], name  # every answer has it
        assert documented.get("nullable", False) is column.nullable, name
        length = getattr(column.type, "length", None)
        if isinstance(column.type, sa.String) and length and not isinstance(column.type, sa.Enum):
            assert documented["maxLength"] == length, name
        compared += 1
    assert compared, f"{schema.__name__} takes nothing from {schema.opts.model.__name__}"


def test_a_registration_answers_with_every_form_a_text(db, world, make_task, api_as):  # noqa: F811 - the fixture
    task = make_task(TaskState.DRAFT, title="Giải phóng mặt bằng", locality="Phường Một")
    body = api_as(world.owner).get(f"tasks/{task.id}").get_json()
    for text in FORM_A_TEXT:
        assert text.name in body and body[text.name] == getattr(task, text.name), text.name
    assert body["locality"] == "Phường Một" and body["state"] == "draft"  # an enum by its value
    assert set(TaskSchema().fields) == set(body)


def test_a_column_the_model_lacks_cannot_be_asked_for():
    broken = type("Broken", (ModelSchema,), {"Meta": columns(Task, "id", "no_such_column")})
    with pytest.raises(KeyError, match="no_such_column"):
        broken()  # as the API's decorators make them when the app starts
