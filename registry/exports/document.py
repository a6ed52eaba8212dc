"""The content of the printed documents as plain data, shared by the PDF and DOCX writers.

The layout follows Hướng dẫn 36-HD/VPTW: top left the superior Party body and the issuing committee with "*"
below, top right "ĐẢNG CỘNG SẢN VIỆT NAM" with a rule below, the reference "Số …-BC/…", the place-and-date line,
the title, the body, the signature block and "Nơi nhận:". The fixed texts of that layout are always Vietnamese;
everything else goes through the message catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import ClassVar

from flask_babel import format_decimal
from flask_babel import gettext as _

from registry import labels
from registry.clock import LOCAL_TZ
from registry.labels import COMMENDATION, JUDGEMENT, OUTCOME_SHORT, SUPERVISION_FORM
from registry.models import (
    Commendation,
    OrgLevel,
    OrgUnit,
    Person,
    Task,
    TaskState,
    Verdict,
)
from registry.services.dossier import OUTCOMES, Dossier, YearRecord
from registry.services.review import final_assessment
from registry.services.task_input import FORM_A_TEXT

#: fixed texts of the Party layout, always Vietnamese
PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
ON_BEHALF = "T/M BAN THƯỜNG VỤ"
SECRETARY = "BÍ THƯ"
RECIPIENTS_LABEL = "Nơi nhận:"

#: levels whose Party committee issues documents (a Standing Committee sits there)
COMMITTEE_LEVELS = (OrgLevel.PROVINCE, OrgLevel.DISTRICT, OrgLevel.COMMUNE)

#: how a unit's name turns into its committee's name and the reference abbreviation:
#: (name prefix, committee prefix or None to keep the whole name after "ĐẢNG ỦY", abbreviation)
COMMITTEE_NAMES: list[tuple[str, str | None, str]] = [
    ("thành phố ", "THÀNH ỦY ", "TU"),
    ("tỉnh ", "TỈNH ỦY ", "TU"),
    ("quận ", "QUẬN ỦY ", "QU"),
    ("huyện ", "HUYỆN ỦY ", "HU"),
    ("thị xã ", "THỊ ỦY ", "TU"),
    ("phường ", None, "ĐU"),
    ("xã ", None, "ĐU"),
    ("thị trấn ", None, "ĐU"),
    ("đặc khu ", None, "ĐU"),
]


# -- the letterhead -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Letterhead:
    """Who issues the document: the superior body, the issuing committee, its place, and its secretary."""

    superior: str  #: e.g. "ĐẢNG BỘ THÀNH PHỐ HÀ NỘI"; empty at the top of the tree
    issuer: str  #: e.g. "QUẬN ỦY TÂY HỒ"
    place: str  #: e.g. "Tây Hồ", for the place-and-date line
    abbreviation: str  #: e.g. "QU", for the reference "Số …-BC/QU"
    secretary: str  #: the head of the issuing unit, who signs; empty leaves the line blank


def committee_unit(unit: OrgUnit | None) -> OrgUnit | None:
    """The nearest unit at or above ``unit`` whose Party committee issues documents."""
    seen: set[int] = set()
    while unit is not None and unit.id not in seen:
        if unit.level in COMMITTEE_LEVELS:
            return unit
        seen.add(unit.id)
        unit = unit.parent
    return None


def _naming(name: str) -> tuple[str, str, str]:
    """(committee name, place, abbreviation) of a committee-level unit's name."""
    lowered = name.lower()
    for prefix, committee, abbreviation in COMMITTEE_NAMES:
        if lowered.startswith(prefix):
            place = name[len(prefix):].strip()
            issuer = (committee + place) if committee else f"ĐẢNG ỦY {name}"
            return issuer.upper(), place, abbreviation
    return f"ĐẢNG ỦY {name}".upper(), name, "ĐU"


def letterhead(unit: OrgUnit | None) -> Letterhead:
    """The letterhead of a document about ``unit`` (or about a person or task in it), read up the unit chain:
    the issuing committee is the nearest province, district or commune; the superior body is the Party
    organisation (Đảng bộ) of the next one up."""
    issuing = committee_unit(unit)
    if issuing is None:
        return Letterhead(superior="", issuer=(f"ĐẢNG ỦY {unit.name}".upper() if unit else ""),
                          place="", abbreviation="ĐU" if unit else "", secretary="")
    issuer, place, abbreviation = _naming(issuing.name)
    above = committee_unit(issuing.parent)
    superior = f"ĐẢNG BỘ {above.name}".upper() if above is not None else ""
    return Letterhead(superior=superior, issuer=issuer, place=place, abbreviation=abbreviation,
                      secretary=issuing.head.full_name if issuing.head is not None else "")


