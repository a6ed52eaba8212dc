"""Translatable labels for enum values and audit actions, shared by pages, exports and the API docs."""

from flask_babel import lazy_gettext as _l

from registry.models import (
    Authority,
    Commendation,
    CouncilDecision,
    Judgement,
    OrgLevel,
    Outcome,
    Ownership,
    Period,
    ProgressStatus,
    ProposalState,
    Role,
    SupervisionForm,
    TaskKind,
    TaskState,
)
from registry.services.task_input import FORM_A_TEXT

STATE = {
    TaskState.DRAFT: _l("Draft"),
    TaskState.SUBMITTED: _l("Submitted"),
    TaskState.RETURNED: _l("Returned"),
    TaskState.APPROVED: _l("Approved"),
    TaskState.IN_PROGRESS: _l("In progress"),
    TaskState.SELF_ASSESSED: _l("Self-assessed"),
    TaskState.REVIEWED: _l("Reviewed"),
    TaskState.WITHDRAWN: _l("Withdrawn"),
}

KIND = {
    TaskKind.HARD: _l("Hard task"),
    TaskKind.BREAKTHROUGH: _l("Breakthrough or innovation"),
    TaskKind.MASS_MOBILISATION: _l("Skilful mass mobilisation model"),
}

OWNERSHIP = {Ownership.INDIVIDUAL: _l("Individual"), Ownership.COLLECTIVE: _l("Collective")}

AUTHORITY = {Authority.OWN: _l("Within own authority"), Authority.SUPERIOR: _l("Needs the higher level")}

ROLE = {
    Role.OWNER: _l("Committee member / head"),
    Role.MONITOR: _l("Fatherland Front monitor"),
    Role.STANDING: _l("Standing Committee"),
    Role.SECRETARIAT: _l("Secretariat"),
    Role.INSPECTOR: _l("Inspector (read-only)"),
}

LEVEL = {
    OrgLevel.PROVINCE: _l("Province / city"),
    OrgLevel.DISTRICT: _l("District (until 2025)"),
    OrgLevel.COMMUNE: _l("Commune / ward"),
    OrgLevel.AGENCY: _l("Agency"),
    OrgLevel.PARTY_CELL: _l("Party cell"),
    OrgLevel.RESIDENTIAL_GROUP: _l("Residential group"),
}

ACTION = {
    "task.create": _l("Registered as a draft"),
    "task.update": _l("Edited the registration"),
    "task.submit": _l("Submitted to the Standing Committee"),
    "task.withdraw": _l("Withdrew the registration"),
    "task.approve": _l("Approved"),
    "task.return": _l("Returned for changes"),
    "task.adjust": _l("Adjusted"),
    "task.assign_monitor": _l("Assigned the monitor"),
    "rows.seal": _l("Sealed the records written"),
    "person.create": _l("Created the account"),
    "person.update": _l("Edited the account"),
    "person.activate": _l("Reactivated the account"),
    "person.deactivate": _l("Deactivated the account"),
    "person.reset_password": _l("Reset the password"),
    "person.change_password": _l("Changed own password"),
    "person.reset_link_sent": _l("Password reset link e-mailed"),
    "person.reset_by_link": _l("Password reset through an e-mailed link"),
    "org_unit.create": _l("Created the unit"),
    "org_unit.update": _l("Edited the unit"),
    "year.create": _l("Created the year"),
    "year.update": _l("Edited the year"),
    "field.create": _l("Created the field"),
    "field.update": _l("Edited the field"),
    "note.create": _l("Wrote a progress note"),
    "note.update": _l("Edited a progress note"),
    "note.amend": _l("Amended a progress note"),
    "evidence.attach": _l("Attached an evidence file"),
    "assessment.create": _l("Gave an assessment"),
    "assessment.acknowledge": _l("Acknowledged an assessment"),
    "recommendation.reply": _l("Replied to a recommendation"),
    "midyear.snapshot": _l("Took the six-month snapshot"),
    "midyear.conclude": _l("Concluded the six-month review"),
    "task.self_assess": _l("Submitted the self-assessment"),
    "task.verdict": _l("Recorded the verdict"),
    "task.reopen": _l("Reopened the reviewed task"),
    "task.carry_over": _l("Carried over to a later year"),
    "commendation.decide": _l("Recorded the council's decision on a commendation"),
    "org_unit.merge": _l("Merged the unit into another"),
    "api_token.create": _l("Created an API token"),
    "api_token.revoke": _l("Revoked an API token"),
    "public_page.update": _l("Changed the public page"),
}

