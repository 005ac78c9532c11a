"""Pages of loans after disbursement and of the risk guarantee pool.

Institutions see their loans (and the overdue ones), record repayments, register loans for
cover and file claims; specialists see their firms' loans; the commission reads the pool page
and admins (commission staff) decide and pay claims.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from finplatform import clock, idempotency
from finplatform.access import role_required
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.forms_support import refusal_shown
from finplatform.loans import claims as claim_services
from finplatform.loans import cover, queries, services
from finplatform.loans.figures import pool_status, pools_of
from finplatform.loans.forecast import STATES
from finplatform.loans.forecast_cache import cached_forecast
from finplatform.loans.forms import (
    ClaimForm,
    CoverForm,
    DecisionForm,
    PayoutForm,
    RecoveryForm,
    RepaymentForm,
    WithdrawCoverForm,
)
from finplatform.loans.positions import loan_position, positions
from finplatform.models import Claim, Role
from finplatform.paging import counted_page

bp = Blueprint("loans", __name__)

DEFAULT_STRESS = 2.0
LOAN_READERS = (Role.INSTITUTION, Role.SPECIALIST, Role.COMMISSION, Role.ADMIN)


@bp.get("/loans/")
@role_required(*LOAN_READERS)
def index():
    """The user's loans with their status as of today; `?overdue=1` lists the overdue only."""
    today = clock.today()
    overdue = request.args.get("overdue") == "1"
    page = counted_page(queries.loans_statement(current_user, today if overdue else None))
    return render_template(
        "loans/index.html",
        page=page,
        rows=positions(page.items, today),
        overdue=overdue,
        today=today,
    )


def render_loan(loan, status: int = 200, **forms):
    """A loan's page: schedule, repayments, cover and claim, with the forms its reader may use."""
    registration = queries.registration_of(loan)
    if current_user.role == Role.INSTITUTION:
        if "repayment_form" not in forms:
            forms["repayment_form"] = RepaymentForm()
            forms["repayment_form"].fill_defaults()
        forms.setdefault("cover_form", CoverForm())
        forms.setdefault("withdraw_form", WithdrawCoverForm())
        forms.setdefault("claim_form", ClaimForm())
        if "recovery_form" not in forms:
            forms["recovery_form"] = RecoveryForm()
            forms["recovery_form"].fill_defaults()
    return (
        render_template(
            "loans/detail.html",
            loan=loan,
            position=loan_position(loan, clock.today()),
            repayments=queries.repayments_of(loan),
            registration=registration,
            claim=(claim := queries.claim_of(registration)),
            recoveries=queries.recoveries_of(claim),
            **forms,
        ),
        status,
    )


@bp.get("/loans/<int:loan_id>")
@role_required(*LOAN_READERS)
def detail(loan_id: int):
    """One loan."""
    return render_loan(queries.loan_or_404(loan_id, current_user))


def _act(loan_id: int, form, action, done: str, form_name: str):
    """Validate `form`, run `action(loan)`; on success flash `done`, else show the form again."""
    loan = queries.loan_or_404(loan_id, current_user)
    if form.validate_on_submit():
        with refusal_shown(form) as attempt:
            action(loan)
        if attempt.ok:
            flash(done, "success")
            return redirect(url_for("loans.detail", loan_id=loan_id))
    return render_loan(queries.loan_or_404(loan_id, current_user), 422, **{form_name: form})


@bp.post("/loans/<int:loan_id>/repayments")
@role_required(Role.INSTITUTION)
def repay(loan_id: int):
    """Record a repayment; the same form submitted twice records it once."""
    form = RepaymentForm()
    return _act(
        loan_id,
        form,
        lambda loan: services.record_repayment(
            loan,
            amount_yuan=form.amount_yuan.data,
            paid_on=form.paid_on.data,
            actor=current_user,
            idempotency_key=idempotency.stored_key(
                "form", current_user.id, f"loan/{loan.id}", form.idempotency_key.data
            ),
        ),
        _("Repayment recorded."),
        "repayment_form",
    )


