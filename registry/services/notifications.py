"""In-app notifications and the reminder run (``flask --app registry remind``), idempotent by key."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from registry import clock, policy
from registry.localized import pick_name
from registry.models import Notification, Person, Task, Year, db
from registry.models.task import UNDER_WAY
from registry.services.errors import PermissionDenied

DUE_SOON_DAYS = 7


def notify(person: Person, kind: str, task: Task | None = None, params: dict[str, Any] | None = None,
           dedupe_key: str | None = None) -> Notification | None:
    """Add a notification for ``person``; with a ``dedupe_key`` that exists already, add nothing."""
    if dedupe_key and db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    note = Notification(person=person, kind=kind, task=task, params=params or {}, dedupe_key=dedupe_key,
                        created_at=clock.now())
    db.session.add(note)
    return note


def readable(person: Person):
    """SQL condition on ``Notification``: about no task, or about a task the person may still read (asked of each
    of the person's notifications by the task's key, not by listing every task they may read)."""
    return or_(Notification.task_id.is_(None),
               select(Task.id).where(Task.id == Notification.task_id, policy.visible(person)).exists())


def unread_count(person: Person) -> int:
    """How many unread notifications the person has."""
    return db.session.scalar(select(db.func.count(Notification.id)).where(
        Notification.person_id == person.id, Notification.read_at.is_(None), readable(person))) or 0


def mark_read(actor: Person, notification: Notification) -> None:
    """The recipient marks one notification as read."""
    if notification.person_id != actor.id:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = clock.now()


def mark_all_read(actor: Person) -> int:
    """The recipient marks all their notifications as read; returns how many changed."""
    result = db.session.execute(update(Notification).where(
        Notification.person_id == actor.id, Notification.read_at.is_(None)).values(read_at=clock.now()))
    return result.rowcount or 0


def message(notification: Notification) -> str:
    """The notification's text in the current language."""
    p = notification.params or {}
    task = notification.task
    title = task.title if task is not None else ""
    texts = {
        "task.returned": lambda: _("Your registration “%(title)s” was returned: %(comment)s", title=title,
                                   comment=p.get("comment", "")),
        "task.approved": lambda: _("Your registration “%(title)s” was approved (%(ref)s).", title=title,
                                   ref=p.get("decision_ref", "")),
        "task.assigned": lambda: _("You were assigned to monitor “%(title)s”.", title=title),
        "note.new": lambda: _("A progress note for quarter %(q)s of “%(title)s” awaits your assessment.",
                              q=p.get("quarter"), title=title),
        "note.due": lambda: _("The quarter %(q)s note of “%(title)s” is due on %(date)s.", q=p.get("quarter"),
                              title=title, date=p.get("deadline", "")),
        "note.overdue": lambda: _("The quarter %(q)s note of “%(title)s” is overdue (deadline %(date)s).",
                                  q=p.get("quarter"), title=title, date=p.get("deadline", "")),
        "assessment.new": lambda: _("The monitor assessed “%(title)s”.", title=title),
        "recommendation.new": lambda: _("A recommendation on “%(title)s” awaits your reply by %(date)s.",
                                        title=title, date=p.get("deadline", "")),
        "task.self_assessed": lambda: _("The owner self-assessed “%(title)s”; your final assessment is due.",
                                        title=title),
        "task.verdict": lambda: _("The Standing Committee recorded its verdict on “%(title)s”: %(level)s.",
                                  title=title, level=pick_name(p.get("level", ""), p.get("level_en"))),
        "recommendation.replied": lambda: _("The owner replied to your recommendation on “%(title)s”.",
                                            title=title),
    }
    return texts.get(notification.kind, lambda: notification.kind)()


# -- the reminder run -----------------------------------------------------------------------------------------

@dataclass
class Mailer:
    """SMTP settings; ``send`` is one message. Built from config by the CLI, passed in here."""

    host: str
    port: int = 25
    sender: str = "registry@localhost"
    username: str | None = None
    password: str | None = None
    use_tls: bool = False

    def send(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, to, subject
        msg.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(msg)

    @classmethod
    def from_config(cls, config) -> Mailer | None:
        """The mailer the settings describe, or None when no SMTP host is configured."""
        if not config.get("SMTP_HOST"):
            return None
        return cls(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]), sender=config["SMTP_SENDER"],
                   username=config["SMTP_USERNAME"], password=config["SMTP_PASSWORD"],
                   use_tls=bool(config["SMTP_USE_TLS"]))


@dataclass
class ReminderResult:
    created: int = 0
    emailed: int = 0


def send_reminders(mailer: Mailer | None = None, locale: str = "vi") -> ReminderResult:
    """Notify owners of notes due within 7 days or overdue (once per task and quarter), then e-mail every
    notification not e-mailed yet when a mailer is given. Running it twice sends nothing twice."""
    today = clock.today()
    result = ReminderResult()
    years = {y.id: y for y in db.session.scalars(select(Year))}
    tasks = db.session.scalars(
        select(Task).where(Task.state.in_(UNDER_WAY))
        .options(selectinload(Task.notes), selectinload(Task.owner))
    )
    for task in tasks:
        year = years[task.year_id]
        noted = {n.quarter for n in task.notes}
        for quarter, deadline in enumerate(year.quarter_deadlines, start=1):
            if quarter in noted:
                continue
            params = {"quarter": quarter, "deadline": deadline.strftime("%d/%m/%Y")}
            if deadline < today:
                kind = "note.overdue"
            elif deadline - timedelta(days=DUE_SOON_DAYS) <= today:
                kind = "note.due"
            else:
                continue
            if notify(task.owner, kind, task, params, dedupe_key=f"{kind}:{task.id}:{quarter}"):
                result.created += 1
    db.session.flush()
    if mailer is not None:
        pending = db.session.scalars(
            select(Notification).where(Notification.emailed_at.is_(None))
            .options(selectinload(Notification.person), selectinload(Notification.task))
        )
        with force_locale(locale):
            for notification in pending:
                if not notification.person.email:
                    continue
                mailer.send(notification.person.email, _("Hard-task registry"), message(notification))
                notification.emailed_at = clock.now()
                result.emailed += 1
    return result

