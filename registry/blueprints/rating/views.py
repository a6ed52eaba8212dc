"""The rating facts of a year (per person and per collective, for the annual rating) and the commendation proposals
for the emulation council, with the secretariat's record of the council's decision on each."""

from __future__ import annotations

from io import BytesIO

from flask import abort, current_app, render_template, request, send_file
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from registry import clock, labels, policy
from registry.blueprints.common import allow, done, page_action
from registry.blueprints.rating import bp
from registry.blueprints.rating.forms import DecisionForm, ProposalFilterForm, RatingFilterForm, decision_data
from registry.exports import docx as docx_writer
from registry.exports.commendations import proposals_document
from registry.exports.table import Column, table_response
from registry.extensions import db
from registry.models import ProposalState, Year
from registry.services import commendations as service
from registry.services import queries
from registry.services.dossier import OUTCOMES
from registry.services.rating import Subject, rating_filters, rating_page, rating_rows
from registry.text import attachment_names


def _years() -> list[Year]:
    return list(db.session.scalars(select(Year).order_by(Year.year.desc())))


def _unit(units, unit_id: int | None):
    """The unit asked for, if it is one the viewer reads (else 404: not even its name)."""
    unit = next((u for u, _depth in units if u.id == unit_id), None) if unit_id else None
    if unit_id and unit is None:
        abort(404)
    return unit


def _args(*drop: str) -> dict[str, str]:
    """The query arguments that links keep, without ``page`` and ``drop``."""
    return {k: v for k, v in request.args.items() if k not in ("page", *drop) and v not in ("", "0")}


def _sort(endpoint: str, key: str, direction: str) -> dict:
    return {"endpoint": endpoint, "args": _args("sort", "dir"), "key": key, "dir": direction}


def _filter_form(form_class):
    """A report's filter form from ``request.args``, with the years and the units the viewer reads (else 403)."""
    allow("view_reports")
    units = queries.unit_choices(current_user, policy.READER_ROLES)
    form = form_class(request.args)
    form.set_units(_years(), units)
    return form, units


# -- rating facts ----------------------------------------------------------------------------------------------

def _rating():
    """The facts' form, filters and unit as ``request.args`` ask (the page and its export read the same)."""
    form, units = _filter_form(RatingFilterForm)
    default = queries.current_year()
    year = request.args.get("year", type=int) or (default.year if default else clock.today().year)
    form.year.data = year
    unit = _unit(units, request.args.get("unit", type=int))
    filters = rating_filters(year, request.args.get("by"), unit.id if unit else None, request.args.get("sort"),
                             request.args.get("dir"))
    form.by.data = filters.subject.value
    return form, filters, unit


@bp.route("/rating")
def facts():
    """Per person (or collective), the year's registrations by the Standing Committee's verdict."""
    form, filters, unit = _rating()
    page = rating_page(current_user, filters, page=request.args.get("page", type=int),
                       per_page=current_app.config["PAGE_SIZE"])
    return render_template("rating/facts.html", form=form, filters=filters, unit=unit, page=page,
                           outcomes=OUTCOMES, args=_args(), sort=_sort("rating.facts", filters.sort,
                                                                         filters.direction))


def _rating_columns(subject: Subject) -> list[Column]:
    name = _("Full name") if subject is Subject.PERSON else _("Collective")
    unit = _("Unit") if subject is Subject.PERSON else _("Parent unit")
    return [Column(name, lambda r: r.name), Column(unit, lambda r: r.unit_name),
            Column(_("Registered"), lambda r: r.registered),
            *(Column(str(labels.OUTCOME_SHORT[o]), lambda r, o=o: r.counts[o]) for o in OUTCOMES),
            Column(_("Reviewed"), lambda r: r.reviewed), Column(_("Awaiting verdict"), lambda r: r.awaiting)]


@bp.route("/rating.<any(xlsx, csv):fmt>")
def facts_export(fmt: str):
    """The facts as filtered and sorted, every row."""
    _form, filters, _unit_ = _rating()
    name = _("rating-facts") + f"-{filters.year}"
    return table_response(fmt, name, _rating_columns(filters.subject), rating_rows(current_user, filters))


