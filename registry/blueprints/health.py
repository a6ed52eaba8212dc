"""``/healthz``: a liveness probe for load balancers and the served benchmark — no database, no session.

``init_app`` registers the blueprint and a request hook placed *first* among the app's hooks that answers
``/healthz`` itself, so no later hook (sign-in, the SQLite write lock, the API's routing) runs for it. The view
is also marked ``is_public = True`` for a login hook that wants to read it.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

bp = Blueprint("health", __name__)
ENDPOINT = "health.healthz"


@bp.route("/healthz", methods=["GET", "HEAD"])
def healthz() -> Response:
    """200 "ok" as plain text, never cached."""
    return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})


healthz.is_public = True  # type: ignore[attr-defined]


def _answer_first() -> Response | None:
    return healthz() if request.endpoint == ENDPOINT else None


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _answer_first)
