"""Where a page sits: its breadcrumb trail, and the help (Hướng dẫn) section that explains it.

One table each, keyed by endpoint, read by ``base.html`` for every page below the home page:

- ``CRUMBS``: the page's label and its parent endpoint; a page that is a parent also says how to build its URL
  from the objects its view rendered (``task``, ``person``, ``unit`` …), so a trail costs no query and shows
  only what the view already loaded and checked. A page missing from the table gets Home › (its task) › its
  title, so a new page is never without a trail.
- ``HELP``: the help page (a role) and anchor (a form) that a page's "Hướng dẫn" link opens.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from registry.models import Role
from registry.services.guidance import NextStep, next_step

HOME = "main.home"
#: the longest task title shown in a trail (the task page shows the full title)
TITLE_CHARS = 60

Label = Any  # a (lazy) string, or a callable of the template context returning one
Values = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Crumb:
    """A page's place: its label, its parent page, and its URL values when it appears as a parent."""

    label: Label
    parent: str | None = HOME
    values: Values | None = None


def _short(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1].rstrip() + "…"


def _task_label(ctx: Mapping[str, Any]) -> str:
    task = ctx["task"]
    return f"{task.code} · {_short(task.title)}"


def _dossier_label(ctx: Mapping[str, Any]) -> str:
    subject = ctx["person"]
    if subject.id == getattr(current_user, "id", None):
        return _("My dossier")
    return _("Dossier of %(name)s", name=subject.full_name)


def _task_values(ctx):
    return {"task_id": ctx["task"].id}


def _on_task(label: Label) -> Crumb:
    """A page about one task, below the task page."""
    return Crumb(label, "tasks.show")


CRUMBS: dict[str, Crumb] = {
    HOME: Crumb(_l("Home"), None),
    # tasks and their forms
    "tasks.index": Crumb(_l("Tasks")),
    "tasks.queue": Crumb(_l("Approval queue")),
    "tasks.new": Crumb(_l("Register a task"), "tasks.index"),
    "tasks.show": Crumb(_task_label, "tasks.index", _task_values),
    "tasks.edit": _on_task(_l("Edit registration")),
    "tasks.decide": _on_task(_l("Decide on a registration")),
    "tasks.approve": _on_task(_l("Decide on a registration")),
    "tasks.return_": _on_task(_l("Decide on a registration")),
    "tasks.adjust": _on_task(_l("Adjust registration")),
    "tasks.monitor": _on_task(_l("Assign the monitor")),
    "progress.new_note": _on_task(_l("Write the note")),
    "progress.edit_note": _on_task(lambda c: _("Edit the note for quarter %(q)d", q=c["note"].quarter)),
    "progress.amend_note": _on_task(lambda c: _("Amend the note for quarter %(q)d", q=c["note"].quarter)),
    "progress.upload": _on_task(_l("Attach evidence")),
    "monitoring.new_assessment": _on_task(_l("Assess the task")),
    "monitoring.reply": _on_task(_l("Reply to a recommendation")),
    "monitoring.conclude_midyear": _on_task(_l("Six-month review")),
    "review.self_assessment": _on_task(_l("Year-end self-assessment")),
    "review.final_assessment": _on_task(_l("Final assessment")),
    "review.verdict": _on_task(_l("Verdict")),
    "review.reopen": _on_task(_l("Reopen the task")),
    "review.carry_over": _on_task(_l("Carry over to a later year")),
    "dossier.task_audit": _on_task(_l("Audit record")),
    # one's own pages, lists and reports
    "monitoring.attention": Crumb(_l("What needs attention")),
    "monitoring.notifications": Crumb(_l("Notifications")),
    "auth.profile": Crumb(_l("My account")),
    "main.report": Crumb(_l("Report figures")),
    "rating.facts": Crumb(_l("Rating facts")),
    "rating.proposals": Crumb(_l("Commendation proposals")),
    "rating.decide": Crumb(_l("Record the council's decision"), "rating.proposals"),
    "dossier.audit_log": Crumb(_l("Audit trail")),
    "dossier.person": Crumb(_dossier_label, HOME, lambda c: {"person_id": c["person"].id}),
    "dossier.person_audit": Crumb(_l("Audit record"), "dossier.person"),
    "dossier.unit": Crumb(lambda c: _("Dossier of %(name)s", name=c["unit"].name)),
    "jobs.show": Crumb(_l("Background work")),
    # administration
    "admin.people": Crumb(_l("People")),
    "admin.person_new": Crumb(_l("New account"), "admin.people"),
    "admin.person_edit": Crumb(lambda c: c["person"].full_name, "admin.people"),
    "admin.person_active": Crumb(lambda c: c["person"].full_name, "admin.people"),
    "admin.person_password": Crumb(lambda c: c["person"].full_name, "admin.people"),
    "admin.units": Crumb(_l("Org units")),
    "admin.unit_new": Crumb(_l("New unit"), "admin.units"),
    "admin.unit_edit": Crumb(lambda c: c["unit"].name, "admin.units", lambda c: {"unit_id": c["unit"].id}),
    "admin.unit_merge": Crumb(_l("Merge"), "admin.unit_edit"),
    "public.settings": Crumb(_l("Public page"), "admin.unit_edit"),
    "admin.years": Crumb(_l("Years")),
    "admin.year_new": Crumb(_l("New year"), "admin.years"),
    "admin.year_edit": Crumb(lambda c: _("Year %(year)s", year=c["year"].year), "admin.years"),
    "admin.fields": Crumb(_l("Fields")),
    "imports.index": Crumb(_l("Register from a spreadsheet")),
    "imports.check": Crumb(_l("Check of the spreadsheet"), "imports.index"),
    "imports.confirm": Crumb(_l("Check of the spreadsheet"), "imports.index"),
    "admin.field_new": Crumb(_l("New field"), "admin.fields"),
    "admin.field_edit": Crumb(lambda c: c["field"].display_name, "admin.fields"),
    # help
    "help.index": Crumb(_l("Help")),
    "help.role": Crumb(lambda c: c["guide"].title, "help.index"),
}