def date_line(place: str, day: date) -> str:
    """The place-and-date line written out: "Tây Hồ, ngày 05 tháng 01 năm 2026"."""
    written = f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
    return f"{place}, {written}" if place else written[0].upper() + written[1:]


def reference(abbreviation: str, kind: str = "BC") -> str:
    """The reference with the number left blank for the office: "Số      -BC/QU" (hyphen, no colon)."""
    blank = "\u00a0" * 6
    return f"Số {blank}-{kind}/{abbreviation}" if abbreviation else f"Số {blank}-{kind}"


# -- the body -----------------------------------------------------------------------------------------------

@dataclass
class Heading:
    kind: ClassVar[str] = "heading"
    text: str
    level: int = 1


@dataclass
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    text: str
    label: str = ""  #: printed in bold before the text, followed by a colon


@dataclass
class Table:
    kind: ClassVar[str] = "table"
    columns: list[str]
    rows: list[list[str]]
    #: relative column widths (any unit); equal when empty
    widths: list[float] = field(default_factory=list)


Block = Heading | Paragraph | Table


@dataclass
class Document:
    letterhead: Letterhead
    issued_on: date
    title: str  #: printed in capitals
    subtitle: list[str]
    blocks: list[Block]
    recipients: list[str]
    #: the download name without extension, in Vietnamese
    filename: str

    party_name = PARTY_NAME
    on_behalf = ON_BEHALF
    secretary_title = SECRETARY
    recipients_label = RECIPIENTS_LABEL

    @property
    def reference(self) -> str:
        return reference(self.letterhead.abbreviation)

    @property
    def date_line(self) -> str:
        return date_line(self.letterhead.place, self.issued_on)

    @property
    def recipient_lines(self) -> list[str]:
        """"- X," for each recipient, the last one ending with a full stop."""
        return [f"- {name}{'.' if i == len(self.recipients) - 1 else ','}" for i, name in enumerate(self.recipients)]


# -- formatting ---------------------------------------------------------------------------------------------

def dmy(value: date | datetime | None) -> str:
    """dd/mm/yyyy; a datetime in Vietnam time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ).date()
    return value.strftime("%d/%m/%Y")


def number(value: float | None) -> str:
    return "" if value is None else format_decimal(value, format="#,##0.##")


def verdict_text(verdict: Verdict) -> str:
    """The level's name, with the share done for a partial completion."""
    if verdict.percent is not None:
        return f"{verdict.level.display_name} ({number(verdict.percent)}%)"
    return verdict.level.display_name


def commendation_text(verdict: Verdict | None) -> str:
    if verdict is None or verdict.commendation == Commendation.NONE:
        return ""
    return f"{COMMENDATION[verdict.commendation]}: {verdict.commendation_form}"


def verdict_cell(task: Task) -> str:
    """The current verdict, then each superseded one with its reopening."""
    lines = []
    current = task.current_verdict
    if current is not None:
        lines.append(verdict_text(current))
    for old in task.verdicts:
        if not old.is_current:
            lines.append(_("Superseded: %(level)s (reopened %(date)s: %(reason)s)", level=verdict_text(old),
                           date=dmy(old.reopened_at), reason=old.reopen_reason))
    return "\n".join(lines)


def entered_text(row, prefix: str = "entered") -> str:
    """"Entered later by … on …" for a row the secretariat entered afterwards (nhập bổ sung); empty otherwise."""
    at = getattr(row, f"{prefix}_at", None)
    if at is None:
        return ""
    return _("entered by %(name)s on %(when)s", name=getattr(row, f"{prefix}_by").full_name, when=dmy(at))


def _entered_paragraph(row, prefix: str = "entered") -> list[Block]:
    text = entered_text(row, prefix)
    return [Paragraph(text, label=_("Entered later"))] if text else []


def _has_entries_later(task: Task) -> bool:
    """Anything of the task's record was entered afterwards."""
    rows = [task, *task.notes, *task.assessments, *task.verdicts]
    if task.self_assessment is not None:
        rows.append(task.self_assessment)
    return (any(row.entered_at is not None for row in rows) or task.decision_entered_at is not None
            or any(r.reply_entered_at is not None for a in task.assessments for r in a.recommendations))


def _counts_row(label: str, record: YearRecord) -> list[str]:
    outcomes = [str(record.counts[o]) for o in OUTCOMES] if record.reviewed else ["—"] * len(OUTCOMES)
    return [label, record.year.rating_regulation or "", str(record.registered), *outcomes, str(record.awaiting)]


def _counts_table(dossier: Dossier) -> Table:
    return Table(
        columns=[_("Year"), _("Rating regulation"), _("Registered"), *(str(OUTCOME_SHORT[o]) for o in OUTCOMES),
                 _("Awaiting verdict")],
        rows=[_counts_row(str(record.year.year), record) for record in reversed(dossier.years)],
        widths=[9, 14, 10, 9, 9, 9, 9, 9, 9, 11],
    )


