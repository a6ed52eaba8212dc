"""Help (Hướng dẫn): an index of the roles and one printable page per role, with an anchor per form.

Help is for every signed-in person, whatever their roles (the sign-in hook turns visitors away): it shows no
record, only how the registry works and the current year's dates, so it needs no row of the policy table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from registry import clock
from registry.blueprints.help import bp
from registry.extensions import db
from registry.labels import ROLE
from registry.models import Role, Year
from registry.navigation import GUIDE_ROLES, held_roles


@dataclass(frozen=True)
class Guide:
    """The help page of one role."""

    role: Role
    #: the page's heading
    title: Any
    #: one line: who holds the role and what they do here
    summary: Any

    @property
    def slug(self) -> str:
        return self.role.value

    @property
    def role_name(self) -> str:
        return str(ROLE[self.role])


GUIDES: dict[str, Guide] = {guide.slug: guide for guide in [
    Guide(Role.OWNER, _l("Registering and reporting: committee members and heads"),
          _l("You register your hard tasks (Form A), report on them every quarter (Form B), answer the "
             "monitor and assess your year (Form D).")),
    Guide(Role.MONITOR, _l("Monitoring: the Fatherland Front"),
          _l("You assess the tasks you are assigned to each period (Form C), raise recommendations and give "
             "the final assessment at year end (Form D).")),
    Guide(Role.STANDING, _l("Deciding: the Standing Committee"),
          _l("You approve, return or adjust the registrations of your committee, name the monitor, conclude "
             "the six-month review and record the year-end verdict (Form D).")),
    Guide(Role.SECRETARIAT, _l("Administering: the Party committee office"),
          _l("You keep the accounts, units, years and fields, chase what is overdue, take the six-month "
             "snapshot, print the dossiers and reports and check the audit trail.")),
    Guide(Role.INSPECTOR, _l("Inspecting: the Inspection Committee"),
          _l("You read the tasks, dossiers, reports and the audit trail of your scope; you change nothing.")),
]}
assert tuple(GUIDES) == tuple(role.value for role in GUIDE_ROLES)


def _year_of_today() -> Year | None:
    """This year's settings (windows, deadlines), or the latest year's."""
    today = clock.today()
    years = list(db.session.scalars(select(Year).order_by(Year.year.desc())))
    return next((y for y in years if y.year == today.year), years[0] if years else None)


@bp.route("/help")
def index():
    held = held_roles(current_user)
    return render_template("help/index.html", guides=list(GUIDES.values()), held=held, year=_year_of_today())


@bp.route("/help/<role>")
def role(role: str):
    guide = GUIDES.get(role)
    if guide is None:
        abort(404)
    return render_template("help/role.html", guide=guide, guides=list(GUIDES.values()),
                           is_mine=guide.role in held_roles(current_user), year=_year_of_today())
