"""Password reset by e-mail, against a real SMTP server on loopback (aiosmtpd): the link arrives, works once,
expires after 30 minutes, ends every session, and the request page answers the same for every identifier."""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime, timedelta, timezone
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from registry.models import AuditEvent, SignInAttempt, AttemptOutcome
from registry.services import password_reset
from tests.helpers import PASSWORD
from tests.test_security_sessions import assert_all_ended, owner_sessions, sign_in  # noqa: F401 - fixture

pytestmark = pytest.mark.db

NEW_PASSWORD = "ngay-mai-troi-nang-7"
T0 = datetime(2026, 3, 15, 9, 0, tzinfo=timezone.utc)
LINK = re.compile(r"http://localhost/password/reset/(\S+)")


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def inbox(app):
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    old = {key: app.config.get(key) for key in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    yield handler
    app.config.update(old)
    controller.stop()


@pytest.fixture
def owner(world, db):
    world.owner.email = "chu.viec@example.vn"
    db.session.commit()
    return world.owner


def _ask(client, identifier: str):
    return client.post("/password/forgot", data={"identifier": identifier})


def _wait_for(inbox, count: int):
    for _ in range(50):
        if len(inbox.messages) >= count:
            return
        time.sleep(0.05)


def _link_from(inbox) -> str:
    body = inbox.messages[-1].get_body(preferencelist=("plain",)).get_content()
    match = LINK.search(body)
    assert match, body
    return "/password/reset/" + match.group(1)


def test_link_arrives_works_once_and_ends_every_session(app, inbox, owner, owner_sessions, frozen_now):
    frozen_now(T0)
    plain, remembered, copies = owner_sessions
    client = app.test_client()
    response = _ask(client, "OWNER")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    _wait_for(inbox, 1)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "chu.viec@example.vn"
    assert "mật khẩu" in mail["Subject"]
    link = _link_from(inbox)

    page = client.get(link)
    assert page.status_code == 200 and "owner" in page.get_data(as_text=True)
    weak = client.post(link, data={"new_password": "owner", "confirm": "owner"})
    assert weak.status_code == 422
    done = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and "/login" in done.headers["Location"]

    assert client.post("/login", data={"username": "owner", "password": NEW_PASSWORD}).status_code == 302
    assert app.test_client().post("/login", data={"username": "owner", "password": PASSWORD}).status_code == 401
    assert_all_ended({"plain": plain, "remembered": remembered, **copies})
    # single use: the same link is dead now
    assert app.test_client().get(link).status_code == 410
    assert app.test_client().post(link, data={"new_password": "khac-han-nhe-99", "confirm": "khac-han-nhe-99"}
                                  ).status_code == 410
    with app.app_context():
        actions = set(password_reset.db.session.scalars(select(AuditEvent.action)))
    assert {"person.reset_link_sent", "person.reset_by_link"} <= actions


def test_link_expires_after_30_minutes(app, inbox, owner, frozen_now):
    frozen_now(T0)
    _ask(app.test_client(), "chu.viec@example.vn")  # by e-mail address too
    _wait_for(inbox, 1)
    link = _link_from(inbox)
    frozen_now(T0 + timedelta(minutes=29))
    assert app.test_client().get(link).status_code == 200
    frozen_now(T0 + timedelta(minutes=31))
    answer = app.test_client().get(link)
    assert answer.status_code == 410
    assert "30" in answer.get_data(as_text=True)


def test_same_answer_for_unknown_without_email_and_deactivated(app, inbox, world, db, owner, frozen_now):
    frozen_now(T0)
    world.monitor.email = None
    world.standing.email = "btv@example.vn"
    world.standing.is_active_account = False
    db.session.commit()
    answers = []
    for identifier in ("owner", "khong-co-ai", world.monitor.username, world.standing.username):
        client = app.test_client()
        response = _ask(client, identifier)
        flashed = client.get("/login").get_data(as_text=True)
        answers.append((response.status_code, response.headers.get("Location"), "30 phút" in flashed))
    assert len(set(answers)) == 1, answers
    _wait_for(inbox, 1)
    time.sleep(0.2)
    assert [m["To"] for m in inbox.messages] == ["chu.viec@example.vn"]


def test_a_second_request_within_five_minutes_sends_nothing(app, inbox, owner, frozen_now):
    frozen_now(T0)
    _ask(app.test_client(), "owner")
    _wait_for(inbox, 1)
    frozen_now(T0 + timedelta(minutes=2))
    _ask(app.test_client(), "owner")
    time.sleep(0.2)
    assert len(inbox.messages) == 1
    frozen_now(T0 + timedelta(minutes=6))
    _ask(app.test_client(), "owner")
    _wait_for(inbox, 2)
    assert len(inbox.messages) == 2


def test_forged_or_tampered_tokens_are_refused(app, inbox, owner, frozen_now):
    frozen_now(T0)
    _ask(app.test_client(), "owner")
    _wait_for(inbox, 1)
    link = _link_from(inbox)
    assert app.test_client().get(link[:-2] + ("AA" if not link.endswith("AA") else "BB")).status_code == 410
    assert app.test_client().get("/password/reset/not-a-token").status_code == 410


def test_blank_identifier_gets_a_field_message(app, inbox):
    response = app.test_client().post("/password/forgot", data={"identifier": ""})
    assert response.status_code == 422
    assert "Nhập tên đăng nhập hoặc địa chỉ e-mail" in response.get_data(as_text=True)


def test_throttled_address_is_refused(app, inbox, owner, db, frozen_now):
    frozen_now(T0)
    for _ in range(app.config["SIGNIN_MAX_FAILURES_ADDRESS"]):
        db.session.add(SignInAttempt(username="x", address="127.0.0.1", outcome=AttemptOutcome.FAILURE,
                                     attempted_at=T0 - timedelta(minutes=1)))
    db.session.commit()
    response = _ask(app.test_client(), "owner")
    assert response.status_code == 429
    time.sleep(0.2)
    assert inbox.messages == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "person.reset_link_sent")) == 0


def test_without_smtp_nothing_is_sent_and_the_answer_is_the_same(app, owner, frozen_now):
    frozen_now(T0)
    assert not app.config.get("SMTP_HOST")
    response = _ask(app.test_client(), "owner")
    assert response.status_code == 302
    page = app.test_client().get("/login")
    assert "Quên mật khẩu?" in page.get_data(as_text=True)
