"""Sign-in protection: throttled sign-in counted in the database, session versions, password rules, and the
``registry.auth`` log of every success, failure, throttle and denial."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from registry import clock
from registry.models import AttemptOutcome, Person, SignInAttempt, db
from registry.text import fold

log = logging.getLogger("registry.auth")

#: attempts older than this are deleted as new ones come in
KEEP_ATTEMPTS = timedelta(days=1)

#: passwords refused whatever their length: the most common English and Vietnamese ones (compared folded:
#: lower case, no diacritics, surrounding spaces removed)
COMMON_PASSWORDS = frozenset("""
123456789 1234567890 12345678910 0123456789 0987654321 9876543210 1111111111 0000000000 1234512345
1234567890a 123456789a 123456789z 12345678a@ a123456789 1q2w3e4r5t 1qaz2wsx3edc 123qweasd qwerty qwerty123
qwerty1234 qwertyuiop qwertyuiop123 asdfghjkl zxcvbnm123 abc123456 abcd123456 abcdef1234 aaaaaaaaaa
password password1 password12 password123 password1234 passw0rd123 p@ssw0rd123 p@ssword123 iloveyou123
letmein123 welcome123 welcome1234 admin12345 administrator admin123456 changeme123 football123 princess123
sunshine123 dragon1234 monkey1234 trustno1234 master1234 superman123 baseball123 computer123
matkhau matkhau1 matkhau12 matkhau123 matkhau1234 matkhau12345 matkhaumoi matkhaucuatoi matkhau@123
mat-khau-123 matkhau2024 matkhau2025 matkhau2026 anhyeuem anhyeuem123 emyeuanh emyeuanh123 toiyeuem123
yeuem123456 vietnam123 vietnam1234 vietnam2024 vietnam2025 vietnam2026 hanoi12345 hanoi123456 saigon12345
dangbo123 dangbo12345 dangcongsan congsan123 bithu12345 chutich123 vanphong123 ubnd123456 mttq123456
hoilamgi123 khongbiet123 demo12345 demo123456 test123456 testtest12 12345678aa 11223344556677
""".split())


@dataclass(frozen=True)
class ThrottleSettings:
    """How many failures are allowed per account and per address within the window."""
    per_account: int = 10
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config) -> ThrottleSettings:
        return cls(per_account=config["SIGNIN_MAX_FAILURES_ACCOUNT"],
                   per_address=config["SIGNIN_MAX_FAILURES_ADDRESS"],
                   window=timedelta(minutes=config["SIGNIN_WINDOW_MINUTES"]))


class TooManyAttempts(Exception):
    """Sign-in refused before the password is checked: too many recent failures."""


_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:80]


def is_common_password(password: str) -> bool:
    """True for a password on the built-in list of the most common ones."""
    folded = fold(password or "")
    return folded in COMMON_PASSWORDS or folded.replace(" ", "") in COMMON_PASSWORDS


def _failures(where, since) -> int:
    return db.session.scalar(select(func.count()).select_from(SignInAttempt).where(
        where, SignInAttempt.outcome == AttemptOutcome.FAILURE, SignInAttempt.attempted_at > since)) or 0


def is_throttled(username: str, address: str, settings: ThrottleSettings) -> bool:
    """Too many failures for this account (since its last success) or from this address, within the window."""
    now = clock.now()
    since = now - settings.window
    last_success = db.session.scalar(select(func.max(SignInAttempt.attempted_at)).where(
        SignInAttempt.username == username, SignInAttempt.outcome == AttemptOutcome.SUCCESS,
        SignInAttempt.attempted_at > since))
    account_since = max(since, last_success) if last_success else since
    return (_failures(SignInAttempt.username == username, account_since) >= settings.per_account
            or _failures(SignInAttempt.address == address, since) >= settings.per_address)


def address_throttled(address: str, settings: ThrottleSettings) -> bool:
    """Too many sign-in failures from this client address within the window."""
    return _failures(SignInAttempt.address == address, clock.now() - settings.window) >= settings.per_address


def _record(username: str, address: str, outcome: AttemptOutcome) -> None:
    now = clock.now()
    db.session.execute(delete(SignInAttempt).where(SignInAttempt.attempted_at < now - KEEP_ATTEMPTS))
    db.session.add(SignInAttempt(username=username, address=address[:64], outcome=outcome, attempted_at=now))
    db.session.flush()


def sign_in(username: str, password: str, address: str | None, settings: ThrottleSettings) -> Person | None:
    """The active person with this username and password, or None (the same answer for an unknown user, a
    wrong password and a deactivated account). Raises ``TooManyAttempts`` when throttled, even for the right
    password. Every attempt is recorded (flushed: the caller commits it, whatever the response) and logged."""
    name = normalise_username(username)
    address = address or "unknown"
    at = clock.now().isoformat()
    if is_throttled(name, address, settings):
        _record(name, address, AttemptOutcome.THROTTLED)
        log.warning("sign-in throttled at=%s account=%s address=%s", at, name, address)
        raise TooManyAttempts()
    person = db.session.scalar(select(Person).where(Person.username == name)) if name else None
    if person is None:
        check_password_hash(_DUMMY_HASH, password or "")  # the same time as for a known account
        ok = False
    else:
        ok = person.check_password(password or "")
    if ok and not person.is_active:
        log.warning("sign-in denied (account deactivated) at=%s account=%s address=%s", at, name, address)
        ok = False
    if not ok:
        _record(name, address, AttemptOutcome.FAILURE)
        log.warning("sign-in failed at=%s account=%s address=%s", at, name, address)
        return None
    _record(name, address, AttemptOutcome.SUCCESS)
    log.info("sign-in succeeded at=%s account=%s address=%s", at, name, address)
    return person


def end_sessions(person: Person) -> None:
    """End every session and remember-me cookie of ``person`` at once (they carry the old session version)."""
    person.session_version = (person.session_version or 1) + 1
    db.session.flush()


def log_auth(what: str, account: str | None, address: str | None, *, level: int = logging.WARNING,
             **details) -> None:
    """One line in the ``registry.auth`` log (a refused session or request by default) with time, account and
    address."""
    extra = "".join(f" {key}={value}" for key, value in details.items())
    log.log(level, "%s at=%s account=%s address=%s%s", what, clock.now().isoformat(), account or "-",
                address or "unknown", extra)