#: labels of Form A fields, used where a change is shown field by field (the text fields' from their table)
TASK_FIELD = {
    **{text.name: text.trail_label for text in FORM_A_TEXT},
    "kind": _l("Kind"),
    "field_id": _l("Field"),
    "deadline": _l("Deadline"),
    "authority": _l("Authority"),
    "is_committed": _l("Commitment"),
    "indicators": _l("Indicators"),
    "milestones": _l("Milestones"),
    "ownership": _l("Ownership"),
    "owner_unit_id": _l("Collective"),
    "state": _l("State"),
    "comment": _l("Comment"),
    "reason": _l("Reason"),
    "decision_ref": _l("Decision reference"),
    "decision_date": _l("Decision date"),
    "monitor_id": _l("Monitor"),
}


def by_value(labels: dict) -> dict:
    """An enum's labels by its members' stored values (as the audit trail and adjustments record them)."""
    return {member.value: label for member, label in labels.items()}


#: labels by stored value, for values read back from the audit trail and adjustments
BY_VALUE = {"kind": by_value(KIND), "authority": by_value(AUTHORITY), "state": by_value(STATE),
            "ownership": by_value(OWNERSHIP)}


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

#: where a commendation proposal stands (registry.services.commendations)
PROPOSAL_STATE = {
    ProposalState.PROPOSED: _l("Proposed"),
    ProposalState.ACCEPTED: _l("Accepted"),
    ProposalState.NOT_ACCEPTED: _l("Not accepted"),
    ProposalState.LAPSED: _l("Lapsed (verdict reopened)"),
}

#: what the emulation council decided on a proposal: the words of the state the proposal takes
COUNCIL_DECISION = {decision: PROPOSAL_STATE[ProposalState(decision.value)] for decision in CouncilDecision}

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

PROGRESS_STATUS = {
    ProgressStatus.ON_TRACK: _l("On schedule"),
    ProgressStatus.AT_RISK: _l("At risk of delay"),
    ProgressStatus.LATE: _l("Behind schedule"),
    ProgressStatus.DONE: _l("Completed"),
}

#: the monitor's judgement: on or behind schedule in the words of the owner's progress status
JUDGEMENT = {
    **{judgement: PROGRESS_STATUS[ProgressStatus(judgement.value)] for judgement in (Judgement.ON_TRACK,
                                                                                     Judgement.LATE)},
    Judgement.NOT_STARTED: _l("Not yet carried out"),
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
    "row_changed": _l("a record no longer matches the trail"),
    "row_unaudited": _l("a record is not in the trail"),
    "row_missing": _l("a record in the trail is gone"),
}

#: the audited tables as a reader names them (``registry.services.rowseal.SEALED``), for verification results
SEALED_TABLE = {
    "org_units": _l("Unit"),
    "org_unit_names": _l("Former unit name"),
    "people": _l("Account"),
    "role_grants": _l("Role grant"),
    "api_tokens": _l("API token"),
    "years": _l("Year"),
    "fields": _l("Field"),
    "verdict_levels": _l("Verdict level"),
    "tasks": _l("Task"),
    "indicators": _l("Indicator"),
    "milestones": _l("Milestone"),
    "task_adjustments": _l("Adjustment"),
    "progress_notes": _l("Progress note"),
    "indicator_values": _l("Indicator value"),
    "note_amendments": _l("Note amendment"),
    "evidence_files": _l("Evidence file"),
    "assessments": _l("Assessment"),
    "recommendations": _l("Recommendation"),
    "mid_year_reviews": _l("Mid-year review"),
    "self_assessments": _l("Self-assessment"),
    "verdicts": _l("Verdict"),
    "commendation_decisions": _l("Decision on a commendation"),
    "public_pages": _l("Public page"),
}

