"""Personal API tokens on the profile page: list, create (the token is shown once), revoke."""

from __future__ import annotations

from flask import make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from registry.blueprints.auth import bp
from registry.blueprints.auth.forms import ChangePasswordForm
from registry.blueprints.common import BaseForm, done, get_or_404, page_action
from registry.models import ApiToken
from registry.services import tokens as token_service


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
@page_action(None, form=TokenForm, render=lambda _nothing, form: make_response(_profile_page(form, status=422)))
def create_token(_nothing, form):
    _token, plaintext = token_service.create_token(current_user, form.name.data)
    return _profile_page(TokenForm(formdata=None), new_token=plaintext)


@bp.route("/profile/tokens/<id:token_id>/revoke", methods=["POST"])
@page_action(lambda token_id: get_or_404(ApiToken, token_id), form=RevokeTokenForm, button=True)
def revoke_token(token, form):
    token_service.revoke_token(current_user, token)
    return done(_("Token “%(name)s” revoked: programs using it are refused from now on.", name=token.name),
                "auth.profile")
