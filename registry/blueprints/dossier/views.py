"""Routes of the dossier blueprint."""

from registry.blueprints.dossier import bp  # noqa: F401