# -- commendation proposals --------------------------------------------------------------------------------------

def _proposals():
    form, units = _filter_form(ProposalFilterForm)
    form.validate()
    unit = _unit(units, request.args.get("unit", type=int))
    filters = service.proposal_filters(request.args.get("year", type=int) or None, unit.id if unit else None,
                                       request.args.get("state"), request.args.get("commendation"),
                                       request.args.get("sort"), request.args.get("dir"))
    return form, filters, unit


@bp.route("/commendations")
def proposals():
    """The commendations verdicts proposed, with the council's decision on each."""
    form, filters, unit = _proposals()
    page = queries.paginate(service.proposals(current_user, filters), page=request.args.get("page", type=int),
                            per_page=current_app.config["PAGE_SIZE"])
    return render_template("rating/commendations.html", form=form, filters=filters, unit=unit, page=page,
                           args=_args(), sort=_sort("rating.proposals", filters.sort, filters.direction),
                           state_of=service.proposal_state, ProposalState=ProposalState)


def _proposal_columns() -> list[Column]:
    def decision(attribute):
        return lambda v: getattr(v.commendation_decision, attribute) if v.commendation_decision else None

    return [
        Column(_("Code"), lambda v: v.task.code), Column(_("Title"), lambda v: v.task.title),
        Column(_("Owner"), lambda v: v.task.owner_label),
        Column(_("Unit"), lambda v: v.task.org_unit.name if v.task.org_unit else ""),
        Column(_("Verdict"), lambda v: v.level.display_name),
        Column(_("Commendation"), lambda v: str(labels.COMMENDATION[v.commendation])),
        Column(_("Form of the commendation"), lambda v: v.commendation_form),
        Column(_("Proposed on"), lambda v: v.decided_at),
        Column(_("State"), lambda v: str(labels.PROPOSAL_STATE[service.proposal_state(v)])),
        Column(_("Decision reference"), decision("decision_ref")),
        Column(_("Date of the decision"), decision("decided_on")),
        Column(_("Reason or remark"), decision("reason")),
    ]


@bp.route("/commendations.<any(xlsx, docx):fmt>")
def proposals_export(fmt: str):
    """The proposals as filtered and sorted, every row: a spreadsheet, or a document for the council."""
    _form, filters, unit = _proposals()
    rows = list(queries.all_rows(service.proposals(current_user, filters)))
    if fmt == "xlsx":
        name = _("commendation-proposals") + f"-{clock.today():%Y%m%d}"
        return table_response(fmt, name, _proposal_columns(), rows)
    document = proposals_document(rows, filters, unit, current_user, clock.today())
    response = send_file(BytesIO(docx_writer.render_docx(document)), mimetype=docx_writer.MIMETYPE,
                         as_attachment=True, download_name=f"{document.filename}.docx", max_age=0)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(f"{document.filename}.docx"))
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _proposal(verdict_id: int):
    """The proposal (a verdict proposing a commendation), or 404; 403 (logged) unless one reads its task."""
    verdict = service.proposal(verdict_id)
    if verdict is None:
        abort(404)
    policy.require_party(current_user, "view", verdict.task)
    return verdict


def _today_by_default(form, _verdict) -> None:
    if form.decided_on.data is None:
        form.decided_on.data = clock.today()


@bp.route("/commendations/<id:verdict_id>/decision", methods=["GET", "POST"])
@page_action(_proposal, lambda verdict: service.require_decidable(current_user, verdict), form=DecisionForm,
             fill=_today_by_default, render=lambda verdict, form: render_template(
                 "rating/decide.html", form=form, verdict=verdict, task=verdict.task))
def decide(verdict, form):
    """The secretariat records the emulation council's decision on one proposal."""
    service.decide(current_user, verdict, decision_data(form))
    return done(_("The council's decision has been recorded."), "rating.proposals", year=verdict.task.year.year)