#: labels of the keys recorded in audit events beyond the registration's own fields (``labels.TASK_FIELD``)
AUDIT_FIELD = {
    "is_public": _l("Public page on"),
    "public_columns": _l("Published columns"),
    "quarter": _l("Quarter"),
    "work_done": _l("Work done"),
    "percent_complete": _l("Percent complete"),
    "status": _l("Status"),
    "difficulties": _l("Difficulties"),
    "causes": _l("Causes"),
    "proposals": _l("Proposals"),
    "next_plan": _l("Plan for the next period"),
    "values": _l("Indicator values"),
    "is_late": _l("Submitted late"),
    "late": _l("Replied late"),
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
    "council_decision": _l("Decision of the council"),
    "decided_on": _l("Date of the decision"),
    "seal": _l("Seal"),
    "verdict_id": _l("Verdict"),
    "carried_from_id": _l("Carried over from"),
    "conclusion": _l("Conclusion"),
    "sha256": _l("SHA-256"),
    "size": _l("Size (bytes)"),
    "note_id": _l("Progress note"),
    "revoked": _l("Revoked"),
    "is_active": _l("Active"),
    "missing_quarters": _l("Quarters without a progress note"),
    # entered afterwards (nhập bổ sung)
    "entered_later": _l("Entered later"),
    "effective_on": _l("Date it happened"),
    "on_behalf_of_id": _l("On behalf of"),
    "indicator_id": _l("Indicator"),
    "value": _l("Value"),
    "type": _l("File type"),
    "committee_id": _l("Registered with the committee"),
    "org_unit_id": _l("Unit"),
    # accounts
    "username": _l("User name"),
    "full_name": _l("Full name"),
    "position": _l("Position"),
    "email": _l("E-mail"),
    "grants": _l("Roles"),
    "role": _l("Role"),
    "unit_id": _l("Unit"),
    # units, years and fields
    "code": _l("Code"),
    "parent_id": _l("Parent unit"),
    "head_id": _l("Head"),
    "merged_into_id": _l("Merged into"),
    "children": _l("Sub-units moved"),
    "people": _l("People moved"),
    "tasks": _l("Tasks moved"),
    "year": _l("Year"),
    "registration_opens_on": _l("Registration opens"),
    "registration_closes_on": _l("Registration closes"),
    "q1_deadline": _l("Deadline of quarter I"),
    "q2_deadline": _l("Deadline of quarter II"),
    "q3_deadline": _l("Deadline of quarter III"),
    "q4_deadline": _l("Deadline of quarter IV"),
    "grace_days": _l("Grace days for editing notes"),
    "rating_regulation": _l("Rating regulation"),
    "sort_order": _l("Order"),
    "name_en": _l("English name"),
    # what a registration's lists hold
    "description": _l("Description"),
    "due_on": _l("Due on"),
}

#: labels of keys that mean something else in one action
ACTION_FIELD = {
    "org_unit.merge": {"grants": _l("Roles moved"), "parent_id": _l("Former parent unit")},
}

#: recorded keys whose values are unit ids
REF_KEYS_UNITS = frozenset({"committee_id", "owner_unit_id", "org_unit_id", "unit_id", "parent_id",
                            "merged_into_id", "children"})

#: what an audit event is about, when it is not a task or a person
OBJECT_TYPE = {
    "task": _l("Task"),
    "task_adjustment": _l("Adjustment"),
    "progress_note": _l("Progress note"),
    "note_amendment": _l("Amendment of a progress note"),
    "evidence_file": _l("Evidence file"),
    "assessment": _l("Assessment"),
    "recommendation": _l("Recommendation"),
    "mid_year_review": _l("Six-month review"),
    "self_assessment": _l("Self-assessment"),
    "verdict": _l("Verdict"),
    "commendation_decision": _l("Decision on a commendation"),
    "person": _l("Account"),
    "api_token": _l("API token"),
    "org_unit": _l("Unit"),
    "year": _l("Year"),
    "field": _l("Field"),
    "public_page": _l("Public page"),
}

#: the columns a committee's public page may show (``registry.models.PUBLIC_COLUMNS``)
PUBLIC_COLUMN = {
    "owner": _l("Owner"),
    "field": _l("Field"),
    "target": _l("Goal and targets"),
    "status": _l("Status"),
    "verdict": _l("Verdict"),
}

#: labels of recorded values, by key
AUDIT_VALUE = {
    "status": {**by_value(PROGRESS_STATUS), "open": _l("Awaiting reply"), "replied": _l("Replied")},
    "period": by_value(PERIOD),
    "supervision_form": by_value(SUPERVISION_FORM),
    "judgement": by_value(JUDGEMENT),
    "commendation": by_value(COMMENDATION),
    "council_decision": by_value(PROPOSAL_STATE),
    "public_columns": PUBLIC_COLUMN,
}

#: every recorded key's label, for histories and audit views
FIELD = {**AUDIT_FIELD, **TASK_FIELD}

#: where a search match was found (``registry.models.search.SOURCES``), shown before its snippet
SEARCH_SOURCE = {"task": _l("Registration"), "indicator": _l("Indicators"), "note": _l("Progress note"),
                 "assessment": _l("Assessment"), "recommendation": _l("Recommendation"),
                 "self_assessment": _l("Self-assessment")}


def search_label(source: str, field: str) -> str:
    """The label of a search snippet: the field of the registration, or where else it was found and its field."""
    if source == "task":
        return str(FIELD.get(field, field))
    if source in ("indicator", "recommendation"):
        return str(FIELD["reply"] if field == "reply" else SEARCH_SOURCE[source])
    return f"{SEARCH_SOURCE[source]} · {FIELD.get(field, field)}"
