"""A committee's public transparency page: its settings (switched on by its secretariat, the columns chosen from
a whitelist) and what anonymous visitors read — only published tasks, only the chosen columns.

What is published is the policy's (``policy.published``): the committee's approved tasks of a year. Nothing
else of a task is ever loaded for the page: no notes, assessments, evidence, audit or people's contact data.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload

from registry import clock, policy
from registry.models import PUBLIC_COLUMNS, OrgUnit, Person, PublicPage, Task, Verdict, Year, db
from registry.services.audit import record_event
from registry.services.errors import FieldErrors
from registry.services.queries import contains
from registry.text import fold

#: the longest search text the page takes (longer input is cut, never refused: it is a public search box)
MAX_QUERY = 200


def page_of(unit: OrgUnit) -> PublicPage | None:
    """The unit's settings row, if it was ever saved."""
    return db.session.scalar(select(PublicPage).where(PublicPage.unit_id == unit.id))


def enabled_page(code: str) -> PublicPage | None:
    """The switched-on page of the active unit with this code, its unit loaded; None when there is none (404)."""
    return db.session.scalar(
        select(PublicPage).join(PublicPage.unit).options(contains_eager(PublicPage.unit))
        .where(OrgUnit.code == code, OrgUnit.is_active.is_(True), PublicPage.is_enabled.is_(True)))


def enabled_pages() -> list[PublicPage]:
    """Every switched-on page of an active unit, by the unit's name (the public index)."""
    return list(db.session.scalars(
        select(PublicPage).join(PublicPage.unit).options(contains_eager(PublicPage.unit))
        .where(OrgUnit.is_active.is_(True), PublicPage.is_enabled.is_(True)).order_by(OrgUnit.name, OrgUnit.id)))


def _state(page: PublicPage | None) -> dict[str, Any]:
    if page is None:
        return {"is_public": False, "public_columns": []}
    return {"is_public": bool(page.is_enabled), "public_columns": list(page.columns or [])}


def save_public_page(actor: Person | None, unit: OrgUnit, data: dict[str, Any]) -> PublicPage:
    """Switch the unit's public page on or off and set its columns (a subset of ``PUBLIC_COLUMNS``): the
    secretariat of the unit or above (403 otherwise); field errors for unknown columns, an inactive (merged)
    unit or a page switched on with no column. The change is one audit event filed under the unit."""
    policy.require_can(actor, "publish", unit)
    errors = FieldErrors()
    is_enabled = data.get("is_enabled")
    if not isinstance(is_enabled, bool):
        errors.add("is_enabled", _l("Choose whether the page is public."))
    columns = data.get("columns")
    if not isinstance(columns, (list, tuple)) or not all(isinstance(c, str) for c in columns):
        errors.add("columns", _l("Choose the columns from the list."))
        columns = []
    elif set(columns) - set(PUBLIC_COLUMNS):
        errors.add("columns", _l("Choose the columns from the list."))
    elif is_enabled is True and not columns:
        errors.add("columns", _l("Choose at least one column to publish."))
    if is_enabled is True and not unit.is_active:
        errors.add("is_enabled", _l("An inactive or merged unit has no public page."))
    errors.raise_if_any()
    page = page_of(unit)
    before = _state(page)
    after = {"is_public": is_enabled, "public_columns": [c for c in PUBLIC_COLUMNS if c in set(columns)]}
    if page is not None and before == after:
        return page
    if page is None:
        page = PublicPage(unit_id=unit.id)
        db.session.add(page)
    page.is_enabled = after["is_public"]
    page.columns = after["public_columns"]
    page.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    record_event(actor, "public_page.update", object_type="public_page", object_id=page.id,
                 before=before, after=after, unit_id=unit.id)
    return page


# -- what the public reads ---------------------------------------------------------------------------------------

def public_years() -> list[Year]:
    """The years a public page offers, newest first."""
    return list(db.session.scalars(select(Year).order_by(Year.year.desc())))


def default_year(years: list[Year]) -> Year | None:
    """This calendar year when it exists, otherwise the newest year before it, otherwise the newest there is."""
    today = clock.today().year
    return (next((y for y in years if y.year == today), None) or next((y for y in years if y.year < today), None)
            or (years[0] if years else None))


def published_tasks(page: PublicPage, year: Year, q: str = "", number: int = 1, per_page: int = 25) -> Pagination:
    """One page of the committee's published tasks of ``year``, in registration order, with only what the chosen
    columns show loaded (a fixed number of statements whatever the number of tasks). ``q`` matches the title,
    and the owner's name only when the owner is published, without diacritics."""
    stmt = select(Task).where(policy.published(page.unit_id), Task.year_id == year.id).order_by(Task.id)
    q = (q or "")[:MAX_QUERY]
    if fold(q):
        pattern = contains(q)
        matches = [Task.search_text.like(pattern, escape="\\")]
        if page.shows("owner"):
            matches.append(Task.owner.has(Person.search_name.like(pattern, escape="\\")))
        stmt = stmt.where(or_(*matches))
    options = [lazyload("*")]
    if page.shows("owner"):
        options += [joinedload(Task.owner).load_only(Person.id, Person.full_name).lazyload(Person.grants),
                    joinedload(Task.owner_unit).selectinload(OrgUnit.former_names)]
    if page.shows("field"):
        options.append(joinedload(Task.field))
    if page.shows("target"):
        options.append(selectinload(Task.indicators))
    if page.shows("verdict"):
        options.append(selectinload(Task.verdicts.and_(Verdict.is_current.is_(True))).joinedload(Verdict.level))
    stmt = stmt.options(*options)
    return db.paginate(stmt, page=number, per_page=per_page, max_per_page=100, error_out=False, count=True)
