import logging
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from registry.blueprints.auth import bp
from registry.blueprints.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignOutEverywhereForm,
)
from registry.blueprints.common import done, page_action, shown
from registry.services import password_reset, people, security
from registry.services.notifications import Mailer
from registry.blueprints.auth.sessions import LOGIN_KEYS, start_session_clock


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed: one leading slash, no backslash, no control or space
    characters (browsers drop tabs and newlines, and a CR/LF would split the Location header), no scheme or
    host; anything else goes home."""
    home = url_for("main.home")
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return home
    if "\\" in target or any(ord(ch) <= 32 or 127 <= ord(ch) <= 159 for ch in target):
        return home
    try:
        parts = urlsplit(target)
    except ValueError:
        return home
    if parts.scheme or parts.netloc or parts.path.startswith("//"):
        return home
    return target


def _referrer_path() -> str | None:
    try:
        return urlsplit(request.referrer).path if request.referrer else None
    except ValueError:
        return None


def _keep_signed_in(person) -> None:
    """After the session version was raised: sign the current session in again under the new version (every
    other session and cookie stays ended), keeping its sign-in time and a remember-me cookie if it had one."""
    signed_in = session.get("_auth_at")
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(person, remember=remember, fresh=True)
    start_session_clock()
    if signed_in:
        session["_auth_at"] = signed_in


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        g.commit_on_error = True  # the attempt is kept whatever the answer: every worker counts it
        settings = security.ThrottleSettings.from_config(current_app.config)
        try:
            person = security.sign_in(form.username.data, form.password.data, request.remote_addr, settings)
        except security.TooManyAttempts:
            form.form_errors.append(_("Too many failed sign-in attempts. Wait %(n)d minutes and try again.",
                                      n=current_app.config["SIGNIN_WINDOW_MINUTES"]))
            status = 429
        else:
            if person is None:
                form.password.errors.append(_("Wrong username or password, or the account is deactivated."))
            else:
                lang = session.get("lang")
                session.clear()
                if lang:
                    session["lang"] = lang
                login_user(person, remember=form.remember.data)
                start_session_clock()
                return redirect(_safe_next(request.args.get("next")))
    if status == 200 and form.errors:
        status = 401
    headers = {"Retry-After": str(current_app.config["SIGNIN_WINDOW_MINUTES"] * 60)} if status == 429 else {}
    return render_template("auth/login.html", form=form), status, headers


def _sign_out() -> None:
    lang = session.get("lang")
    logout_user()
    for key in LOGIN_KEYS:
        session.pop(key, None)
    session.clear()
    if lang:
        session["lang"] = lang
    session["_remember"] = "clear"  # and delete the remember-me cookie


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        security.end_sessions(current_user)  # a copied session or remember-me cookie ends too
    _sign_out()
    return redirect(url_for("auth.login"))


@bp.route("/profile/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    if SignOutEverywhereForm().validate_on_submit():
        security.end_sessions(current_user)
        security.log_auth("sessions ended everywhere", current_user.username, request.remote_addr,
                          level=logging.INFO)
        _sign_out()
        flash(_("You were signed out on every device. Sign in again to continue."), "success")
    return redirect(url_for("auth.login"))


def _signed_in_to(endpoint: str):
    """A check of a page for visitors: someone signed in goes to ``endpoint`` instead."""
    return lambda _nothing: redirect(url_for(endpoint)) if current_user.is_authenticated else None


@bp.route("/password/forgot", methods=["GET", "POST"])
@page_action(None, _signed_in_to("auth.profile"), form=ForgotPasswordForm, render=shown("auth/forgot.html"))
def forgot_password(_nothing, form):
    """Ask for a reset link. The answer is the same whether or not the account exists or has an e-mail."""
    try:
        password_reset.request_reset(
            form.identifier.data, request.remote_addr, Mailer.from_config(current_app.config),
            lambda token: url_for("auth.reset_password", token=token, _external=True),
            locale=session.get("lang") or current_app.config["BABEL_DEFAULT_LOCALE"])
    except password_reset.ResetThrottled:
        form.form_errors.append(_("Too many failed sign-in attempts. Wait %(n)d minutes and try again.",
                                  n=current_app.config["SIGNIN_WINDOW_MINUTES"]))
        return render_template("auth/forgot.html", form=form), 429
    flash(_("If the account has an e-mail address, a link to choose a new password has been sent to it; it "
            "is valid for 30 minutes. No e-mail? Ask the committee office (secretariat) to reset your "
            "password."), "info")
    return redirect(url_for("auth.login"))


def _valid_link(person):
    """A reset link that is unknown, used or expired: logged, and the page that says so (410)."""
    if person is None:
        security.log_auth("password reset link refused", None, request.remote_addr)
        return make_response(render_template("auth/reset_invalid.html"), 410)
    return None


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@page_action(password_reset.person_for_token, _valid_link, form=ResetPasswordForm,
             render=shown("auth/reset.html", "person"))
def reset_password(person, form):
    """Choose a new password through a reset link (single use, 30 minutes)."""
    password_reset.reset_with_token(person, form.new_password.data, request.remote_addr)
    if current_user.is_authenticated:
        _sign_out()
    return done(_("Your password was changed and every session was signed out. Sign in with the new "
                  "password."), "auth.login")


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next") or request.args.get("next") or _referrer_path()))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
@page_action(None, form=ChangePasswordForm, render=lambda _nothing, form: render_template("auth/profile.html",
                                                                                          form=form))
def profile(_nothing, form):
    people.change_own_password(current_user, form.current_password.data, form.new_password.data)
    _keep_signed_in(current_user._get_current_object())
    return done(_("Your password was changed. Every other session was signed out."), "auth.profile")
