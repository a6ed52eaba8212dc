"""Password reset by e-mail: a signed link, valid 30 minutes and usable once.

The link carries the person's id, the time it was issued and a fingerprint of the password hash and session
version: setting a new password (through the link, the profile or the secretariat) changes both, so a used or
superseded link stops working without any table of issued links. The request page answers the same whether
the account exists, has an e-mail address or not, so it cannot be used to discover accounts; at most one
e-mail per account per ``RESET_MAIL_INTERVAL``, and requests from an address the sign-in throttle has blocked
are refused.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone
from typing import Callable

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select

from registry import clock
from registry.models import AuditEvent, Person, db
from registry.services.audit import record_event
from registry.services.errors import FieldErrors
from registry.services.notifications import Mailer
from registry.services.people import _check_password
from registry.services.security import ThrottleSettings, address_throttled, end_sessions, log_auth, normalise_username

log = logging.getLogger("registry.auth")

RESET_VALID_FOR = timedelta(minutes=30)
#: a second request within this time sends nothing (the first link still works)
RESET_MAIL_INTERVAL = timedelta(minutes=5)
SALT = "registry.password-reset"


class ResetThrottled(Exception):
    """The client address is blocked by the sign-in throttle."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(person: Person) -> str:
    material = f"{person.password_hash}|{person.session_version}|{int(person.is_active)}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def make_token(person: Person) -> str:
    """A reset link's token for ``person``, issued now."""
    return _serializer().dumps({"p": person.id, "t": int(clock.now().timestamp()), "f": _fingerprint(person)})


def person_for_token(token: str) -> Person | None:
    """The active person a valid, unexpired and unused token was issued to; None otherwise."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int) or not isinstance(data.get("t"), int):
        return None
    issued = datetime.fromtimestamp(data["t"], tz=timezone.utc)
    if not issued <= clock.now() <= issued + RESET_VALID_FOR:
        return None
    person = db.session.get(Person, data["p"])
    if person is None or not person.is_active or data.get("f") != _fingerprint(person):
        return None
    return person


def _recently_mailed(person: Person) -> bool:
    since = clock.now() - RESET_MAIL_INTERVAL
    return bool(db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "person.reset_link_sent", AuditEvent.object_type == "person",
        AuditEvent.object_id == person.id, AuditEvent.occurred_at > since)))


def request_reset(identifier: str, address: str | None, mailer: Mailer | None,
                  link_for: Callable[[str], str], locale: str = "vi") -> bool:
    """Send a reset link to the active account named by ``identifier`` (username or e-mail address) when it
    has an e-mail address and a mailer is configured. Returns whether an e-mail was sent; the page must not
    show it. Raises ``ResetThrottled`` when the address is blocked by the sign-in throttle."""
    address = address or "unknown"
    settings = ThrottleSettings.from_config(current_app.config)
    if address_throttled(address, settings):
        log_auth("password reset throttled", identifier, address)
        raise ResetThrottled()
    name = normalise_username(identifier)
    person = db.session.scalar(select(Person).where(
        or_(Person.username == name, func.lower(Person.email) == name))) if name else None
    if person is None or not person.is_active or not person.email or mailer is None:
        log_auth("password reset requested, nothing sent", name, address, level=logging.INFO,
                 reason="no such active account with an e-mail" if mailer else "no SMTP configured")
        return False
    if _recently_mailed(person):
        log_auth("password reset requested again, nothing sent", person.username, address, level=logging.INFO)
        return False
    link = link_for(make_token(person))
    minutes = int(RESET_VALID_FOR.total_seconds() // 60)
    with force_locale(locale):
        subject = _("Reset your password for the hard-task registry")
        body = _("Hello %(name)s,\n\nSomeone (hopefully you) asked to reset the password of the account "
                 "%(username)s. Open this link within %(minutes)d minutes to choose a new password; it works "
                 "once:\n\n%(link)s\n\nIf you did not ask for this, ignore this e-mail: your password stays "
                 "as it is.", name=person.full_name, username=person.username, minutes=minutes, link=link)
    mailer.send(person.email, subject, body)
    record_event(None, "person.reset_link_sent", object_type="person", object_id=person.id, subject=person)
    log_auth("password reset link sent", person.username, address, level=logging.INFO)
    return True


def reset_with_token(person: Person, new_password: str, address: str | None) -> None:
    """Set the new password chosen through a reset link; every session of the person ends."""
    errors = FieldErrors()
    _check_password(new_password, "new_password", errors, username=person.username)
    errors.raise_if_any()
    person.set_password(new_password)
    end_sessions(person)
    db.session.flush()
    record_event(person, "person.reset_by_link", object_type="person", object_id=person.id, subject=person)
    log_auth("password reset by link", person.username, address, level=logging.INFO)


__all__ = ["RESET_VALID_FOR", "ResetThrottled", "make_token", "person_for_token", "request_reset",
           "reset_with_token"]
