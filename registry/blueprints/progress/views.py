"""Routes of the progress blueprint."""

from registry.blueprints.progress import bp  # noqa: F401
