"""Routes of the monitoring blueprint."""

from registry.blueprints.monitoring import bp  # noqa: F401