def _task_rows(tasks: list[Task], with_unit: bool = False) -> list[list[str]]:
    """One row per registration; drafts are the owner's work in progress and are not printed."""
    rows = []
    for n, task in enumerate((t for t in tasks if t.state != TaskState.DRAFT), start=1):
        title = f"{task.title}\n{task.code} · {labels.KIND[task.kind]}"
        if with_unit and task.owner_unit is not None:
            title += f"\n{task.owner_unit.name_in(task.year.year)}"
        if _has_entries_later(task):
            title += f"\n{_('Entered later')}"
        self_level = task.self_assessment.self_level.display_name if task.self_assessment else ""
        final = final_assessment(task)
        rows.append([str(n), title, str(labels.STATE[task.state]), self_level,
                     str(JUDGEMENT[final.judgement]) if final else "", verdict_cell(task),
                     commendation_text(task.current_verdict)])
    return rows


def _task_table(tasks: list[Task], with_unit: bool = False) -> Table:
    return Table(
        columns=[_("No."), _("Task"), _("State"), _("Self-assessment"), _("Final assessment"), _("Verdict"),
                 _("Commendation")],
        rows=_task_rows(tasks, with_unit),
        widths=[5, 33, 11, 12, 11, 16, 12],
    )


def _dossier_blocks(dossier: Dossier) -> list[Block]:
    blocks: list[Block] = [Heading(_("I. Results by year")), _counts_table(dossier)]
    if not dossier.years:
        blocks.append(Paragraph(_("No registrations.")))
        return blocks
    blocks.append(Heading(_("II. Registrations and verdicts")))
    for record in reversed(dossier.years):
        blocks.append(Heading(_("Year %(year)d", year=record.year.year), level=2))
        if record.year.rating_regulation:
            blocks.append(Paragraph(record.year.rating_regulation, label=_("Rating regulation")))
        if any(t.state != TaskState.DRAFT for t in record.tasks):
            blocks.append(_task_table(record.tasks))
        if any(t.state != TaskState.DRAFT for t in record.others):
            blocks.append(Paragraph(_("Collective registrations answered for as head (counted in the unit's "
                                      "dossier):")))
            blocks.append(_task_table(record.others, with_unit=True))
    return blocks


def person_document(person: Person, dossier: Dossier, issued_on: date) -> Document:
    """The dossier of one person, across all years."""
    subtitle = [person.full_name]
    details = ", ".join(part for part in (person.position, person.org_unit.name if person.org_unit else "") if part)
    if details:
        subtitle.append(details)
    return Document(
        letterhead=letterhead(person.org_unit), issued_on=issued_on,
        title=_("Report on the registered hard and breakthrough tasks"), subtitle=subtitle,
        blocks=_dossier_blocks(dossier),
        recipients=[person.full_name, _("The Inspection Committee"), _("Archived at the office")],
        filename=f"Hồ sơ việc khó - {person.full_name}",
    )


def unit_document(unit: OrgUnit, dossier: Dossier, issued_on: date) -> Document:
    """The dossier of one collective, across all years."""
    subtitle = [unit.name]
    if unit.head is not None:
        subtitle.append(_("Head: %(name)s", name=unit.head.full_name))
    recipients = [unit.name, _("The Inspection Committee"), _("Archived at the office")]
    return Document(
        letterhead=letterhead(unit), issued_on=issued_on,
        title=_("Report on the registered hard and breakthrough tasks"), subtitle=subtitle,
        blocks=_dossier_blocks(dossier), recipients=recipients,
        filename=f"Hồ sơ việc khó - {unit.name}",
    )


# -- Form D -------------------------------------------------------------------------------------------------

def _self_assessment_blocks(task: Task) -> list[Block]:
    sa = task.self_assessment
    if sa is None:
        return [Paragraph(_("Not submitted yet."))]
    blocks: list[Block] = []
    if sa.indicator_results:
        blocks.append(Table(
            columns=[_("Indicator"), _("Unit"), _("Baseline"), _("Target"), _("Reached")],
            rows=[[r.get("name", ""), r.get("unit", ""), number(r.get("baseline")), number(r.get("target")),
                   number(r.get("reached"))] for r in sa.indicator_results],
            widths=[40, 12, 16, 16, 16]))
    blocks += [
        Paragraph(sa.deliverable, label=_("Deliverable produced")),
        Paragraph(sa.self_level.display_name, label=_("Self-rated level")),
        Paragraph(sa.shortcomings or "—", label=_("Shortcomings")),
        Paragraph(sa.lessons or "—", label=_("Lessons")),
        Paragraph(dmy(sa.submitted_at), label=_("Submitted on")),
        *_entered_paragraph(sa),
    ]
    return blocks


