"""Token authentication of the API: ``Authorization: Bearer vk_…``, never the session cookie.

A token acts with exactly its person's permissions: handlers take the person from ``api_actor()`` and pass
it to the services and permission predicates as ``actor``.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from registry.api.errors import problem, status_detail
from registry.extensions import login_manager
from registry.models import Person
from registry.services import tokens

#: the OpenAPI security scheme every API operation requires
SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "A personal API token (`vk_…`), made on the profile page or with "
                                  "`flask --app registry token create USERNAME`."}


def _bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate() -> Response | None:
    """Before every request of an API blueprint: the token's person, or 401."""
    # the API never reads the session: Flask-Login's current_user stays anonymous here
    g._login_user = login_manager.anonymous_user()
    token = _bearer_token()
    person = tokens.authenticate_token(token)
    if person is None:
        challenge = 'Bearer realm="api"' + (', error="invalid_token"' if token else "")
        return problem(401, status_detail(401), headers={"WWW-Authenticate": challenge})
    g.api_actor = person
    return None


def api_actor() -> Person:
    """The person whose token authenticated this API request."""
    return g.api_actor


def protect(blueprint: Blueprint) -> None:
    """Require a valid token for every endpoint of ``blueprint``."""
    blueprint.before_request(authenticate)
