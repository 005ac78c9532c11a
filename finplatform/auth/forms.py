"""Sign-in, registration and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from finplatform.form_fields import PHONE_HINT, PhoneNumber
from finplatform.forms_support import PlatformForm

REQUIRED = _l("This field is required.")


class LoginForm(PlatformForm):
    """Email and password, with remember-me."""

    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Remember me on this computer"))
    submit = SubmitField(_l("Sign in"))


class _AccountFields(PlatformForm):
    contact_name = StringField(
        _l("Contact person"), validators=[DataRequired(REQUIRED), Length(max=40)]
    )
    phone = StringField(
        _l("Phone"),
        description=PHONE_HINT,
        validators=[DataRequired(REQUIRED), Length(max=30), PhoneNumber()],
    )
    email = EmailField(
        _l("Email (used to sign in)"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Password"),
        description=_l("At least 10 characters, with letters and digits."),
        validators=[DataRequired(REQUIRED), Length(max=128)],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
    )


class EnterpriseRegistrationForm(_AccountFields):
    """A tech SME registers with its unified social credit code."""

    credit_code = StringField(
        _l("Unified social credit code"),
        description=_l("18 characters, as printed on the business licence."),
        validators=[DataRequired(REQUIRED), Length(max=40)],
    )
    company_name = StringField(
        _l("Company name"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    district = SelectField(_l("District"), validators=[DataRequired(REQUIRED)])
    industry = SelectField(_l("Industry"), validators=[DataRequired(REQUIRED)])
    submit = SubmitField(_l("Register"))


class InstitutionRegistrationForm(_AccountFields):
    """An institution registers; the commission approves it before it posts products."""

    name = StringField(_l("Institution name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Institution kind"), validators=[DataRequired(REQUIRED)])
    district = SelectField(_l("District"), validators=[DataRequired(REQUIRED)])
    credit_code = StringField(
        _l("Unified social credit code (optional)"), validators=[Optional(), Length(max=40)]
    )
    submit = SubmitField(_l("Register"))


class ChangePasswordForm(PlatformForm):
    """Change one's own password."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters, with letters and digits."),
        validators=[DataRequired(REQUIRED), Length(max=128)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", _l("The passwords do not match.")),
        ],
    )
    submit = SubmitField(_l("Change password"))


class ResetRequestForm(PlatformForm):
    """The address to send a reset link to."""

    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)])
    submit = SubmitField(_l("Send the link"))


class ResetPasswordForm(PlatformForm):
    """A new password, from a reset link."""

    new_password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters, with letters and digits."),
        validators=[DataRequired(REQUIRED), Length(max=128)],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("new_password", _l("The passwords do not match.")),
        ],
    )
    submit = SubmitField(_l("Set the new password"))
