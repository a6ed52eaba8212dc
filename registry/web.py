"""Wiring of the web layer: blueprints, the one commit per request, error pages, template helpers."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    render_template,
    request,
    session,
)
from flask_babel import get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_loaded_from_cookie
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from registry import clock, labels, navigation, policy
from registry.api import is_api_request
from registry.blueprints.admin import bp as admin_bp
from registry.blueprints.auth import bp as auth_bp
from registry.blueprints.auth.sessions import LOGIN_KEYS, start_session_clock
from registry.blueprints.backfill import bp as backfill_bp
from registry.blueprints.dossier import bp as dossier_bp
from registry.blueprints.help import bp as help_bp
from registry.blueprints.imports import bp as imports_bp
from registry.blueprints.jobs import bp as jobs_bp
from registry.blueprints.main import bp as main_bp
from registry.blueprints.monitoring import bp as monitoring_bp
from registry.blueprints.progress import bp as progress_bp
from registry.blueprints.public import bp as public_bp
from registry.blueprints.rating import bp as rating_bp
from registry.blueprints.review import bp as review_bp
from registry.blueprints.tasks import bp as tasks_bp
from registry.clock import LOCAL_TZ
from registry.extensions import db, login_manager
from registry.localized import localized_name
from registry.models import Person
from registry.models.base import MAX_ID
from registry.services import task_input
from registry.services.errors import Conflict, PermissionDenied, ValidationFailed
from registry.services.security import log_auth

#: the Content-Security-Policy of every response: scripts and styles from the site only (inline style
#: attributes are allowed, inline scripts and event handlers are not), no framing, forms post to the site
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
                           "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


#: the pages anyone may open without signing in
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.set_language", "auth.forgot_password", "auth.reset_password",
                              "static", "public.index", "public.committee"})


def select_locale() -> str:
    """The language chosen in the header (kept in the session), Vietnamese by default."""
    if has_request_context() and is_api_request():  # the API reads no session: Accept-Language decides
        return request.accept_languages.best_match(current_app.config["LANGUAGES"],
                                                   current_app.config["BABEL_DEFAULT_LOCALE"])
    lang = session.get("lang") if has_request_context() else None
    return lang if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


@login_manager.user_loader
def load_user(user_id: str) -> Person | None:
    """The person of a session or remember-me cookie ("id:session_version"), if active and the version is
    current: raising the version (sign-out, password change, reset, deactivation) refuses every old copy.
    A bare id (the test client's shortcut) is accepted only under TESTING."""
    person_id, _, version = str(user_id).partition(":")
    if not person_id.isdigit() or int(person_id) > MAX_ID:
        return None
    person = db.session.get(Person, int(person_id))
    if person is None or not person.is_active:
        return None
    if version == "" and current_app.config.get("TESTING"):
        return person
    if version != str(person.session_version):
        log_auth("session refused (ended)", person.username, request.remote_addr if has_request_context()
                   else None)
        return None
    return person


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy; datetimes are shown in Vietnam time with hours and minutes, except those at exactly midnight
    there: the dates of events entered afterwards (nhập bổ sung), which are known to the day only."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(LOCAL_TZ)
        return local.strftime("%d/%m/%Y" if local.time() == time.min else "%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def format_number(value: float | None) -> str:
    """A number the Vietnamese way: no trailing .0, decimal comma in Vietnamese."""
    if value is None:
        return ""
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if select_locale() == "vi":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


#: the page of a plain HTTP error: status → (title, message)
HTTP_ERROR_PAGES = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    404: (_l("Not found"), _l("There is no such page or record.")),
    405: (_l("Not allowed"), _l("This action is not available here.")),
    413: (_l("Too large"), _l("The upload is larger than allowed.")),
}


def _error_page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def _log_forbidden() -> None:
    account = current_user.username if current_user.is_authenticated else None
    log_auth("access denied", account, request.remote_addr, path=request.path)


class IdConverter(IntegerConverter):
    """Row ids in URLs: positive and within a 32-bit INTEGER column (PostgreSQL's range), else 404."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=1, max=MAX_ID)


def _translations():
    """Flask-Babel's catalogue of the request's language (or of a ``force_locale`` block), without the look-ups
    it repeats on every call (some 7 µs each: a task page asks for about 250 strings): once the language is known
    (``g._flask_babel.babel_locale``, where Flask-Babel keeps it), its catalogue is kept per language."""
    locale = getattr(getattr(g, "_flask_babel", None), "babel_locale", None)
    if locale is None:
        return get_translations()
    catalogue = _catalogues.get(locale)
    if catalogue is None:
        catalogue = _catalogues[locale] = get_translations()
    return catalogue


#: the catalogues by language (the files do not change while the app runs)
_catalogues: dict = {}


def _install_template_gettext(app: Flask) -> None:
    """The templates' ``_``, ``ngettext`` and ``pgettext`` through ``_translations`` (as Flask-Babel installs them,
    new-style: escaped, with named placeholders)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)


