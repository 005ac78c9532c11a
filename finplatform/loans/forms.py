"""Forms of the loan and pool pages: repayments, cover registration, claims and decisions."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from finplatform import clock
from finplatform.auth.forms import REQUIRED
from finplatform.deals.forms import amount_field
from finplatform.form_fields import WanAmountField
from finplatform.forms_support import PlatformForm
from finplatform.labels import options


class RepaymentForm(PlatformForm):
    """Record money a firm repaid; the hidden key makes a double click record once."""

    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=80)])
    amount_yuan = amount_field(_l("Amount repaid (万元)"))
    paid_on = DateField(_l("Repaid on"), validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("Record repayment"))

    def fill_defaults(self) -> None:
        """A fresh idempotency key and today's date, when the form is first shown."""
        self.idempotency_key.data = secrets.token_urlsafe(24)
        self.paid_on.data = clock.today()


class CoverForm(PlatformForm):
    """Register the loan for the pool's cover (备案)."""

    submit = SubmitField(_l("Register for cover"))


class WithdrawCoverForm(PlatformForm):
    """Withdraw the loan's cover registration."""

    submit = SubmitField(_l("Withdraw registration"))


class ClaimForm(PlatformForm):
    """File a claim on the pool for a loan past the threshold."""

    evidence = TextAreaField(
        _l("Evidence of the default"),
        description=_l("Collection records, court filings, the loan's classification."),
        validators=[DataRequired(REQUIRED), Length(max=4000)],
    )
    submit = SubmitField(_l("File claim"))


class RecoveryForm(PlatformForm):
    """Record money recovered (追偿) after the pool paid the claim; the hidden key makes a
    double click record once."""

    idempotency_key = HiddenField(validators=[DataRequired(), Length(max=80)])
    amount_yuan = amount_field(_l("Amount recovered (万元)"))
    recovered_on = DateField(_l("Recovered on"), validators=[InputRequired(REQUIRED)])
    submit = SubmitField(_l("Record recovery"))

    def fill_defaults(self) -> None:
        """A fresh idempotency key and today's date, when the form is first shown."""
        self.idempotency_key.data = secrets.token_urlsafe(24)
        self.recovered_on.data = clock.today()


class DecisionForm(PlatformForm):
    """The commission's decision on a claim."""

    decision = SelectField(_l("Decision"), validators=[DataRequired(REQUIRED)])
    amount_yuan = WanAmountField(
        _l("Amount approved (万元)"),
        description=_l("Only when approving a smaller amount."),
        validators=[Optional()],
    )
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])
    submit = SubmitField(_l("Record decision"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = options("claim_decision")


class PayoutForm(PlatformForm):
    """Record the payout of an approved claim from the pool."""

    submit = SubmitField(_l("Record payout"))
