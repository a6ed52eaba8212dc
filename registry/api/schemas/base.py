"""Field helpers and the base schemas of the API: input and query schemas (unknown fields rejected), pages."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from registry.models.base import MAX_ID

#: no NUL characters: PostgreSQL cannot store them in text
NO_NUL = "^[^\\u0000]*$"


def _no_surrogates(value: str) -> None:
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ma.ValidationError("Not valid Unicode text.")


def Text(**kwargs: Any) -> fields.String:  # noqa: N802 - a field factory, read like a field class
    """A string without NUL characters or lone surrogates (which no database stores)."""
    extra = kwargs.pop("validate", None)
    validators = [validate.Regexp(NO_NUL, error="Text may not contain NUL characters."), _no_surrogates]
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
    """Request bodies: an unknown field is an error (422), not silently dropped."""

    class Meta:
        unknown = ma.RAISE


class QuerySchema(ma.Schema):
    """Query strings: an unknown parameter is an error too (a misspelt filter must not pass unnoticed)."""

    class Meta:
        unknown = ma.RAISE


# -- responses -------------------------------------------------------------------------------------------

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
