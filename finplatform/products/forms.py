"""The product form: terms, eligibility and cover."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from finplatform.auth.forms import REQUIRED
from finplatform.deals.forms import WAN_HINT, amount_field, rate_field, term_field
from finplatform.form_fields import CheckboxGroupField, WanAmountField
from finplatform.forms_support import PlatformForm


class ProductForm(PlatformForm):
    """A financing product (融资产品)."""

    name = StringField(_l("Product name"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind_code = SelectField(_l("Kind"), validators=[DataRequired(REQUIRED)])
    description = TextAreaField(_l("Description"), validators=[Length(max=4000)])
    amount_min_yuan = amount_field(_l("Smallest amount (万元)"))
    amount_max_yuan = amount_field(_l("Largest amount (万元)"))
    term_min_months = term_field(_l("Shortest term (months)"))
    term_max_months = term_field(_l("Longest term (months)"))
    rate_min = rate_field(_l("Lowest rate (%)"))
    rate_max = rate_field(_l("Highest rate (%)"))
    fee_rate = DecimalField(
        _l("One-off fees (percent of the amount)"),
        places=4,
        default=0,
        validators=[
            Optional(),
            NumberRange(min=0, max=36, message=_l("Between 0 and 36 percent.")),
        ],
    )
    penalty_markup = DecimalField(
        _l("Penalty interest: the loan's rate raised by (%)"),
        places=4,
        default=50,
        validators=[
            Optional(),
            NumberRange(min=0, max=100, message=_l("Between 0 and 100 percent.")),
        ],
    )
    collateral_required = BooleanField(_l("Collateral required"))
    guarantee_required = BooleanField(_l("Guarantee required"))
    industry_codes = CheckboxGroupField(
        _l("Industries served"), description=_l("None chosen = all industries.")
    )
    district_codes = CheckboxGroupField(
        _l("Districts served"), description=_l("None chosen = all districts.")
    )
    min_years = IntegerField(
        _l("Minimum years since founding"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=50, message=_l("Between 0 and 50 years."))],
    )
    min_revenue_yuan = WanAmountField(
        _l("Minimum annual revenue (万元)"),
        description=WAN_HINT,
        validators=[Optional(), NumberRange(min=0, message=_l("The value cannot be negative."))],
    )
    little_giant_only = BooleanField(_l("Tech little giants only"))
    members_only = BooleanField(_l("Members of our credit community only"))
    pool_covered = BooleanField(_l("Covered by the risk guarantee pool"))
    submit = SubmitField(_l("Save product"))
