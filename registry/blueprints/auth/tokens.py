"""Personal API tokens on the profile page: list, create (the token is shown once), revoke."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from registry.blueprints.auth import bp
from registry.blueprints.auth.forms import ChangePasswordForm
from registry.blueprints.common import BaseForm, apply_errors, get_or_404
from registry.models import ApiToken
from registry.services import tokens as token_service
from registry.services.errors import ValidationFailed


class TokenForm(BaseForm):
    name = StringField(_l("Token name"), validators=[DataRequired(_l("Name the token, e.g. the program that will use it.")),
                                                     Length(max=token_service.MAX_NAME)])


class RevokeTokenForm(BaseForm):
    """A button-only form: carries just the CSRF token."""


@bp.context_processor
def token_section():
    """The profile page's token section: the person's tokens and the forms (loaded only when shown)."""
    return {"api_tokens": lambda: token_service.person_tokens(current_user),
            "new_token_form": TokenForm, "revoke_token_form": RevokeTokenForm}


def _profile_page(token_form: TokenForm, *, new_token: str | None = None, status: int = 200):
    response = render_template("auth/profile.html", form=ChangePasswordForm(formdata=None),
                               token_form=token_form, new_token=new_token)
    headers = {"Cache-Control": "no-store"}  # the page may show a token: keep it out of caches
    return response, status, headers


@bp.route("/profile/tokens", methods=["POST"])
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, plaintext = token_service.create_token(current_user, form.name.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return _profile_page(TokenForm(formdata=None), new_token=plaintext)
    return _profile_page(form, status=422)


@bp.route("/profile/tokens/<id:token_id>/revoke", methods=["POST"])
def revoke_token(token_id: int):
    token = get_or_404(ApiToken, token_id)
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    token_service.revoke_token(current_user, token)
    flash(_("Token “%(name)s” revoked: programs using it are refused from now on.", name=token.name), "success")
    return redirect(url_for("auth.profile"))
