"""Field helpers and the base schemas of the API: input and query schemas (unknown fields rejected), pages."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate
from marshmallow_sqlalchemy import ModelConverter, SQLAlchemyAutoSchema

from registry.models.base import MAX_ID
from registry.services.errors import too_long

#: no NUL characters: PostgreSQL cannot store them in text
NO_NUL = "^[^\\u0000]*$"


def _no_surrogates(value: str) -> None:
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ma.ValidationError("Not valid Unicode text.")


#: marks the fields of ``needed``
SERVICE_CHECKED = "service_checked"


def needed(message: Any) -> dict[str, Any]:
    """Keyword arguments of a field the action requires, checked by the service: the document lists it as
    required and ``message`` is the service's own words for a missing one (the page's too). The schema does not
    refuse it when missing (``InputSchema`` loads it partially): the policy answers first (403, 409) and the
    service then reports every field error of the body at once, with those words."""
    return {"required": True, "error_messages": {"required": message, SERVICE_CHECKED: True}}


def Text(limit: int | None = None, **kwargs: Any) -> fields.String:  # noqa: N802 - a field factory
    """A string without NUL characters or lone surrogates (which no database stores); with ``limit`` (the
    service's constant) at most that many characters, refused with the service's message."""
    extra = kwargs.pop("validate", None)
    validators = [validate.Regexp(NO_NUL, error="Text may not contain NUL characters."), _no_surrogates]
    if limit is not None:
        validators.append(validate.Length(max=limit, error=too_long(limit)))
    return fields.String(validate=validators + ([extra] if extra else []), **kwargs)


def RowId(**kwargs: Any) -> fields.Integer:  # noqa: N802
    """The id of a row: a positive 32-bit integer."""
    return fields.Integer(validate=validate.Range(1, MAX_ID), **kwargs)


class IdMap(fields.Dict):
    """A JSON object keyed by row id (``{"12": 44}``). Its errors are keyed by the id alone (``values.12``), as
    the services key theirs, not by marshmallow's ``values.12.value``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(keys=Text(), values=fields.Float(allow_none=True), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ma.ValidationError as exc:
            if not isinstance(exc.messages, dict):
                raise
            raise ma.ValidationError({key: [m for part in parts.values() for m in part] if isinstance(parts, dict)
                                      else parts for key, parts in exc.messages.items()}) from exc


class InputSchema(ma.Schema):
    """Request bodies: an unknown field is an error (422), not silently dropped. The fields of ``needed`` are
    loaded partially (their absence is the service's to refuse)."""

    class Meta:
        unknown = ma.RAISE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", self.service_checked())
        super().__init__(*args, **kwargs)

    @classmethod
    def service_checked(cls) -> tuple[str, ...]:
        """The required fields whose absence the service refuses."""
        return tuple(name for name, f in cls._declared_fields.items() if SERVICE_CHECKED in f.error_messages)


class QuerySchema(ma.Schema):
    """Query strings: an unknown parameter is an error too (a misspelt filter must not pass unnoticed)."""

    class Meta:
        unknown = ma.RAISE


# -- responses -------------------------------------------------------------------------------------------

def ListOf(schema: type[ma.Schema] | str, **kwargs: Any) -> fields.List:  # noqa: N802 - a field factory
    """A list (the ``items`` of a list or a page, the rows under a row), every one in the shape of ``schema``."""
    return fields.List(fields.Nested(schema), required=True, **kwargs)


def EnglishName() -> fields.String:  # noqa: N802
    """The English name of a field, a verdict level: null when not given."""
    return fields.String(allow_none=True, required=True,
                         metadata={"description": "English name; null when not given (show `name`)"})


def Changes() -> fields.Dict:  # noqa: N802
    """What an adjustment or an amendment changed: field → {before, after}."""
    return fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.Raw(
        allow_none=True)), required=True, metadata={"description": "field → {before, after}"})


class OutputConverter(ModelConverter):
    """Columns as response fields: every one is in every answer (required), null where the column is nullable,
    an enum as its stored value."""

    def _add_column_kwargs(self, kwargs: dict[str, Any], column: Any) -> None:
        super()._add_column_kwargs(kwargs, column)
        kwargs["required"] = True
        kwargs.pop("dump_only", None)
        if "enum" in kwargs:
            kwargs["by_value"] = True


class ModelSchema(SQLAlchemyAutoSchema):
    """A response in the shape of a model: its fields (``Meta.fields``, foreign keys included) come from the
    model's columns, with their types, nullability and lengths; a schema declares only what differs (a nested
    person, a renamed or computed field, a description)."""

    class Meta:
        model_converter = OutputConverter
        include_fk = True
        load_instance = False


def columns(model: Any, *names: str) -> type:
    """The ``Meta`` of a ``ModelSchema`` of ``model`` answering with the columns ``names``."""
    return type("Meta", (ModelSchema.Meta,), {"model": model, "fields": names})


class LinksSchema(ma.Schema):
    self = fields.String(required=True)
    next = fields.String(allow_none=True, required=True)
    prev = fields.String(allow_none=True, required=True)


class PageSchema(ma.Schema):
    total = fields.Integer(required=True, metadata={"description": "Items over all pages"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    links = fields.Nested(LinksSchema, required=True)
