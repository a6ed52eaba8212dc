"""Errors raised by services; views and the API turn them into 403, 409 and field-level messages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l


class ServiceError(Exception):
    status_code = 400

    def __init__(self, message: Any = "") -> None:
        super().__init__(str(message))
        self.message = message


class PermissionDenied(ServiceError):
    """The actor may not do this to this object (HTTP 403)."""

    status_code = 403


class Conflict(ServiceError):
    """The action is out of order for the object's current state (HTTP 409)."""

    status_code = 409


class ValidationFailed(ServiceError):
    """Input is invalid; ``errors`` maps a field name (``indicators.0.target`` for rows) to messages."""

    status_code = 422

    def __init__(self, errors: dict[str, list[Any]]) -> None:
        super().__init__("; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in errors.items()))
        self.errors = errors


def too_long(limit: int) -> Any:
    """The message for a text over its limit: the same words from the service, on the page and in the API."""
    return _l("At most %(n)d characters.", n=limit)


class FieldErrors:
    """Collects field errors and raises them together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[Any]] = {}

    def add(self, field: str, message: Any) -> None:
        self.errors.setdefault(field, []).append(message)

    def text(self, field: str, value: Any, limit: int, required: Any = None) -> str:
        """``value`` as stripped text, with a message on ``field`` when it is longer than ``limit`` or, given
        ``required`` (the message for a missing one), empty."""
        value = str(value or "").strip()
        if required is not None and not value:
            self.add(field, required)
        elif len(value) > limit:
            self.add(field, too_long(limit))
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
