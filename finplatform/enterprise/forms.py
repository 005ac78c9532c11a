"""The enterprise's profile form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from finplatform.auth.forms import REQUIRED
from finplatform.deals.forms import WAN_HINT
from finplatform.form_fields import PHONE_HINT, PhoneNumber, WanAmountField
from finplatform.forms_support import PlatformForm

NOT_NEGATIVE = _l("The value cannot be negative.")


class ProfileForm(PlatformForm):
    """Everything institutions and matching look at."""

    credit_code = StringField(
        _l("Unified social credit code"), validators=[DataRequired(REQUIRED), Length(max=40)]
    )
    name = StringField(_l("Company name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    district_code = SelectField(_l("District"), validators=[DataRequired(REQUIRED)])
    industry_code = SelectField(_l("Industry"), validators=[DataRequired(REQUIRED)])
    founded_on = DateField(_l("Founded on"), validators=[Optional()])
    employees = IntegerField(
        _l("Employees"), validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)]
    )
    revenue_yuan = WanAmountField(
        _l("Annual revenue (万元)"),
        description=WAN_HINT,
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
    )
    rd_spend_yuan = WanAmountField(
        _l("R&D spend (万元)"),
        description=WAN_HINT,
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
    )
    patents = IntegerField(
        _l("Patents"), validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)]
    )
    is_little_giant = BooleanField(_l("Tech little giant (科技小巨人)"))
    is_high_tech = BooleanField(_l("High-tech enterprise (高新技术企业)"))
    contact_name = StringField(_l("Contact person"), validators=[Length(max=40)])
    contact_phone = StringField(
        _l("Phone"), description=PHONE_HINT, validators=[Length(max=30), PhoneNumber()]
    )
    submit = SubmitField(_l("Save profile"))