def _final_assessment_blocks(task: Task) -> list[Block]:
    final = final_assessment(task)
    if final is None:
        return [Paragraph(_("Not given yet."))]
    blocks: list[Block] = [
        Paragraph(final.monitor.full_name, label=_("Monitor")),
        Paragraph(str(SUPERVISION_FORM[final.supervision_form]), label=_("Form of supervision")),
        Paragraph(str(JUDGEMENT[final.judgement]), label=_("Judgement")),
        Paragraph(final.strengths or "—", label=_("Strengths")),
        Paragraph(final.shortcomings or "—", label=_("Shortcomings")),
        Paragraph(final.causes or "—", label=_("Causes")),
        Paragraph(dmy(final.created_at), label=_("Assessed on")),
        *_entered_paragraph(final),
    ]
    if final.recommendations:
        blocks.append(Table(
            columns=[_("Recommendation"), _("Addressed to"), _("Reply by"), _("Reply")],
            rows=[[r.content, r.addressee, dmy(r.reply_deadline), r.reply or ""] for r in final.recommendations],
            widths=[35, 20, 13, 32]))
    return blocks


def _verdict_blocks(task: Task) -> list[Block]:
    current = task.current_verdict
    blocks: list[Block] = []
    if current is None:
        blocks.append(Paragraph(_("Not recorded yet.")))
    else:
        blocks += [
            Paragraph(verdict_text(current), label=_("Level")),
            Paragraph(current.reasons, label=_("Reasons")),
        ]
        if current.measures:
            blocks.append(Paragraph(current.measures, label=_("Measures")))
        if current.conclusion_ref:
            blocks.append(Paragraph(current.conclusion_ref, label=_("Conclusion document")))
        blocks.append(Paragraph(f"{current.decided_by.full_name}, {dmy(current.decided_at)}",
                                label=_("Decided by")))
        blocks += _entered_paragraph(current)
    superseded = [v for v in task.verdicts if not v.is_current]
    if superseded:
        blocks.append(Paragraph(_("Superseded verdicts:")))
        blocks.append(Table(
            columns=[_("Level"), _("Decided"), _("Reopened"), _("Reason for reopening")],
            rows=[[verdict_text(v), dmy(v.decided_at), dmy(v.reopened_at), v.reopen_reason or ""]
                  for v in superseded],
            widths=[30, 15, 15, 40]))
    return blocks


def _registration_blocks(task: Task) -> list[Block]:
    """Form A's text fields as registered (``task_input.FORM_A_TEXT``; the title is the document's "Task")."""
    return [Paragraph(getattr(task, text.name) or "—", label=str(text.label))
            for text in FORM_A_TEXT if text.in_document]


def review_document(task: Task, issued_on: date) -> Document:
    """Form D, the year-end review of one task: the registration, self-assessment, final assessment, verdict,
    commendation."""
    unit = task.owner_unit or task.org_unit or task.owner.org_unit
    decision = f"{task.decision_ref}, {dmy(task.decision_date)}" if task.decision_ref else "—"
    blocks: list[Block] = [
        Paragraph(task.code, label=_("Code")),
        Paragraph(task.title, label=_("Task")),
        Paragraph(task.owner_label, label=_("Owner")),
        Paragraph(str(labels.KIND[task.kind]), label=_("Kind")),
        Paragraph(task.field.display_name, label=_("Field")),
        Paragraph(dmy(task.submitted_at) or "—", label=_("Submitted on")),
        *_entered_paragraph(task),
        Paragraph(decision, label=_("Decision")),
        *_entered_paragraph(task, "decision_entered"),
        Paragraph(dmy(task.deadline) or "—", label=_("Deadline")),
        Paragraph(str(labels.STATE[task.state]), label=_("State")),
        Heading(_("Registration (Form A)")), *_registration_blocks(task),
        Heading(_("I. The owner's self-assessment")), *_self_assessment_blocks(task),
        Heading(_("II. The monitor's final assessment")), *_final_assessment_blocks(task),
        Heading(_("III. The Standing Committee's verdict")), *_verdict_blocks(task),
        Heading(_("IV. Commendation")),
        Paragraph(commendation_text(task.current_verdict) or str(COMMENDATION[Commendation.NONE])),
    ]
    recipients = [task.owner.full_name]
    if task.monitor is not None:
        recipients.append(task.monitor.full_name)
    recipients += [_("The Inspection Committee"), _("Archived at the office")]
    return Document(
        letterhead=letterhead(unit), issued_on=issued_on, title=_("Year-end review form"),
        subtitle=[_("Task registered for %(year)d", year=task.year.year), task.title],
        blocks=blocks, recipients=recipients, filename=f"Phiếu đánh giá cuối năm - {task.code}",
    )
