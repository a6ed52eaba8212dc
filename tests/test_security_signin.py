"""Sign-in abuse: failures counted in the database per account and per address, 429 even for the right
password, one answer for unknown users and wrong passwords, password rules, and the registry.auth log."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from registry.models import AttemptOutcome, Person, SignInAttempt
from registry.services import people
from registry.services.errors import ValidationFailed
from registry.services.security import COMMON_PASSWORDS, is_common_password
from tests.helpers import PASSWORD

T0 = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)
THROTTLED_VI = "Đăng nhập sai quá nhiều lần"


def page_text(response, username: str) -> str:
    """The page with the echoed username and the CSRF token blanked out."""
    html = response.get_data(as_text=True).replace(username, "USER")
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


def attempt(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def committed(world, db):
    db.session.commit()
    return world


def test_ten_failures_lock_the_account_even_for_the_right_password(app, committed, db, frozen_now):
    frozen_now(T0)
    client = app.test_client()
    for _ in range(10):
        assert attempt(client, "owner", "sai-mat-khau-1").status_code == 401
    response = attempt(client, "owner", PASSWORD)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert THROTTLED_VI in page and "15" in page
    assert response.headers["Retry-After"] == "900"
    assert not client.get("/profile").status_code == 200
    # every worker sees it: the count lives in the database
    failures = db.session.scalar(select(func.count()).select_from(SignInAttempt).where(
        SignInAttempt.username == "owner", SignInAttempt.outcome == AttemptOutcome.FAILURE))
    assert failures == 10
    other = app.test_client()  # another client (worker, server) from another address: still locked
    assert attempt(other, "owner", PASSWORD, address="198.51.100.1").status_code == 429
    assert attempt(other, "other", PASSWORD, address="198.51.100.1").status_code == 302  # other accounts fine


def test_the_lock_lifts_after_the_window(app, committed, frozen_now):
    frozen_now(T0)
    client = app.test_client()
    for _ in range(10):
        attempt(client, "owner", "sai-mat-khau-1")
    frozen_now(T0 + timedelta(minutes=14))
    assert attempt(client, "owner", PASSWORD).status_code == 429
    frozen_now(T0 + timedelta(minutes=16))
    assert attempt(client, "owner", PASSWORD).status_code == 302


def test_nine_failures_then_the_right_password_works(app, committed, frozen_now):
    frozen_now(T0)
    client = app.test_client()
    for _ in range(9):
        attempt(client, "owner", "sai-mat-khau-1")
    assert attempt(client, "owner", PASSWORD).status_code == 302


def test_throttled_attempts_are_not_counted_as_failures(app, committed, frozen_now):
    frozen_now(T0)
    client = app.test_client()
    for minute in range(10):
        frozen_now(T0 + timedelta(minutes=minute))
        attempt(client, "owner", "sai-mat-khau-1")
    for minute in range(10, 15):  # throttled tries do not extend the lock
        frozen_now(T0 + timedelta(minutes=minute))
        assert attempt(client, "owner", "sai-mat-khau-1").status_code == 429
    frozen_now(T0 + timedelta(minutes=15, seconds=30))  # the first failure has left the window
    assert attempt(client, "owner", PASSWORD).status_code == 302


def test_fifty_failures_per_address(app, committed, make_person, db, frozen_now):
    frozen_now(T0)
    client = app.test_client()
    for n in range(50):  # many accounts, a few tries each: no account reaches its limit
        assert attempt(client, f"khong-co-{n % 10}", "sai-mat-khau-1", address="192.0.2.9").status_code == 401
    assert attempt(client, "owner", PASSWORD, address="192.0.2.9").status_code == 429
    assert THROTTLED_VI in attempt(client, "other", PASSWORD, address="192.0.2.9").get_data(as_text=True)
    assert attempt(app.test_client(), "owner", PASSWORD, address="192.0.2.10").status_code == 302


def test_the_same_answer_for_an_unknown_user_and_a_wrong_password(app, committed):
    unknown = attempt(app.test_client(), "khong-ton-tai", "sai-mat-khau-1")
    wrong = attempt(app.test_client(), "owner", "sai-mat-khau-1")
    assert unknown.status_code == wrong.status_code == 401
    assert page_text(unknown, "khong-ton-tai") == page_text(wrong, "owner")


def test_deactivated_account_gets_the_same_answer(app, committed, db):
    committed.owner.is_active_account = False
    db.session.commit()
    deactivated = attempt(app.test_client(), "owner", PASSWORD)
    wrong = attempt(app.test_client(), "other", "sai-mat-khau-1")
    assert deactivated.status_code == wrong.status_code == 401
    assert page_text(deactivated, "owner") == page_text(wrong, "other")


def test_everything_is_logged_with_time_account_and_address(app, committed, caplog, frozen_now):
    frozen_now(T0)
    caplog.set_level(logging.INFO, logger="registry.auth")
    client = app.test_client()
    attempt(client, "owner", PASSWORD, address="203.0.113.50")
    for _ in range(10):
        attempt(app.test_client(), "other", "sai-mat-khau-1", address="203.0.113.51")
    attempt(app.test_client(), "other", PASSWORD, address="203.0.113.51")
    committed.monitor.is_active_account = False
    from registry.extensions import db
    db.session.commit()
    attempt(app.test_client(), "monitor", PASSWORD, address="203.0.113.52")
    client.get("/admin/people")  # the owner is denied the administration
    lines = [r.getMessage() for r in caplog.records if r.name == "registry.auth"]
    stamp = f"at={T0.isoformat()}"

    def has(*parts):
        return any(all(p in line for p in parts) for line in lines)

    assert has("sign-in succeeded", stamp, "account=owner", "address=203.0.113.50")
    assert has("sign-in failed", stamp, "account=other", "address=203.0.113.51")
    assert has("sign-in throttled", stamp, "account=other", "address=203.0.113.51")
    assert has("sign-in denied", stamp, "account=monitor", "address=203.0.113.52")
    assert has("access denied", stamp, "account=owner", "path=/admin/people")


def test_old_attempts_are_cleaned_up(app, committed, db, frozen_now):
    frozen_now(T0)
    attempt(app.test_client(), "owner", "sai-mat-khau-1")
    frozen_now(T0 + timedelta(days=2))
    attempt(app.test_client(), "owner", "sai-mat-khau-1")
    assert db.session.scalar(select(func.count()).select_from(SignInAttempt)) == 1


# -- password rules -------------------------------------------------------------------------------------------

REFUSED = ["short", "abc123456", "12345678", "1234567890", "password123", "Password123", "matkhau123",
           "MatKhau123", "mật khẩu 123", "123456789a", "qwertyuiop", "vietnam2026", "anhyeuem123", "owner-name1",
           "x" * 201]


@pytest.mark.parametrize("password", REFUSED)
def test_weak_passwords_are_refused(world, db, password):
    world.owner.username = "owner-name1"
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        people.reset_password(world.secretariat, world.owner, password)
    assert list(refused.value.errors) == ["new_password"]


@pytest.mark.parametrize("password", ["ngay-mai-troi-nang-7", "Thụy Khuê 2026!", "correct-horse-9",
                                      "demo-2026-vk"])
def test_good_passwords_are_accepted(world, db, password):
    people.reset_password(world.secretariat, world.owner, password)
    assert db.session.get(Person, world.owner.id).check_password(password)


def test_the_username_is_refused_in_any_case(world, db):
    world.owner.username = "nguyen.van.an"
    db.session.flush()
    with pytest.raises(ValidationFailed):
        people.change_own_password(world.owner, PASSWORD, "Nguyen.Van.An")


def test_create_person_checks_the_rules(world, db):
    data = {"username": "tran.binh", "full_name": "Trần Bình", "grants": [{"role": "owner",
                                                                          "unit_id": world.unit.id}]}
    with pytest.raises(ValidationFailed) as refused:
        people.create_person(world.secretariat, data, password="tran.binh")
    assert "password" in refused.value.errors
    with pytest.raises(ValidationFailed):
        people.create_person(world.secretariat, data, password="matkhau123")


def test_common_list_has_english_and_vietnamese(db):
    assert {"password", "qwerty", "matkhau", "matkhau123", "123456789a"} <= COMMON_PASSWORDS
    assert is_common_password("MẬT KHẨU 123") and not is_common_password("ngay-mai-troi-nang-7")


def test_profile_page_shows_the_rule_in_vietnamese(world, login_as):
    client = login_as(world.owner)
    response = client.post("/profile", data={"current_password": PASSWORD, "new_password": "matkhau123",
                                             "confirm": "matkhau123"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Mật khẩu này quá phổ biến" in page and "Ít nhất 10 ký tự" in page
