"""Sessions that end: logout, own password change, an administrator's reset, deactivation and "sign out
everywhere" make every copied session and remember-me cookie useless; idle and absolute timeouts; cookie flags."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from registry import create_app
from registry.models import Person
from registry.services import people
from tests.helpers import PASSWORD

NEW_PASSWORD = "ngay-mai-troi-nang-7"
T0 = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)


def sign_in(app, username: str, *, remember: bool = False):
    """A fresh client signed in through the real form."""
    client = app.test_client()
    data = {"username": username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def replay(app, source, name: str):
    """A new client carrying only a copy of ``source``'s cookie ``name``."""
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    thief = app.test_client()
    thief.set_cookie(name, cookie.value)
    return thief


def signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


@pytest.fixture
def owner_sessions(app, world, db):
    """The owner signed in twice (a plain session and one kept with remember-me) plus copies of both."""
    db.session.commit()
    plain = sign_in(app, "owner")
    remembered = sign_in(app, "owner", remember=True)
    copies = {"session": replay(app, plain, "session"), "remember": replay(app, remembered, "remember_token")}
    assert signed_in(plain) and signed_in(remembered)
    assert all(signed_in(copy) for copy in copies.values()), "copies work before the session ends"
    # fresh copies: the first replay above had each thief's session signed in from the cookie
    copies = {"session": replay(app, plain, "session"), "remember": replay(app, remembered, "remember_token")}
    return plain, remembered, copies


def assert_all_ended(copies) -> None:
    for name, copy in copies.items():
        response = copy.get("/profile")
        assert response.status_code == 302 and "/login" in response.headers["Location"], name


def test_logout_ends_copied_session_and_remember_cookie(owner_sessions):
    plain, remembered, copies = owner_sessions
    assert plain.post("/logout").status_code == 302
    assert not signed_in(plain)
    assert_all_ended(copies)
    assert not signed_in(remembered), "logging out ends the person's other sessions too"


def test_logout_deletes_the_remember_cookie(app, world, db):
    db.session.commit()
    client = sign_in(app, "owner", remember=True)
    response = client.post("/logout")
    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("remember_token") is None