@bp.post("/loans/<int:loan_id>/cover")
@role_required(Role.INSTITUTION)
def register(loan_id: int):
    """Register the loan for the pool's cover."""
    return _act(
        loan_id,
        CoverForm(),
        lambda loan: cover.register_cover(loan, current_user),
        _("The loan is registered for the pool's cover."),
        "cover_form",
    )


@bp.post("/loans/<int:loan_id>/cover/withdraw")
@role_required(Role.INSTITUTION)
def withdraw(loan_id: int):
    """Withdraw the loan's cover registration (before any claim)."""

    def action(loan):
        registration = queries.registration_of(loan)
        if registration is None:
            raise DomainError(cover.NOT_REGISTERED)
        cover.withdraw_cover(registration, current_user)

    return _act(loan_id, WithdrawCoverForm(), action, _("Registration withdrawn."), "withdraw_form")


@bp.post("/loans/<int:loan_id>/claim")
@role_required(Role.INSTITUTION)
def file_claim(loan_id: int):
    """File a claim on the pool for the covered loan."""
    form = ClaimForm()

    def action(loan):
        registration = queries.registration_of(loan)
        if registration is None:
            raise DomainError(cover.NOT_REGISTERED)
        claim_services.file_claim(registration, current_user, form.evidence.data or "")

    return _act(loan_id, form, action, _("Claim filed; the commission reviews it."), "claim_form")


@bp.post("/loans/<int:loan_id>/recoveries")
@role_required(Role.INSTITUTION)
def recover(loan_id: int):
    """Record money recovered after the payout; the same form submitted twice records once."""
    form = RecoveryForm()

    def action(loan):
        claim = queries.claim_of(queries.registration_of(loan))
        if claim is None:
            raise DomainError(_("Recoveries are recorded on claims the pool has paid."))
        key = idempotency.stored_key(
            "form", current_user.id, f"loan/{loan.id}/recovery", form.idempotency_key.data
        )
        claim_services.record_recovery(
            claim, current_user, form.amount_yuan.data, form.recovered_on.data, key
        )

    return _act(loan_id, form, action, _("Recovery recorded."), "recovery_form")


@bp.get("/pool/")
@role_required(Role.COMMISSION, Role.ADMIN)
def pool():
    """The year's pool: funds, covered book, leverage, overdue, claims, recoveries, balance."""
    year = request.args.get("year", type=int) or clock.today().year
    stress = min(max(request.args.get("stress", type=float) or DEFAULT_STRESS, 1.0), 10.0)
    pools = pools_of(year)
    measured = cached_forecast(year, clock.today())
    stressed = cached_forecast(year, clock.today(), stress)
    return render_template(
        "loans/pool.html",
        year=year,
        figures=pool_status(year),
        measured=measured,
        stressed=stressed,
        projection=list(zip(measured.months, stressed.months, strict=True))[2::3],
        states=STATES,
        claims=queries.claims_of_year([p.id for p in pools]),
        decision_form=DecisionForm(),
        payout_form=PayoutForm(),
    )


def _claim_or_404(claim_id: int) -> Claim:
    return db.get_or_404(Claim, claim_id)


@bp.post("/pool/claims/<int:claim_id>/decision")
@role_required(Role.ADMIN)
def decide(claim_id: int):
    """Approve, approve less or reject a claim."""
    claim = _claim_or_404(claim_id)
    year = claim.pool.year
    form = DecisionForm()
    if form.validate_on_submit():
        with refusal_shown() as attempt:
            claim_services.decide_claim(
                claim,
                current_user,
                form.decision.data,
                amount_yuan=form.amount_yuan.data,
                reason=form.reason.data or "",
            )
        if attempt.ok:
            flash(_("Decision recorded."), "success")
    else:
        flash(_("Please choose a decision."), "warning")
    return redirect(url_for("loans.pool", year=year))


@bp.post("/pool/claims/<int:claim_id>/payout")
@role_required(Role.ADMIN)
def pay(claim_id: int):
    """Record the payout of an approved claim."""
    claim = _claim_or_404(claim_id)
    year = claim.pool.year
    if PayoutForm().validate_on_submit():
        with refusal_shown() as attempt:
            claim_services.pay_claim(claim, current_user)
        if attempt.ok:
            flash(_("Payout recorded; the pool's balance is updated."), "success")
    return redirect(url_for("loans.pool", year=year))
