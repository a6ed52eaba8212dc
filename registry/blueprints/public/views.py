"""A committee's public transparency page (anyone, without signing in) and its settings page (the secretariat).

The public pages render in their own layout (``public/base.html``): no menu, no form, no CSRF token, nothing of
the signed-in session; the language comes from ``?lang=`` (else the visitor's choice, else Vietnamese), so the
answer to an anonymous visitor may be cached for a few minutes (``public_max_age``, read by
``registry.web``). A committee whose page is off, or that does not exist, is 404 alike.
"""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry import clock, labels, policy
from registry.blueprints.common import allow, done, get_or_404, page_action
from registry.blueprints.public import bp
from registry.blueprints.public.forms import PublicPageForm, public_page_data, public_page_initial
from registry.models import PUBLIC_COLUMNS, OrgUnit
from registry.services import public_page as service

#: seconds a shared cache may keep a public page answered to an anonymous visitor
PUBLIC_MAX_AGE = 300
#: the highest page number taken (a larger one shows the empty last page rather than an error)
MAX_PAGE = 100_000


def public_cache(max_age: int):
    """Mark a public view: its 200 answers to anonymous visitors are ``Cache-Control: public, max-age=…``."""
    def mark(view):
        view.public_max_age = max_age
        return view
    return mark


def _language() -> str:
    wanted = request.args.get("lang")
    if wanted in current_app.config["LANGUAGES"]:
        return wanted
    locale = get_locale()
    return locale.language if locale is not None else current_app.config["BABEL_DEFAULT_LOCALE"]


def _number(value: float | None, lang: str) -> str:
    """A number as the pages write it (no trailing zeros; a decimal comma in Vietnamese)."""
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".") if lang == "vi" else text


#: the query arguments a public page keeps when its language is switched
KEPT_ARGS = ("q", "year", "page")


def _render(template: str, **context):
    lang = _language()
    kept = {k: v for k, v in request.args.items() if k in KEPT_ARGS and v}
    other_languages = {code: (name, url_for(request.endpoint, **(request.view_args or {}), **kept, lang=code))
                       for code, name in current_app.config["LANGUAGES"].items() if code != lang}
    with force_locale(lang):
        html = render_template(template, lang=lang, other_languages=other_languages, today=clock.today(),
                               number=lambda v: _number(v, lang), **context)
    response = make_response(html)
    response.headers["Content-Language"] = lang
    response.add_etag()
    return response.make_conditional(request)


@bp.route("/public/")
@public_cache(PUBLIC_MAX_AGE)
def index():
    """The committees whose page is switched on."""
    return _render("public/index.html", pages=service.enabled_pages())


@bp.route("/public/<string(maxlength=40):code>")
@public_cache(PUBLIC_MAX_AGE)
def committee(code: str):
    """A committee's published tasks of one year, the chosen columns only; searchable and paginated."""
    page = service.enabled_page(code)
    if page is None:
        abort(404)
    years = service.public_years()
    year_number = request.args.get("year", type=int)
    if year_number is None:
        year = service.default_year(years)
    else:
        year = next((y for y in years if y.year == year_number), None)
        if year is None:
            abort(404)
    q = (request.args.get("q") or "").strip()[:service.MAX_QUERY]
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    tasks = service.published_tasks(page, year, q, number, current_app.config["PAGE_SIZE"]) if year else None
    args = {k: v for k, v in {"year": year_number, "q": q}.items() if v}
    columns = [c for c in PUBLIC_COLUMNS if page.shows(c)]
    return _render("public/committee.html", page=page, unit=page.unit, years=years, year=year, q=q,
                   tasks=tasks, args=args, columns=columns,
                   headers=[_l("Task"), *(labels.PUBLIC_COLUMN[c] for c in columns)])


# -- the secretariat's settings ------------------------------------------------------------------------------------

def _managed_unit(unit_id: int) -> OrgUnit:
    """The unit, if the signed-in secretariat manages it (403 for anybody else, 404 outside its subtree)."""
    allow("publish")
    unit = get_or_404(OrgUnit, unit_id)
    if not policy.can(current_user, "publish", unit):
        abort(404)
    return unit


def _settings_form(unit: OrgUnit) -> PublicPageForm:
    form = PublicPageForm(formdata=None, data=public_page_initial(service.page_of(unit))) \
        if request.method == "GET" else PublicPageForm()
    form.set_choices()
    return form


@bp.route("/admin/units/<id:unit_id>/public", methods=["GET", "POST"])
@page_action(_managed_unit, form=_settings_form, render=lambda unit, form: render_template(
    "public/settings.html", form=form, unit=unit, page=service.page_of(unit)))
def settings(unit, form):
    """Switch the committee's public page on or off and choose its columns."""
    service.save_public_page(current_user, unit, public_page_data(form))
    return done(_("Public page of %(name)s saved.", name=unit.name), "public.settings", unit_id=unit.id)
