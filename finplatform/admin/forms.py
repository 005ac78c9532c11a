"""Forms of the commission's admin pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange

from finplatform.auth.forms import REQUIRED
from finplatform.form_fields import PHONE_HINT, PhoneNumber
from finplatform.forms_support import PlatformForm
from finplatform.labels import labels_of
from finplatform.models import Role


class StaffAccountForm(PlatformForm):
    """A specialist or commission viewer account, created by an admin."""

    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(role.value, labels_of("role")[role.value])
            for role in (Role.SPECIALIST, Role.COMMISSION)
        ],
        validators=[DataRequired(REQUIRED)],
    )
    name = StringField(_l("Full name"), validators=[DataRequired(REQUIRED), Length(max=80)])
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Please enter a valid email address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    phone = StringField(
        _l("Phone"), description=PHONE_HINT, validators=[Length(max=30), PhoneNumber()]
    )
    password = PasswordField(
        _l("Initial password"),
        description=_l("At least 10 characters, with letters and digits."),
        validators=[DataRequired(REQUIRED), Length(max=128)],
    )
    submit = SubmitField(_l("Create account"))


class AssignForm(PlatformForm):
    """Assign one firm to a specialist."""

    specialist_id = SelectField(_l("Specialist"), coerce=int)
    submit = SubmitField(_l("Assign"))


class BulkAssignForm(PlatformForm):
    """Assign every firm of a district and/or industry to a specialist."""

    district_code = SelectField(_l("District"))
    industry_code = SelectField(_l("Industry"))
    specialist_id = SelectField(_l("Specialist"), coerce=int, validators=[DataRequired(REQUIRED)])
    only_unassigned = BooleanField(_l("Only firms without a specialist"), default=True)
    submit = SubmitField(_l("Assign all"))


class TargetForm(PlatformForm):
    """A target's value, in the plan's own unit."""

    value = DecimalField(
        _l("Value"),
        places=None,  # shown as entered: 15000, 0.5 (not 15000.0000)
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0.0001, message=_l("The target must be more than zero.")),
        ],
    )
    submit = SubmitField(_l("Save target"))


class PromoteModelForm(PlatformForm):
    """Promote a model version; an override (it does not beat the current one) needs a note."""

    note = StringField(_l("Note"), validators=[Length(max=500)])
    override = BooleanField(_l("Override: promote even if it does not beat the current version"))
    submit = SubmitField(_l("Promote"))


class RollbackModelForm(PlatformForm):
    """Put an earlier model version back in service."""

    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Roll back to this version"))


class CalendarDayForm(PlatformForm):
    """A holiday or make-up working day the calendar library does not know."""

    day = DateField(_l("Date"), validators=[InputRequired(REQUIRED)])
    kind = RadioField(
        _l("This day is"),
        choices=[
            SelectChoice("holiday", _l("a holiday (no work)")),
            SelectChoice("working", _l("a make-up working day (调休)")),
        ],
        default="holiday",
        validators=[InputRequired(REQUIRED)],
    )
    note = StringField(_l("Note"), validators=[Length(max=80)])
    submit = SubmitField(_l("Save day"))
