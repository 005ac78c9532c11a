"""Forms of the deal pages: requests, decisions, disbursements, offers."""

from __future__ import annotations

import secrets
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from finplatform import clock
from finplatform.auth.forms import REQUIRED
from finplatform.form_fields import CheckboxGroupField, WanAmountField
from finplatform.forms_support import PlatformForm
from finplatform.labels import options
from finplatform.models import RepaymentKind

NOT_A_NUMBER = _l("Please enter a number.")
POSITIVE = _l("The value must be more than zero.")
WAN_HINT = _l("In 万元, e.g. 500 for 500万元; the yuan amount is shown as you type.")


def amount_field(label, **kwargs) -> WanAmountField:
    """An amount typed in 万元 (its data in yuan), required and positive."""
    return WanAmountField(
        label,
        description=kwargs.pop("description", WAN_HINT),
        validators=[InputRequired(REQUIRED), NumberRange(min=Decimal("0.01"), message=POSITIVE)],
        **kwargs,
    )


def rate_field(label, required: bool = True) -> DecimalField:
    """An annual rate in percent."""
    first = InputRequired(REQUIRED) if required else Optional()
    return DecimalField(
        label,
        places=4,
        description=_l("Annual rate in percent, e.g. 5.2."),
        validators=[first, NumberRange(min=0, max=36, message=_l("Between 0 and 36 percent."))],
    )


def term_field(label) -> IntegerField:
    """A term in months."""
    return IntegerField(
        label,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=1, max=360, message=_l("Between 1 and 360 months.")),
        ],
    )


class RequestForm(PlatformForm):
    """A financing request (融资需求)."""

    amount_yuan = amount_field(_l("Amount needed (万元)"))
    term_months = term_field(_l("Term (months)"))
    purpose = TextAreaField(_l("Purpose"), validators=[DataRequired(REQUIRED), Length(max=2000)])
    kind_codes = CheckboxGroupField(
        _l("Acceptable kinds of financing"),
        description=_l("Leave empty to accept any kind."),
        validate_choice=True,
    )
    max_rate = rate_field(_l("Highest acceptable rate (%)"), required=False)
    collateral_offered = StringField(
        _l("Collateral or guarantee offered"),
        description=_l("E.g. patents, equipment, a guarantor. Leave empty if none."),
        validators=[Length(max=200)],
    )
    submit = SubmitField(_l("Save request"))


class ApproveForm(PlatformForm):
    """Approve an application with the terms granted."""

    amount_yuan = amount_field(_l("Approved amount (万元)"))
    rate = rate_field(_l("Approved rate (%)"))
    term_months = term_field(_l("Approved term (months)"))
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    reason = TextAreaField(
        _l("Reason for terms outside the limits"),
        description=_l(
            "Needed only when the terms are outside the product's ranges or above the firm's "
            "highest rate; the firm must then accept them."
        ),
        validators=[Length(max=2000)],
    )
    submit = SubmitField(_l("Approve"))


class RejectForm(PlatformForm):
    """Reject an application with a reason from the list and free text."""

    reason = SelectField(_l("Reason"), validators=[DataRequired(REQUIRED)])
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Reject"))


class DisbursementForm(PlatformForm):
    """Record one disbursement; the hidden key makes a double click record once."""

    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=80)])
    amount_yuan = amount_field(_l("Amount disbursed (万元)"))
    rate = rate_field(_l("Rate (%)"))
    term_months = term_field(_l("Term (months)"))
    disbursed_on = DateField(_l("Disbursed on"), validators=[InputRequired(REQUIRED)])
    repayment_kind = SelectField(
        _l("Repayment"), default=RepaymentKind.EQUAL_INSTALMENT.value, validators=[DataRequired()]
    )
    note = StringField(_l("Note"), validators=[Length(max=500)])
    submit = SubmitField(_l("Record disbursement"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.repayment_kind.choices = options("repayment_kind")

    def fill_defaults(self, application) -> None:
        """A fresh idempotency key and the approved terms, when the form is first shown."""
        self.idempotency_key.data = secrets.token_urlsafe(24)
        self.rate.data = application.approved_rate
        self.term_months.data = application.approved_term_months
        self.disbursed_on.data = clock.today()


class ReverseForm(PlatformForm):
    """Reverse a disbursement recorded by mistake."""

    reason = StringField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=500)])
    submit = SubmitField(_l("Reverse"))


class OfferForm(PlatformForm):
    """An institution's offer on a request from its demand pool."""

    product_id = SelectField(_l("Product"), coerce=int, validators=[InputRequired(REQUIRED)])
    amount_yuan = amount_field(_l("Amount offered (万元)"))
    rate = rate_field(_l("Rate offered (%)"))
    term_months = term_field(_l("Term (months)"))
    note = TextAreaField(_l("Message to the firm"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Make offer"))
