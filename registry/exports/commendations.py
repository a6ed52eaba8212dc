"""The list of commendation proposals as a document for the emulation and commendation council (Hội đồng Thi đua –
Khen thưởng), laid out as every Party document (``registry.exports.document``) and written by the DOCX writer."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from registry import labels, policy
from registry.exports.document import Block, Document, Paragraph, Table, dmy, letterhead, verdict_text
from registry.models import OrgUnit, Person, ProposalState, Role, Verdict
from registry.services.commendations import ProposalFilters, proposal_state


def _issuing_unit(unit: OrgUnit | None, viewer: Person) -> OrgUnit | None:
    """The unit the list is about, else the highest unit where the viewer reads (their office)."""
    if unit is not None:
        return unit
    held = policy.grants(viewer, [Role.SECRETARIAT, Role.STANDING, Role.INSPECTOR])
    return min((g.unit for g in held), key=lambda u: len(u.path), default=viewer.org_unit)


def _state_text(verdict: Verdict) -> str:
    state = proposal_state(verdict)
    text = str(labels.PROPOSAL_STATE[state])
    decision = verdict.commendation_decision
    if decision is not None:
        details = ", ".join(part for part in (decision.decision_ref, dmy(decision.decided_on)) if part)
        text = f"{text}\n{details}"
        if decision.reason:
            text += f"\n{decision.reason}"
        if not verdict.is_current:
            text += "\n" + _("The verdict was reopened afterwards.")
    return text


def _rows(verdicts: list[Verdict]) -> list[list[str]]:
    rows = []
    for n, verdict in enumerate(verdicts, start=1):
        task = verdict.task
        owner = task.owner_label
        if task.org_unit is not None and task.owner_unit is None:
            owner += f"\n{task.org_unit.name}"
        rows.append([str(n), owner, f"{task.title}\n{task.code}", verdict_text(verdict),
                     f"{labels.COMMENDATION[verdict.commendation]}: {verdict.commendation_form}",
                     _state_text(verdict)])
    return rows


def proposals_document(verdicts: list[Verdict], filters: ProposalFilters, unit: OrgUnit | None, viewer: Person,
                       issued_on: date) -> Document:
    """The proposals (as filtered) in one table: who, which task, the verdict, the commendation, its state."""
    subtitle = []
    if filters.year:
        subtitle.append(_("Tasks registered for %(year)d", year=filters.year))
    if unit is not None:
        subtitle.append(unit.name)
    if filters.state is not None:
        subtitle.append(_("State: %(state)s", state=labels.PROPOSAL_STATE[filters.state]))
    pending = sum(1 for v in verdicts if proposal_state(v) is ProposalState.PROPOSED)
    blocks: list[Block] = [
        Paragraph(_("%(n)d proposals, %(pending)d awaiting the council's decision.", n=len(verdicts),
                    pending=pending)),
        Table(columns=[_("No."), _("Owner"), _("Task"), _("Verdict"), _("Commendation"), _("State")],
              rows=_rows(verdicts), widths=[6, 22, 30, 16, 16, 18]),
    ]
    year = f" {filters.year}" if filters.year else ""
    return Document(
        letterhead=letterhead(_issuing_unit(unit, viewer)), issued_on=issued_on,
        title=_("List of commendation proposals"), subtitle=subtitle, blocks=blocks,
        recipients=[_("The emulation and commendation council"), _("Archived at the office")],
        filename=f"Danh sách đề nghị khen thưởng{year}",
    )
