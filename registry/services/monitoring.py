"""Fatherland Front monitoring (Form C) and the 6-month review (sơ kết).

The assigned monitor assesses a task per period with recommendations (kiến nghị); the owner acknowledges each
assessment and replies to each recommendation. At mid-year every approved task gets a snapshot, and the
Standing Committee may add a conclusion.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true
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
    Year,
    db,
)
from registry.models.task import UNDER_WAY
from registry.services import backfill as entered_later
from registry.services.audit import record_event
from registry.services.backfill import Backfill
from registry.services.errors import Conflict, FieldErrors
from registry.services.notifications import notify

TEXTS = ("strengths", "shortcomings", "causes")
MAX_TEXT = 20000
MAX_RECOMMENDATIONS = 20
MAX_ADDRESSEE = 1000
#: periods assessed during the year (the final assessment follows the owner's self-assessment)
IN_YEAR_PERIODS = (Period.Q1, Period.Q2, Period.Q3, Period.Q4, Period.MID_YEAR)


def _enum(cls, value, field, message, errors):
    try:
        return value if isinstance(value, cls) else cls(value)
    except ValueError:
        errors.add(field, message)
        return None


def _clean_recommendations(rows: list[dict[str, Any]], errors: FieldErrors,
                           assessed_on: date | None = None) -> list[dict[str, Any]]:
    """Blank rows are skipped; error keys use the row's index as given. A reply deadline may not be in the past,
    or, for an assessment entered afterwards, before the assessment's date (``assessed_on``)."""
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
        elif assessed_on is None and deadline < clock.today():
            errors.add(key + "reply_deadline", _l("The reply deadline cannot be in the past."))
        elif assessed_on is not None and deadline < assessed_on:
            errors.add(key + "reply_deadline", _l("The reply deadline cannot be before the assessment (%(date)s).",
                                                  date=assessed_on.strftime("%d/%m/%Y")))
        if len(content) > MAX_TEXT:
            errors.add(key + "content", _l("At most %(n)d characters.", n=MAX_TEXT))
        if len(addressee) > MAX_ADDRESSEE:
            errors.add(key + "addressee", _l("At most %(n)d characters.", n=MAX_ADDRESSEE))
        out.append({"content": content, "addressee": addressee, "reply_deadline": deadline})
    return out


def periods_left(task: Task) -> list[Period]:
    """The in-year periods the task may still be assessed for: none unless it is approved or under way."""
    if task.state not in UNDER_WAY:
        return []
    done = {a.period for a in task.assessments}
    return [p for p in IN_YEAR_PERIODS if p not in done]


def require_assessable(actor: Person, task: Task, backfill: Backfill | None = None) -> list[Period]:
    """Check that ``actor`` may assess ``task`` now (the form page; with ``backfill``, enter a past year's
    assessment for the assigned monitor); returns the periods left to assess."""
    entered_later.require(actor, "assess", task, backfill)
    left = periods_left(task)
    if not left:
        raise Conflict(_l("Every period of the year has been assessed already."))
    return left


def is_reply_overdue(recommendation: Recommendation) -> bool:
    """An open recommendation whose reply deadline has passed."""
    return recommendation.status == RecommendationStatus.OPEN and recommendation.reply_deadline < clock.today()


def _assessed_after(task: Task, period: Period) -> tuple[dict[str, date | None], bool]:
    """For an assessment entered afterwards: the steps it may not precede, and whether it belongs to the year-end
    review (which may fall by 31 March of the next year)."""
    if period == Period.FINAL:
        sa = task.self_assessment
        return {"self_assessment": entered_later.local_day(sa.submitted_at) if sa else None}, True
    after: dict[str, date | None] = {"decision": task.decision_date}
    if period.quarter is not None:
        after["quarter"] = date(task.year.year, 3 * period.quarter - 2, 1)
    return after, False


