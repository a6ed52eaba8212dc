from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from registry.blueprints.auth import bp
from registry.blueprints.auth.forms import ChangePasswordForm, LoginForm
from registry.blueprints.common import apply_errors
from registry.services import people
from registry.services.errors import ValidationFailed


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        person = people.authenticate(form.username.data, form.password.data)
        if person is None:
            form.password.errors.append(_("Wrong username or password, or the account is deactivated."))
        else:
            session.clear()
            login_user(person, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    status = 401 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next") or request.referrer and urlsplit(request.referrer).path))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            people.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your password was changed."), "success")
            return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form), 422 if form.errors else 200
