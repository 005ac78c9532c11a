"""Forms of the commission's admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

from finplatform.auth.forms import REQUIRED
from finplatform.models import Role


class StaffAccountForm(FlaskForm):
    """A specialist or commission viewer account, created by an admin."""

    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.SPECIALIST.value, _l("Sci-tech finance specialist")),
            SelectChoice(Role.COMMISSION.value, _l("Commission viewer (read-only)")),
        ],
        validators=[DataRequired(REQUIRED)],
    )
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=80)])
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    phone = StringField(_l("Phone"), validators=[Length(max=30)])
    password = PasswordField(
        _l("Initial password"),
        description=_l("At least 10 characters, with letters and digits."),
        validators=[DataRequired(REQUIRED), Length(max=128)],
    )
    submit = SubmitField(_l("Create account"))


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Confirm"))
