"""The signed-in session's clock (idle and absolute timeouts), shared by the sign-in views and the web layer."""

from __future__ import annotations

from flask import session

from registry import clock

#: the session keys of a signed-in person (dropped when the session ends or times out)
LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_auth_at", "_seen_at")


def start_session_clock() -> None:
    """Mark the session as signed in now (for the idle and absolute timeouts)."""
    now = clock.now().timestamp()
    session["_auth_at"] = now
    session["_seen_at"] = now