def init_app(app: Flask) -> None:
    _install_template_gettext(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:  # trust this many proxies' X-Forwarded-For/-Proto/-Host (client address, https)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.url_map.converters["id"] = IdConverter
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "warning"

    for bp in (auth_bp, main_bp, tasks_bp, admin_bp, progress_bp, monitoring_bp, review_bp, dossier_bp, help_bp,
               backfill_bp, jobs_bp, rating_bp, public_bp, imports_bp):
        app.register_blueprint(bp)

    @app.before_request
    def end_expired_session():
        """A signed-in session ends after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after
        signing in (a valid remember-me cookie then starts a new one)."""
        if request.endpoint == "static" or is_api_request() or "_user_id" not in session:
            return None
        now = clock.now().timestamp()
        if app.config.get("TESTING") and session.get("_test_login"):  # the test client's shortcut: no clock
            return None
        if "_auth_at" not in session and app.config.get("TESTING"):  # a bare test session starts its clock
            start_session_clock()
        signed_in, seen = session.get("_auth_at"), session.get("_seen_at")
        idle = app.config["SESSION_IDLE_MINUTES"] * 60
        longest = app.config["SESSION_MAX_HOURS"] * 3600
        if (not isinstance(signed_in, (int, float)) or not isinstance(seen, (int, float))
                or now - seen > idle or now - signed_in > longest or now < signed_in - 60):
            log_auth("session expired", str(session.get("_user_id")), request.remote_addr)
            for key in LOGIN_KEYS:
                session.pop(key, None)
            g.pop("_login_user", None)
            return None
        session["_seen_at"] = now
        return None

    @user_loaded_from_cookie.connect_via(app)
    def restart_session_clock(sender, user):
        start_session_clock()

    @app.before_request
    def require_login():
        """Every page but sign-in and static files needs a session."""
        endpoint = request.endpoint or ""
        if is_api_request():  # the API authenticates each request with a token (registry.api.auth)
            return None
        if endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
            return None
        return login_manager.unauthorized()

    @app.before_request
    def take_sqlite_write_lock():
        """SQLite: a request that may write starts its transaction with BEGIN IMMEDIATE, so concurrent writers
        (and their audit appends) queue on the lock instead of failing on a lock upgrade."""
        view = app.view_functions.get(request.endpoint or "")
        if (request.method not in ("GET", "HEAD", "OPTIONS") and not getattr(view, "is_read_only", False)
                and db.engine.dialect.name == "sqlite"):
            db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")

    @app.after_request
    def commit_or_rollback(response):
        """The one commit of a request: keep the work of a successful request, drop a failed one's."""
        written = db.session.info.pop("written_files", [])
        if (response.status_code < 400 or g.get("commit_on_error")) and not g.get("rollback"):
            db.session.commit()
        else:
            db.session.rollback()
            for path in written:  # files stored for changes that were not kept
                path.unlink(missing_ok=True)
        return response

    @app.after_request
    def security_headers(response):
        """On every response, error pages included."""
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure or app.config.get("HTTPS"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        endpoint = request.endpoint or ""
        if endpoint != "static" and not endpoint.endswith(".asset"):  # pages and API answers: never cached
            headers["Cache-Control"] = "private, no-store"
            headers.pop("Expires", None)
        # a committee's public page (blueprints/public) answered to an anonymous visitor, with no cookie to set
        max_age = getattr(app.view_functions.get(endpoint), "public_max_age", None)
        if (max_age and response.status_code in (200, 304) and not current_user.is_authenticated
                and not session.modified):
            headers["Cache-Control"] = f"public, max-age={max_age}"
            response.vary.add("Cookie")
        return response

    @app.errorhandler(PermissionDenied)
    def permission_denied(exc):
        _log_forbidden()
        return _error_page(403, _("Not allowed"), str(exc.message))

    @app.errorhandler(403)
    def forbidden(exc):
        _log_forbidden()
        return _error_page(403, _("Not allowed"), _("You do not have permission for this page or action."))

    @app.errorhandler(Conflict)
    def conflict(exc):
        return _error_page(409, _("Not possible now"), str(exc.message))

    @app.errorhandler(ValidationFailed)
    def invalid(exc):
        return _error_page(422, _("Invalid input"), "; ".join(str(m) for ms in exc.errors.values() for m in ms))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _error_page(400, _("Form expired"),
                           _("The form was open too long or came from elsewhere. Go back, reload and try again."))

    def http_error(exc):
        title, message = HTTP_ERROR_PAGES[exc.code]
        return _error_page(exc.code, title, message)

    for status in HTTP_ERROR_PAGES:
        app.register_error_handler(status, http_error)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _error_page(500, _("Something went wrong"), _("The error was logged. Nothing was saved."))

    app.jinja_env.filters["dmy"] = format_date
    app.jinja_env.filters["num"] = format_number
    app.jinja_env.globals.update(labels=labels, policy=policy, is_locked=policy.is_locked,
                                 localized_name=localized_name, form_a_text=task_input.FORM_A_TEXT)

    @app.context_processor
    def inject_locale():
        return {"current_locale": select_locale(), "languages": app.config["LANGUAGES"]}

    app.context_processor(navigation.template_helpers)  # breadcrumbs and help links of every page

    @app.context_processor
    def inject_policy():
        """``can(action, obj)`` in templates: the policy table asked for the signed-in person."""
        return {"can": lambda action, obj=None: policy.can(current_user, action, obj)}
