"""Personal API tokens: made on the profile page or the command line, shown once, revoked by their owner."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry import clock, policy
from registry.models import ApiToken, Person, db
from registry.services.audit import record_event
from registry.services.errors import FieldErrors, PermissionDenied

#: every token starts with this, so a leaked one is easy to recognise (and to search for in code)
TOKEN_PREFIX = "vk_"
MAX_NAME = 100
#: ``last_used_at`` is written at most this often, so reads do not each write a row
TOUCH_EVERY = timedelta(minutes=1)


def hash_token(plaintext: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(actor: Person | None, name: str, *, owner: Person | None = None) -> tuple[ApiToken, str]:
    """Make a token for ``actor`` (or, from the command line with ``actor`` None, for ``owner``).

    Returns the row and the plaintext, which is shown once and never stored.
    """
    owner = owner or actor
    if owner is None or (actor is not None and owner.id != actor.id):
        raise PermissionDenied(_l("A token can only be made for your own account."))
    errors = FieldErrors()
    name = errors.text("name", name, MAX_NAME, required=_l("Name the token, e.g. the program that will use it."))
    if not owner.is_active:
        errors.add("name", _l("The account is deactivated."))
    errors.raise_if_any()
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(person_id=owner.id, name=name, token_hash=hash_token(plaintext), created_at=clock.now())
    db.session.add(token)
    db.session.flush()
    record_event(actor, "api_token.create", object_type="api_token", object_id=token.id, subject=owner,
                 after={"name": name})
    return token, plaintext


def revoke_token(actor: Person, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner, or the secretariat, may; revoking twice changes nothing."""
    policy.require_can(actor, "manage_token", token)
    if token.revoked_at is not None:
        return token
    token.revoked_at = clock.now()
    db.session.flush()
    record_event(actor, "api_token.revoke", object_type="api_token", object_id=token.id,
                 subject=db.session.get(Person, token.person_id), before={"name": token.name, "revoked": False},
                 after={"name": token.name, "revoked": True})
    return token


def person_tokens(person: Person) -> list[ApiToken]:
    """A person's tokens, newest first, revoked ones included."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.id.desc())
    ))


def authenticate_token(plaintext: str | None) -> Person | None:
    """The active person a live token belongs to, or None; notes when the token was last used."""
    if not plaintext or not plaintext.startswith(TOKEN_PREFIX) or len(plaintext) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or token.revoked_at is not None:
        return None
    person = db.session.get(Person, token.person_id)
    if person is None or not person.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        db.session.flush()
    return person
