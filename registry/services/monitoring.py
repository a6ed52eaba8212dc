"""Fatherland Front monitoring (Form C) and the 6-month review (sơ kết).

The assigned monitor assesses a task per period with recommendations (kiến nghị); the owner acknowledges each
assessment and replies to each recommendation. At mid-year every approved task gets a snapshot, and the
Standing Committee may add a conclusion.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true
from sqlalchemy.orm import selectinload

from registry import clock, policy
from registry.models import (
    Assessment,
    Judgement,
    MidYearReview,
    Period,
    Person,
    ProgressNote,
    Recommendation,
    RecommendationStatus,
    SupervisionForm,
    Task,
    TaskState,
    Year,
    db,
)
from registry.services.audit import record_event
from registry.services.errors import Conflict, FieldErrors
from registry.services.notifications import notify

#: states in which a task is monitored during the year
MONITORED_STATES = (TaskState.APPROVED, TaskState.IN_PROGRESS)
TEXTS = ("strengths", "shortcomings", "causes")
MAX_TEXT = 20000
MAX_RECOMMENDATIONS = 20
#: periods assessed during the year (the final assessment follows the owner's self-assessment)
IN_YEAR_PERIODS = (Period.Q1, Period.Q2, Period.Q3, Period.Q4, Period.MID_YEAR)


def _enum(cls, value, field, message, errors):
    try:
        return value if isinstance(value, cls) else cls(value)
    except ValueError:
        errors.add(field, message)
        return None


def _clean_recommendations(rows: list[dict[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    out = []
    for index, row in enumerate(rows):
        content = str(row.get("content") or "").strip()
        addressee = str(row.get("addressee") or "").strip()
        deadline = row.get("reply_deadline")
        if not content and not addressee and not deadline:
            continue  # a blank row
        if len(out) >= MAX_RECOMMENDATIONS:
            errors.add("recommendations", _l("At most %(n)d recommendations.", n=MAX_RECOMMENDATIONS))
            break
        key = f"recommendations.{index}."
        if not content:
            errors.add(key + "content", _l("State the recommendation."))
        if not addressee:
            errors.add(key + "addressee", _l("Say to whom it is addressed."))
        if not isinstance(deadline, date):
            errors.add(key + "reply_deadline", _l("Enter a date as dd/mm/yyyy."))
        elif deadline < clock.today():
            errors.add(key + "reply_deadline", _l("The reply deadline cannot be in the past."))
        if len(content) > MAX_TEXT or len(addressee) > 1000:
            errors.add(key + "content", _l("At most %(n)d characters.", n=MAX_TEXT))
        out.append({"content": content, "addressee": addressee, "reply_deadline": deadline})
    return out


def periods_left(task: Task) -> list[Period]:
    """The in-year periods the task may still be assessed for: none unless it is approved or under way."""
    if task.state not in MONITORED_STATES:
        return []
    done = {a.period for a in task.assessments}
    return [p for p in IN_YEAR_PERIODS if p not in done]


def require_assessable(actor: Person, task: Task) -> list[Period]:
    """Check that ``actor`` may assess ``task`` now (the form page); returns the periods left to assess."""
    policy.require(actor, "assess", task)
    left = periods_left(task)
    if not left:
        raise Conflict(_l("Every period of the year has been assessed already."))
    return left


def is_reply_overdue(recommendation: Recommendation) -> bool:
    """An open recommendation whose reply deadline has passed."""
    return recommendation.status == RecommendationStatus.OPEN and recommendation.reply_deadline < clock.today()


def add_assessment(actor: Person, task: Task, period: Period | str, data: dict[str, Any],
                   recommendations: list[dict[str, Any]] | None = None) -> Assessment:
    """The assigned monitor assesses a task for a period, raising any recommendations."""
    policy.require_party(actor, "assess", task)
    errors = FieldErrors()
    period = _enum(Period, period, "period", _l("Choose the period."), errors)
    errors.raise_if_any()
    policy.require(actor, "final_assess" if period == Period.FINAL else "assess", task)
    if db.session.scalar(select(Assessment.id).where(Assessment.task_id == task.id, Assessment.period == period)):
        raise Conflict(_l("This period has been assessed already."))
    form = _enum(SupervisionForm, data.get("supervision_form"), "supervision_form",
                 _l("Choose the form of supervision."), errors)
    judgement = _enum(Judgement, data.get("judgement"), "judgement", _l("Choose the judgement."), errors)
    texts = {}
    for name in TEXTS:
        value = str(data.get(name) or "").strip()
        if len(value) > MAX_TEXT:
            errors.add(name, _l("At most %(n)d characters.", n=MAX_TEXT))
        texts[name] = value
    if not any(texts.values()):
        errors.add("strengths", _l("Write at least the strengths or the shortcomings."))
    for name in sorted(set(data) - set(TEXTS) - {"supervision_form", "judgement"}):
        errors.add(name, _l("Unknown field."))
    rows = _clean_recommendations(list(recommendations or []), errors)
    errors.raise_if_any()
    assessment = Assessment(task=task, monitor=actor, period=period, supervision_form=form, judgement=judgement,
                            created_at=clock.now(), **texts)
    for row in rows:
        assessment.recommendations.append(Recommendation(task_id=task.id, **row))
    db.session.add(assessment)
    db.session.flush()
    record_event(actor, "assessment.create", object_type="assessment", object_id=assessment.id, task=task,
                 after={"period": period.value, "supervision_form": form.value, "judgement": judgement.value,
                        **texts, "recommendations": [
                            {"id": r.id, "content": r.content, "addressee": r.addressee,
                             "reply_deadline": r.reply_deadline.isoformat()} for r in assessment.recommendations]})
    notify(task.owner, "assessment.new", task, {"period": period.value})
    for rec in assessment.recommendations:
        notify(task.owner, "recommendation.new", task, {"deadline": rec.reply_deadline.strftime("%d/%m/%Y")})
    return assessment


def acknowledge_assessment(actor: Person, assessment: Assessment) -> Assessment:
    """The owner acknowledges that they have read an assessment."""
    task = assessment.task
    policy.require(actor, "reply", task)
    if assessment.acknowledged_at is not None:
        raise Conflict(_l("This assessment has been acknowledged already."))
    assessment.acknowledged_at, assessment.acknowledged_by_id = clock.now(), actor.id
    db.session.flush()
    record_event(actor, "assessment.acknowledge", object_type="assessment", object_id=assessment.id, task=task,
                 after={"period": assessment.period.value})
    return assessment


def require_replyable(actor: Person, recommendation: Recommendation) -> None:
    """Check that ``actor`` may reply to the recommendation now: its owner, once, while the task is unlocked."""
    task = recommendation.assessment.task
    policy.require(actor, "reply", task)
    if recommendation.status == RecommendationStatus.REPLIED:
        raise Conflict(_l("This recommendation has been answered already."))


def reply_to_recommendation(actor: Person, recommendation: Recommendation, reply: str) -> Recommendation:
    """The owner replies to a recommendation, once."""
    require_replyable(actor, recommendation)
    task = recommendation.assessment.task
    reply = (reply or "").strip()
    errors = FieldErrors()
    if not reply:
        errors.add("reply", _l("Write the reply."))
    elif len(reply) > MAX_TEXT:
        errors.add("reply", _l("At most %(n)d characters.", n=MAX_TEXT))
    errors.raise_if_any()
    recommendation.reply, recommendation.replied_at, recommendation.replied_by = reply, clock.now(), actor
    recommendation.status = RecommendationStatus.REPLIED
    db.session.flush()
    record_event(actor, "recommendation.reply", object_type="recommendation", object_id=recommendation.id,
                 task=task, before={"status": RecommendationStatus.OPEN.value},
                 after={"status": recommendation.status.value, "reply": reply,
                        "late": clock.today() > recommendation.reply_deadline})
    notify(recommendation.assessment.monitor, "recommendation.replied", task)
    return recommendation


# -- 6-month review -------------------------------------------------------------------------------------------

def task_progress_snapshot(task: Task) -> dict[str, Any]:
    """Status, % complete and indicator values from the latest progress note."""
    latest = max(task.notes, key=lambda n: n.quarter, default=None)
    return {
        "quarter": latest.quarter if latest else None,
        "status": latest.status.value if latest else None,
        "percent_complete": latest.percent_complete if latest else None,
        "indicators": [{"id": i.id, "name": i.name, "unit": i.unit, "baseline": i.baseline, "target": i.target,
                        "value": latest.value_of(i.id) if latest else None} for i in task.indicators],
    }


def take_mid_year_snapshots(actor: Person | None, year: Year) -> int:
    """Snapshot every approved task of the year that has none yet; returns how many were taken."""
    if actor is not None:
        policy.require_can(actor, "run_midyear")
    scope = policy.committees_run_by(actor) if actor is not None else true()
    tasks = db.session.scalars(
        select(Task).where(Task.year_id == year.id, Task.state.in_(MONITORED_STATES),
                           ~Task.mid_year_review.has(), scope)
        .options(selectinload(Task.notes).selectinload(ProgressNote.values), selectinload(Task.indicators))
    ).all()
    for task in tasks:
        review = MidYearReview(task=task, snapshot=task_progress_snapshot(task), snapshot_at=clock.now())
        db.session.add(review)
        db.session.flush()
        record_event(actor, "midyear.snapshot", object_type="mid_year_review", object_id=review.id, task=task,
                     after=review.snapshot)
    return len(tasks)


def require_concludable(actor: Person, task: Task) -> MidYearReview:
    """Check that ``actor`` may record the mid-year conclusion on ``task``; returns its review."""
    policy.require(actor, "midyear_conclude", task)
    if task.mid_year_review is None:
        raise Conflict(_l("The mid-year review of this task has not been taken yet."))
    return task.mid_year_review


def conclude_mid_year(actor: Person, review: MidYearReview, conclusion: str) -> MidYearReview:
    """The Standing Committee records its mid-year conclusion on a task."""
    task = review.task
    require_concludable(actor, task)
    conclusion = (conclusion or "").strip()
    errors = FieldErrors()
    if not conclusion:
        errors.add("conclusion", _l("Write the conclusion."))
    errors.raise_if_any()
    before = review.conclusion
    review.conclusion, review.concluded_by, review.concluded_at = conclusion, actor, clock.now()
    db.session.flush()
    record_event(actor, "midyear.conclude", object_type="mid_year_review", object_id=review.id, task=task,
                 before={"conclusion": before}, after={"conclusion": conclusion})
    return review
