"""Routes of the review blueprint."""

from registry.blueprints.review import bp  # noqa: F401
