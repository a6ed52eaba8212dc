"""Web blueprints: thin views that load, check, call a service and render."""