def add_assessment(actor: Person, task: Task, period: Period | str, data: dict[str, Any],
                   recommendations: list[dict[str, Any]] | None = None,
                   backfill: Backfill | None = None) -> Assessment:
    """The assigned monitor assesses a task for a period, raising any recommendations. With ``backfill``, the
    secretariat enters a past year's assessment of the assigned monitor, dated ``backfill.on``."""
    if backfill is None:
        policy.require_party(actor, "assess", task)
    else:
        policy.require_backfill(actor, task)
    errors = FieldErrors()
    period = _enum(Period, period, "period", _l("Choose the period."), errors)
    errors.raise_if_any()
    entered_later.require(actor, "final_assess" if period == Period.FINAL else "assess", task, backfill)
    if db.session.scalar(select(Assessment.id).where(Assessment.task_id == task.id, Assessment.period == period)):
        raise Conflict(_l("This period has been assessed already."))
    if backfill is not None:
        after, year_end = _assessed_after(task, period)
        entered_later.check_on(errors, backfill.on, year=task.year, after=after, until_year_end=year_end)
    form = _enum(SupervisionForm, data.get("supervision_form"), "supervision_form",
                 _l("Choose the form of supervision."), errors)
    judgement = _enum(Judgement, data.get("judgement"), "judgement", _l("Choose the judgement."), errors)
    texts = {}
    for name in TEXTS:
        texts[name] = errors.text(name, data.get(name), MAX_TEXT)
    if not any(texts.values()):
        errors.add("strengths", _l("Write at least the strengths or the shortcomings."))
    for name in sorted(set(data) - set(TEXTS) - {"supervision_form", "judgement"}):
        errors.add(name, _l("Unknown field."))
    # entered afterwards: a deadline is not compared with today (a missing date is refused on its own field)
    rows = _clean_recommendations(list(recommendations or []), errors,
                                  None if backfill is None else backfill.on if isinstance(backfill.on, date)
                                  else date.min)
    errors.raise_if_any()
    monitor = actor if backfill is None else task.monitor
    assessment = Assessment(task=task, monitor=monitor, period=period, supervision_form=form, judgement=judgement,
                            created_at=clock.now() if backfill is None else backfill.moment, **texts)
    if backfill is not None:
        assessment.entered_by, assessment.entered_at = actor, clock.now()
    for row in rows:
        assessment.recommendations.append(Recommendation(task_id=task.id, **row))
    db.session.add(assessment)
    db.session.flush()
    record_event(actor, "assessment.create", object_type="assessment", object_id=assessment.id, task=task,
                 after={"period": period.value, "supervision_form": form.value, "judgement": judgement.value,
                        **texts, "recommendations": [
                            {"id": r.id, "content": r.content, "addressee": r.addressee,
                             "reply_deadline": r.reply_deadline.isoformat()} for r in assessment.recommendations],
                        **entered_later.trail(backfill, monitor)})
    if backfill is not None:  # nobody is told of a past year's assessment
        return assessment
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


def require_replyable(actor: Person, recommendation: Recommendation, backfill: Backfill | None = None) -> None:
    """Check that ``actor`` may reply to the recommendation now: its owner (with ``backfill``, the secretariat
    entering a past year's reply), once, while the task is unlocked."""
    task = recommendation.assessment.task
    entered_later.require(actor, "reply", task, backfill)
    if recommendation.status == RecommendationStatus.REPLIED:
        raise Conflict(_l("This recommendation has been answered already."))


def reply_to_recommendation(actor: Person, recommendation: Recommendation, reply: str,
                            backfill: Backfill | None = None) -> Recommendation:
    """The owner replies to a recommendation, once. With ``backfill``, the secretariat enters a past year's reply
    of the owner, given on ``backfill.on``."""
    require_replyable(actor, recommendation, backfill)
    task = recommendation.assessment.task
    errors = FieldErrors()
    reply = errors.text("reply", reply, MAX_TEXT, required=_l("Write the reply."))
    if backfill is not None:
        entered_later.check_on(errors, backfill.on, year=task.year, until_year_end=True,
                               after={"assessment": entered_later.local_day(recommendation.assessment.created_at)})
    errors.raise_if_any()
    author = actor if backfill is None else task.owner
    replied_on = clock.today() if backfill is None else backfill.on
    recommendation.reply, recommendation.replied_by = reply, author
    recommendation.replied_at = clock.now() if backfill is None else backfill.moment
    if backfill is not None:
        recommendation.reply_entered_by, recommendation.reply_entered_at = actor, clock.now()
    recommendation.status = RecommendationStatus.REPLIED
    db.session.flush()
    record_event(actor, "recommendation.reply", object_type="recommendation", object_id=recommendation.id,
                 task=task, before={"status": RecommendationStatus.OPEN.value},
                 after={"status": recommendation.status.value, "reply": reply,
                        "late": replied_on > recommendation.reply_deadline, **entered_later.trail(backfill, author)})
    if backfill is None:
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


def _awaiting_snapshot(actor: Person | None, year: Year) -> list:
    """The conditions on ``Task`` of the approved tasks of the year without a snapshot that ``actor`` runs."""
    scope = policy.committees_run_by(actor) if actor is not None else true()
    return [Task.year_id == year.id, Task.state.in_(UNDER_WAY), ~Task.mid_year_review.has(), scope]


def count_awaiting_snapshot(actor: Person | None, year: Year) -> int:
    """How many tasks ``take_mid_year_snapshots`` would snapshot now (a background job's progress)."""
    return db.session.scalar(select(func.count(Task.id)).where(*_awaiting_snapshot(actor, year))) or 0


def take_mid_year_snapshots(actor: Person | None, year: Year, limit: int | None = None) -> int:
    """Snapshot every approved task of the year that has none yet (at most ``limit``, in task order: a background
    job takes them in batches); returns how many were taken."""
    if actor is not None:
        policy.require_can(actor, "run_midyear")
    tasks = db.session.scalars(
        select(Task).where(*_awaiting_snapshot(actor, year)).order_by(Task.id).limit(limit)
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
    errors = FieldErrors()
    conclusion = errors.text("conclusion", conclusion, MAX_TEXT, required=_l("Write the conclusion."))
    errors.raise_if_any()
    before = review.conclusion
    review.conclusion, review.concluded_by, review.concluded_at = conclusion, actor, clock.now()
    db.session.flush()
    record_event(actor, "midyear.conclude", object_type="mid_year_review", object_id=review.id, task=task,
                 before={"conclusion": before}, after={"conclusion": conclusion})
    return review
