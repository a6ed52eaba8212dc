"""Notifications: the reminder run is idempotent (service and CLI), e-mails go out once per notification,
only the recipient marks a notification read, and every kind has a text."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from registry.models import Notification, Person, TaskState
from registry.services import monitoring, notifications, progress
from registry.services.errors import PermissionDenied

S = TaskState


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


class RecordingMailer(notifications.Mailer):
    """A mailer that records what it would send instead of talking SMTP."""

    def __init__(self) -> None:
        super().__init__(host="mail.invalid")
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


def reminders(db) -> list[tuple[str, int]]:
    return [(n.kind, n.params["quarter"]) for n in db.session.scalars(
        select(Notification).where(Notification.kind.in_(["note.due", "note.overdue"])).order_by(Notification.id))]


def test_reminders_are_created_once(frozen_now, world, make_task, db):
    task = make_task(S.APPROVED)
    frozen_now(utc(2026, 3, 20, 3, 0))  # Q1 deadline 05/04 is 16 days away
    assert notifications.send_reminders().created == 0
    frozen_now(utc(2026, 3, 31, 3, 0))  # 5 days before
    assert notifications.send_reminders().created == 1
    assert notifications.send_reminders().created == 0
    assert reminders(db) == [("note.due", 1)]
    frozen_now(utc(2026, 4, 6, 3, 0))  # overdue: one more reminder, once
    assert notifications.send_reminders().created == 1
    assert notifications.send_reminders().created == 0
    assert reminders(db) == [("note.due", 1), ("note.overdue", 1)]
    # once the note is written, nothing more is owed for that quarter
    progress.add_progress_note(world.owner, task, 1, {"work_done": "Đối thoại", "status": "on_track",
                                                      "values": {str(task.indicators[0].id): 30}})
    frozen_now(utc(2026, 4, 10, 3, 0))
    assert notifications.send_reminders().created == 0


def test_each_notification_is_emailed_once(frozen_now, world, make_task, db):
    world.owner.email = "chu@phuong.example.vn"
    world.monitor.email = "mattran@phuong.example.vn"
    make_task(S.APPROVED)  # notifies the owner (approved) and the monitor (assigned)
    frozen_now(utc(2026, 3, 31, 3, 0))
    mailer = RecordingMailer()
    first = notifications.send_reminders(mailer)
    with_email = db.session.scalar(select(func.count(Notification.id)).join(Notification.person)
                                   .where(Person.email.is_not(None)))
    assert first.created == 1 and first.emailed == len(mailer.sent) == with_email >= 2
    assert {to for to, _subject, _body in mailer.sent} == {"chu@phuong.example.vn", "mattran@phuong.example.vn"}
    second = notifications.send_reminders(mailer)
    assert (second.created, second.emailed) == (0, 0) and len(mailer.sent) == first.emailed
    # a new notification is e-mailed on the next run, and only it
    frozen_now(utc(2026, 4, 6, 3, 0))
    third = notifications.send_reminders(mailer)
    assert (third.created, third.emailed) == (1, 1) and mailer.sent[-1][0] == "chu@phuong.example.vn"
    bodies = [body for _to, _subject, body in mailer.sent]
    assert len(bodies) == len(set(bodies))  # no message went out twice


def test_people_without_email_get_no_mail(frozen_now, world, make_task, db):
    make_task(S.APPROVED)
    frozen_now(utc(2026, 3, 31, 3, 0))
    mailer = RecordingMailer()
    assert notifications.send_reminders(mailer).emailed == 0 and mailer.sent == []


def test_cli_remind_twice(frozen_now, world, make_task, db, app):
    make_task(S.APPROVED)
    db.session.commit()
    frozen_now(utc(2026, 3, 31, 3, 0))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["remind"])
    assert first.exit_code == 0 and "1 new reminders" in first.output
    second = runner.invoke(args=["remind"])
    assert second.exit_code == 0 and "0 new reminders" in second.output
    assert len(reminders(db)) == 1


def test_only_the_recipient_marks_read(frozen_now, world, make_task, db):
    make_task(S.APPROVED)
    mine = db.session.scalar(select(Notification).where(Notification.person_id == world.owner.id))
    assert notifications.unread_count(world.owner) == 1
    with pytest.raises(PermissionDenied):
        notifications.mark_read(world.other_owner, mine)
    notifications.mark_read(world.owner, mine)
    first_read = mine.read_at
    notifications.mark_read(world.owner, mine)  # again: unchanged
    assert mine.read_at == first_read and notifications.unread_count(world.owner) == 0


def test_mark_all_read_touches_only_own(frozen_now, world, make_task, db):
    make_task(S.APPROVED)
    make_task(S.APPROVED)
    assert notifications.unread_count(world.monitor) == 2
    assert notifications.mark_all_read(world.owner) == 2
    assert notifications.unread_count(world.owner) == 0 and notifications.unread_count(world.monitor) == 2


def test_every_kind_has_a_text(frozen_now, world, make_task, db):
    frozen_now(utc(2026, 3, 25, 3, 0))
    task = make_task(S.APPROVED)
    progress.add_progress_note(world.owner, task, 1, {"work_done": "Đối thoại", "status": "on_track",
                                                      "values": {str(task.indicators[0].id): 30}})
    assessment = monitoring.add_assessment(
        world.monitor, task, "q1", {"supervision_form": "field_survey", "judgement": "on_track", "strengths": "Tốt"},
        [{"content": "Báo cáo", "addressee": "UBND", "reply_deadline": date(2026, 4, 30)}])
    monitoring.reply_to_recommendation(world.owner, assessment.recommendations[0], "Đã báo cáo")
    frozen_now(utc(2026, 4, 1, 3, 0))
    notifications.send_reminders()  # Q1 is noted: nothing; Q2 is months away
    rows = db.session.scalars(select(Notification)).all()
    kinds = {n.kind for n in rows}
    assert {"task.approved", "task.assigned", "note.new", "assessment.new", "recommendation.new",
            "recommendation.replied"} <= kinds
    for locale in ("vi", "en"):
        with force_locale(locale):
            for n in rows:
                text = notifications.message(n)
                assert text != n.kind and task.title in text