@dataclass(frozen=True)
class Step:
    """One link of a trail; the current page has no URL."""

    label: str
    url: str | None = None


def _label(crumb: Crumb, ctx: Mapping[str, Any]) -> str:
    return str(crumb.label(ctx) if callable(crumb.label) else crumb.label)


def trail(endpoint: str | None, ctx: Mapping[str, Any], title: str = "") -> list[Step]:
    """The breadcrumb trail of ``endpoint`` rendered with ``ctx``: Home first, the current page last (without a
    link). ``title`` (the page's own title) labels an error page and a page missing from ``CRUMBS``."""
    if endpoint == HOME:
        return []
    home = Step(_label(CRUMBS[HOME], ctx), url_for(HOME))
    page = Step(title.strip() or _("This page"))
    if getattr(ctx, "name", None) == "error.html":  # an error page says nothing of what was asked for
        return [home, page]
    if endpoint not in CRUMBS:  # a page not in the table yet: below its task, if it shows one
        task = ctx.get("task")
        return [home, *(_chain("tasks.show", ctx, link_first=True) if getattr(task, "code", None) else []), page]
    try:
        return [home, *_chain(endpoint, ctx, link_first=False)]
    except (KeyError, AttributeError, TypeError):  # the view did not render the objects a label needs
        return [home, page]


def _chain(endpoint: str, ctx: Mapping[str, Any], *, link_first: bool) -> list[Step]:
    """The steps from below Home down to ``endpoint``; ``link_first``: the last one is a link too."""
    steps: list[Step] = []
    current: str | None = endpoint
    is_page = not link_first
    while current is not None and current != HOME:
        crumb = CRUMBS[current]
        url = None
        if not is_page:
            url = url_for(current, **crumb.values(ctx)) if crumb.values else url_for(current)
        steps.append(Step(_label(crumb, ctx), url))
        current, is_page = crumb.parent, False
    return list(reversed(steps))


@pass_context
def breadcrumbs(ctx, title: str = "") -> list[Step]:
    """Template helper: the trail of the page being rendered (none for the home page or anonymous visitors)."""
    if not current_user.is_authenticated:
        return []
    return trail(request.endpoint, ctx, str(Markup(title).striptags()) if title else "")


# -- help for the page ----------------------------------------------------------------------------------------

FORM_A = _l("Registration (Form A)")
FORM_B = _l("Quarterly progress (Form B)")
FORM_C = _l("Monitor assessment (Form C)")
FORM_D = _l("Year-end review (Form D)")


@dataclass(frozen=True)
class HelpTopic:
    """The help page (a role's slug) and the anchor on it that explain a page."""

    role: str
    anchor: str
    topic: Any