def test_own_password_change_ends_other_sessions_but_keeps_this_one(owner_sessions, db):
    plain, remembered, copies = owner_sessions
    response = plain.post("/profile", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(plain), "the session that changed the password stays signed in"
    assert not signed_in(remembered)
    assert_all_ended(copies)


def test_administrator_reset_ends_the_victims_sessions(app, owner_sessions, world, login_as):
    plain, remembered, copies = owner_sessions
    admin = sign_in(app, "secretary")
    response = admin.post(f"/admin/people/{world.owner.id}/password", data={"new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not signed_in(plain) and not signed_in(remembered)
    assert_all_ended(copies)
    assert signed_in(admin)


def test_deactivation_ends_every_session(app, owner_sessions, world):
    plain, remembered, copies = owner_sessions
    admin = sign_in(app, "secretary")
    assert admin.post(f"/admin/people/{world.owner.id}/active", data={"active": "0"}).status_code == 302
    assert not signed_in(plain) and not signed_in(remembered)
    assert_all_ended(copies)


def test_reactivation_does_not_revive_old_sessions(app, owner_sessions, world):
    plain, remembered, copies = owner_sessions
    admin = sign_in(app, "secretary")
    admin.post(f"/admin/people/{world.owner.id}/active", data={"active": "0"})
    admin.post(f"/admin/people/{world.owner.id}/active", data={"active": "1"})
    assert not signed_in(plain)
    assert_all_ended(copies)
    assert signed_in(sign_in(app, "owner"))


def test_sign_out_everywhere(owner_sessions, app):
    plain, remembered, copies = owner_sessions
    page = plain.get("/profile").get_data(as_text=True)
    assert "/profile/sign-out-everywhere" in page and "Đăng xuất trên mọi thiết bị" in page
    response = plain.post("/profile/sign-out-everywhere")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not signed_in(plain) and not signed_in(remembered)
    assert_all_ended(copies)
    assert signed_in(sign_in(app, "owner")), "signing in again works"


def test_session_version_is_in_the_cookie_id(app, world, db):
    db.session.commit()
    client = sign_in(app, "owner")
    with client.session_transaction() as session:
        assert session["_user_id"] == f"{world.owner.id}:1"
    with client.session_transaction() as session:  # a forged version is refused
        session["_user_id"] = f"{world.owner.id}:2"
    assert not signed_in(client)


def test_services_raise_the_version(world, db):
    before = world.owner.session_version
    people.reset_password(world.secretariat, world.owner, NEW_PASSWORD)
    people.change_own_password(world.owner, NEW_PASSWORD, "ngay-kia-troi-mua-8")
    people.set_person_active(world.secretariat, world.owner, False)
    assert db.session.get(Person, world.owner.id).session_version == before + 3


# -- timeouts --------------------------------------------------------------------------------------------

def test_idle_timeout(app, world, db, frozen_now):
    frozen_now(T0)
    db.session.commit()
    client = sign_in(app, "owner")
    frozen_now(T0 + timedelta(minutes=29))
    assert signed_in(client)
    frozen_now(T0 + timedelta(minutes=58))  # 29 minutes after the last request
    assert signed_in(client)
    frozen_now(T0 + timedelta(minutes=89))  # 31 minutes idle
    assert not signed_in(client)


def test_idle_timeout_holds_for_a_copied_cookie(app, world, db, frozen_now):
    frozen_now(T0)
    db.session.commit()
    client = sign_in(app, "owner")
    stale = client.get_cookie("session").value
    for minutes in range(20, 100, 20):  # the owner keeps working
        frozen_now(T0 + timedelta(minutes=minutes))
        assert signed_in(client)
    thief = app.test_client()
    thief.set_cookie("session", stale)  # the cookie as it was at sign-in, last seen 80 minutes ago
    assert not signed_in(thief)


def test_absolute_timeout(app, world, db, frozen_now):
    frozen_now(T0)
    db.session.commit()
    client = sign_in(app, "owner")
    moment = T0
    while moment < T0 + timedelta(hours=11, minutes=50):
        moment += timedelta(minutes=20)
        frozen_now(moment)
        assert signed_in(client), moment
    frozen_now(T0 + timedelta(hours=12, minutes=1))
    assert not signed_in(client)


def test_timeouts_are_configurable(app, world, db, frozen_now, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    frozen_now(T0)
    db.session.commit()
    client = sign_in(app, "owner")
    frozen_now(T0 + timedelta(minutes=6))
    assert not signed_in(client)


def test_remember_me_starts_a_new_session_after_the_timeout(app, world, db, frozen_now):
    frozen_now(T0)
    db.session.commit()
    client = sign_in(app, "owner", remember=True)
    session_only = replay(app, client, "session")
    frozen_now(T0 + timedelta(hours=2))
    assert not signed_in(session_only), "the session alone has timed out"
    assert signed_in(client), "keep me signed in: the remember-me cookie signs in again"
    with client.session_transaction() as session:
        assert session["_auth_at"] == (T0 + timedelta(hours=2)).timestamp()


# -- cookies ------------------------------------------------------------------------------------------------

def _set_cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_cookie_flags(app, world, db):
    db.session.commit()
    response = app.test_client().post("/login", data={"username": "owner", "password": PASSWORD,
                                                      "remember": "y"})
    cookies = _set_cookies(response)
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], cookies[name]
        assert "Secure" not in cookies[name]  # plain http in tests
    expires = cookies["remember_token"].split("Expires=", 1)[1].split(";", 1)[0]
    lasts = datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=timezone.utc)
    assert lasts - datetime.now(timezone.utc) <= timedelta(days=14, minutes=1)
    assert app.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)


def test_https_marks_cookies_secure(app):
    https = create_app({"TESTING": True, "SECRET_KEY": "x", "AUDIT_KEY": "x", "HTTPS": True,
                        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert https.config["SESSION_COOKIE_SECURE"] and https.config["REMEMBER_COOKIE_SECURE"]
    response = https.test_client().get("/login?x=1", base_url="https://localhost")
    with https.app_context():
        from registry.extensions import db
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 200


def test_remember_duration_capped_at_14_days(app):
    long = create_app({"TESTING": True, "SECRET_KEY": "x", "AUDIT_KEY": "x",
                       "REMEMBER_COOKIE_DURATION": timedelta(days=365),
                       "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    assert long.config["REMEMBER_COOKIE_DURATION"] == timedelta(days=14)
