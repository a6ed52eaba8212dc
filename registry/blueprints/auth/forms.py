from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from registry.blueprints.common import BaseForm


class LoginForm(BaseForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Enter your username.")), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in"))


def _new_password() -> tuple[PasswordField, PasswordField]:
    """The new password and its repetition, the same on the profile and on a reset link (made where they stand,
    so they keep their place among the form's fields)."""
    return (PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a new password."))]),
            PasswordField(_l("Repeat the new password"),
                          validators=[DataRequired(_l("Repeat the new password.")),
                                      EqualTo("new_password", _l("The two new passwords differ."))]))


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your password."))])
    new_password, confirm = _new_password()


class ForgotPasswordForm(BaseForm):
    identifier = StringField(_l("Username or e-mail address"),
                             validators=[DataRequired(_l("Enter your username or e-mail address.")), Length(max=200)])


class ResetPasswordForm(BaseForm):
    new_password, confirm = _new_password()


class SignOutEverywhereForm(BaseForm):
    """A button-only form: carries just the CSRF token."""