HELP: dict[str, HelpTopic] = {
    "tasks.new": HelpTopic("owner", "form-a", FORM_A),
    "tasks.edit": HelpTopic("owner", "form-a", FORM_A),
    "tasks.decide": HelpTopic("standing", "decide", FORM_A),
    "tasks.approve": HelpTopic("standing", "decide", FORM_A),
    "tasks.return_": HelpTopic("standing", "decide", FORM_A),
    "tasks.adjust": HelpTopic("standing", "adjust", FORM_A),
    "tasks.monitor": HelpTopic("standing", "decide", FORM_A),
    "tasks.queue": HelpTopic("standing", "decide", FORM_A),
    "progress.new_note": HelpTopic("owner", "form-b", FORM_B),
    "progress.edit_note": HelpTopic("owner", "form-b", FORM_B),
    "progress.amend_note": HelpTopic("owner", "form-b", FORM_B),
    "progress.upload": HelpTopic("owner", "form-b", FORM_B),
    "monitoring.new_assessment": HelpTopic("monitor", "form-c", FORM_C),
    "monitoring.reply": HelpTopic("owner", "form-c", FORM_C),
    "monitoring.conclude_midyear": HelpTopic("standing", "midyear", _l("Six-month review")),
    "review.self_assessment": HelpTopic("owner", "form-d", FORM_D),
    "review.final_assessment": HelpTopic("monitor", "form-d", FORM_D),
    "review.verdict": HelpTopic("standing", "form-d", FORM_D),
    "review.reopen": HelpTopic("standing", "reopen", _l("Reopen the task")),
    "review.carry_over": HelpTopic("owner", "carry-over", _l("Carry over to a later year")),
    "admin.people": HelpTopic("secretariat", "people", _l("People")),
    "admin.person_new": HelpTopic("secretariat", "people", _l("People")),
    "admin.person_edit": HelpTopic("secretariat", "people", _l("People")),
    "admin.units": HelpTopic("secretariat", "units", _l("Org units")),
    "admin.unit_new": HelpTopic("secretariat", "units", _l("Org units")),
    "admin.unit_edit": HelpTopic("secretariat", "units", _l("Org units")),
    "admin.unit_merge": HelpTopic("secretariat", "units", _l("Org units")),
    "public.settings": HelpTopic("secretariat", "public-page", _l("Public page")),
    "admin.years": HelpTopic("secretariat", "years", _l("Years")),
    "admin.year_new": HelpTopic("secretariat", "years", _l("Years")),
    "admin.year_edit": HelpTopic("secretariat", "years", _l("Years")),
    "admin.fields": HelpTopic("secretariat", "fields", _l("Fields")),
    "admin.field_new": HelpTopic("secretariat", "fields", _l("Fields")),
    "admin.field_edit": HelpTopic("secretariat", "fields", _l("Fields")),
    "dossier.audit_log": HelpTopic("secretariat", "audit", _l("Audit trail")),
    "main.report": HelpTopic("secretariat", "dashboard", _l("Report figures")),
    "rating.facts": HelpTopic("secretariat", "rating", _l("Rating facts")),
    "rating.proposals": HelpTopic("secretariat", "commendations", _l("Commendation proposals")),
    "rating.decide": HelpTopic("secretariat", "commendations", _l("Commendation proposals")),
    "imports.index": HelpTopic("secretariat", "import", _l("Register from a spreadsheet")),
    "imports.check": HelpTopic("secretariat", "import", _l("Register from a spreadsheet")),
    "imports.confirm": HelpTopic("secretariat", "import", _l("Register from a spreadsheet")),
    "jobs.show": HelpTopic("secretariat", "jobs", _l("Background work")),
    "tasks.index": HelpTopic("owner", "search", _l("Searching the tasks")),
}


@dataclass(frozen=True)
class HelpLink:
    url: str
    label: str


def help_link() -> HelpLink | None:
    """The "Hướng dẫn" link of the page being rendered: the help section of its form, if it has one."""
    topic = HELP.get(request.endpoint or "")
    if topic is None or not current_user.is_authenticated:
        return None
    return HelpLink(url_for("help.role", role=topic.role, _anchor=topic.anchor),
                    _("Help: %(topic)s", topic=topic.topic))


#: the help pages, one per role, in the order the index lists them
GUIDE_ROLES = (Role.OWNER, Role.MONITOR, Role.STANDING, Role.SECRETARIAT, Role.INSPECTOR)


def held_roles(person) -> list[Role]:
    """The kinds of role the person holds somewhere, in the help's order."""
    held = {grant.role for grant in getattr(person, "grants", ())} if person.is_authenticated else set()
    return [role for role in GUIDE_ROLES if role in held]


def help_home() -> str:
    """Where the header's "Hướng dẫn" opens: the help of the viewer's role, or the index when they hold
    several kinds of role (or none)."""
    roles = held_roles(current_user)
    if len(roles) == 1:
        return url_for("help.role", role=roles[0].value)
    return url_for("help.index")


def next_step_for(task) -> NextStep:
    """Template helper: the task page's "what to do next" line for the signed-in person."""
    return next_step(current_user, task)


def template_helpers() -> dict[str, Any]:
    """The context processor that gives every template its trail and help links, and the task page its next
    step."""
    return {"breadcrumbs": breadcrumbs, "help_link": help_link, "help_home": help_home,
            "next_step": next_step_for}
