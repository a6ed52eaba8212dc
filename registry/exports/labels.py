"""Labels of the year-end and monitoring values, shared by the dossier pages and the printed documents."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.models import Commendation, Judgement, Outcome, Period, ProgressStatus, SupervisionForm

#: a verdict's outcome, as the default scale names it
OUTCOME = {
    Outcome.EXCEEDED: _l("Exceeded the target"),
    Outcome.ON_TIME: _l("Completed on time"),
    Outcome.LATE: _l("Completed behind schedule"),
    Outcome.PARTIAL: _l("Partly completed"),
    Outcome.NOT_DONE: _l("Not completed"),
    Outcome.STOPPED: _l("Stopped with approval"),
}

#: column headings of the outcome counts
OUTCOME_SHORT = {
    Outcome.EXCEEDED: _l("Exceeded"),
    Outcome.ON_TIME: _l("On time"),
    Outcome.LATE: _l("Late"),
    Outcome.PARTIAL: _l("Partial"),
    Outcome.NOT_DONE: _l("Not done"),
    Outcome.STOPPED: _l("Stopped"),
}

COMMENDATION = {
    Commendation.NONE: _l("No commendation"),
    Commendation.PRAISE: _l("Praise"),
    Commendation.REWARD: _l("Reward"),
}

PERIOD = {
    Period.Q1: _l("Quarter I"),
    Period.Q2: _l("Quarter II"),
    Period.Q3: _l("Quarter III"),
    Period.Q4: _l("Quarter IV"),
    Period.MID_YEAR: _l("Six-month review"),
    Period.FINAL: _l("Year-end"),
}

SUPERVISION_FORM = {
    SupervisionForm.DOCUMENT_REVIEW: _l("Study of documents"),
    SupervisionForm.FIELD_SURVEY: _l("Field survey"),
    SupervisionForm.DELEGATION: _l("Monitoring delegation"),
    SupervisionForm.PUBLIC_CONSULTATION: _l("Consultation of the people"),
}

JUDGEMENT = {
    Judgement.ON_TRACK: _l("On schedule"),
    Judgement.LATE: _l("Behind schedule"),
    Judgement.NOT_STARTED: _l("Not yet carried out"),
}

PROGRESS_STATUS = {
    ProgressStatus.ON_TRACK: _l("On schedule"),
    ProgressStatus.AT_RISK: _l("At risk of delay"),
    ProgressStatus.LATE: _l("Behind schedule"),
    ProgressStatus.DONE: _l("Completed"),
}

#: what ``verify`` found, by kind
VERIFY_KIND = {
    "edited": _l("an event was edited"),
    "deleted": _l("an event was deleted"),
    "reordered": _l("events were reordered"),
    "inserted": _l("an event was inserted"),
    "truncated": _l("the end of the trail was cut off"),
    "recomputed": _l("hashes were recomputed"),
    "seal_broken": _l("a locked record was changed after its verdict"),
    "file_changed": _l("an evidence file was changed"),
    "file_missing": _l("an evidence file is missing"),
    "checkpoint_invalid": _l("the checkpoint is invalid"),
}

#: labels of the keys recorded in audit events beyond the registration's own fields (``labels.TASK_FIELD``)
AUDIT_FIELD = {
    "quarter": _l("Quarter"),
    "work_done": _l("Work done"),
    "percent_complete": _l("Percent complete"),
    "status": _l("Status"),
    "difficulties": _l("Difficulties"),
    "causes": _l("Causes"),
    "proposals": _l("Proposals"),
    "next_plan": _l("Plan for the next period"),
    "values": _l("Indicator values"),
    "is_late": _l("Late"),
    "late": _l("Late"),
    "task_state": _l("State"),
    "period": _l("Period"),
    "supervision_form": _l("Form of supervision"),
    "judgement": _l("Judgement"),
    "strengths": _l("Strengths"),
    "shortcomings": _l("Shortcomings"),
    "recommendations": _l("Recommendations"),
    "content": _l("Recommendation"),
    "addressee": _l("Addressed to"),
    "reply_deadline": _l("Reply by"),
    "reply": _l("Reply"),
    "indicator_results": _l("Indicators reached"),
    "reached": _l("Reached"),
    "baseline": _l("Baseline"),
    "target": _l("Target"),
    "unit": _l("Unit"),
    "name": _l("Name"),
    "self_level": _l("Self-rated level"),
    "lessons": _l("Lessons"),
    "level": _l("Level"),
    "percent": _l("Share completed (%)"),
    "reasons": _l("Reasons"),
    "commendation": _l("Commendation"),
    "commendation_form": _l("Form of the commendation"),
    "conclusion_ref": _l("Conclusion document"),
    "seal": _l("Seal"),
    "verdict_id": _l("Verdict"),
    "carried_from_id": _l("Carried over from"),
    "conclusion": _l("Conclusion"),
    "sha256": _l("SHA-256"),
    "size": _l("Size (bytes)"),
    "note_id": _l("Progress note"),
    "revoked": _l("Revoked"),
    "is_active": _l("Active"),
}

#: labels of recorded values, by key
AUDIT_VALUE = {
    "status": {**{s.value: label for s, label in PROGRESS_STATUS.items()},
               "open": _l("Awaiting reply"), "replied": _l("Replied")},
    "period": {p.value: label for p, label in PERIOD.items()},
    "supervision_form": {f.value: label for f, label in SUPERVISION_FORM.items()},
    "judgement": {j.value: label for j, label in JUDGEMENT.items()},
    "commendation": {c.value: label for c, label in COMMENDATION.items()},
}
