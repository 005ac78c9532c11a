"""Disbursements (放款): recorded once, never more than approved, corrected by reversal rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from finplatform import clock, idempotency
from finplatform.audit import record_audit
from finplatform.deals.services import (
    application_link,
    check_rate,
    check_term,
    deal_params,
    mark_request_fulfilled,
    parse_amount,
)
from finplatform.deals.states import lock_application, transition_application
from finplatform.exceptions import Conflict, DomainError
from finplatform.extensions import db
from finplatform.loans.services import DEFAULT_KIND, check_repayment_kind, open_loan, void_loan
from finplatform.models import (
    Application,
    ApplicationStatus,
    Disbursement,
    RepaymentKind,
    User,
)
from finplatform.notifications.services import notify_enterprise

DISBURSABLE = (ApplicationStatus.APPROVED, ApplicationStatus.DISBURSED)


def disbursed_total(application: Application) -> Decimal:
    """Net amount disbursed on the application (reversals subtract)."""
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Disbursement.amount_yuan), 0)).where(
            Disbursement.application_id == application.id
        )
    )
    return Decimal(total)


def _by_key(idempotency_key: str) -> Disbursement | None:
    return db.session.scalar(
        sa.select(Disbursement).where(Disbursement.idempotency_key == idempotency_key)
    )


def _replayed(row: Disbursement, asked: dict) -> tuple[Disbursement, bool]:
    idempotency.require_same_request({name: getattr(row, name) for name in asked}, asked)
    return row, False


def _denormalised(application: Application) -> dict:
    firm = application.enterprise
    institution = application.institution
    return {
        "enterprise_id": firm.id,
        "institution_id": institution.id,
        "institution_kind_code": institution.kind_code,
        "product_kind_code": application.product_kind_code,
        "pool_covered": application.product.pool_covered,
        "district_code": firm.district_code,
        "industry_code": firm.industry_code,
    }


def _insert_once(row: Disbursement) -> tuple[Disbursement, bool]:
    """Insert the row; if its idempotency key is already taken, return the first row instead."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        existing = _by_key(row.idempotency_key) if row.idempotency_key else None
        if existing is None:
            raise
        return existing, False
    return row, True


def record_disbursement(
    application: Application,
    *,
    amount_yuan,
    rate,
    term_months: int,
    disbursed_on: date,
    actor: User,
    idempotency_key: str | None,
    note: str = "",
    repayment_kind: RepaymentKind | str = DEFAULT_KIND,
) -> tuple[Disbursement, bool]:
    """Record money paid out; returns (row, created). The same idempotency key twice (double
    click, retry) records once and returns the first row with created=False; the same key with
    different values is refused (`idempotency.KeyReused`)."""
    amount = parse_amount(amount_yuan, "amount_yuan")
    kind = check_repayment_kind(repayment_kind)
    rate_value = check_rate(rate, "rate")
    term = check_term(term_months)
    asked = {
        "amount_yuan": amount,
        "rate": rate_value,
        "term_months": term,
        "disbursed_on": disbursed_on,
        "note": note.strip(),
    }
    if idempotency_key:
        existing = _by_key(idempotency_key)
        if existing is not None:
            return _replayed(existing, asked)
    if disbursed_on is None or disbursed_on > clock.today():
        raise DomainError(_l("The disbursement date cannot be in the future."), "disbursed_on")
    # The row lock serialises disbursements of one application: the cap check below sees every
    # committed one, and a concurrent retry with the same key finds the first row after waiting.
    application = lock_application(application)
    if idempotency_key:
        existing = _by_key(idempotency_key)
        if existing is not None:
            return _replayed(existing, asked)
    if application.status not in DISBURSABLE:
        raise Conflict(_l("Only an approved application can be disbursed."))
    if disbursed_on < application.decided_at.date():
        raise DomainError(_l("The disbursement date is before the approval."), "disbursed_on")
    remaining = application.approved_amount_yuan - disbursed_total(application)
    if amount > remaining:
        raise DomainError(
            _l(
                "This would exceed the approved amount; at most %(remaining)s yuan remain.",
                remaining=f"{remaining:,.2f}",
            ),
            "amount_yuan",
        )
    row, created = _insert_once(
        Disbursement(
            application_id=application.id,
            amount_yuan=amount,
            rate=rate_value,
            term_months=term,
            disbursed_on=disbursed_on,
            idempotency_key=idempotency_key or None,
            note=note.strip(),
            recorded_by_id=actor.id,
            **_denormalised(application),
        )
    )
    if not created:
        return _replayed(row, asked)
    open_loan(row, kind)
    if application.status == ApplicationStatus.APPROVED:
        transition_application(application, ApplicationStatus.DISBURSED, actor, f"{amount}")
    mark_request_fulfilled(application.request, actor)
    record_audit(
        "disbursement.recorded",
        row,
        actor=actor,
        detail={"amount": str(amount), "application": application.id},
    )
    notify_enterprise(
        application.enterprise_id,
        "disbursement.recorded",
        {**deal_params(application), "amount": f"{amount:,.2f}"},
        application_link(application),
    )
    db.session.flush()
    return row, True


def reverse_disbursement(disbursement: Disbursement, actor: User, reason: str) -> Disbursement:
    """Correct a recorded disbursement with a reversal row (negative amount); never edit it."""
    if not reason.strip():
        raise DomainError(_l("Please give the reason for the reversal."), "reason")
    if disbursement.reverses_id is not None:
        raise DomainError(_l("A reversal cannot itself be reversed."))
    lock_application(disbursement.application)
    already = db.session.scalar(
        sa.select(Disbursement.id).where(Disbursement.reverses_id == disbursement.id)
    )
    if already is not None:
        raise Conflict(_l("This disbursement has already been reversed."))
    reversal = Disbursement(
        application_id=disbursement.application_id,
        amount_yuan=-disbursement.amount_yuan,
        rate=disbursement.rate,
        term_months=disbursement.term_months,
        disbursed_on=clock.today(),
        reverses_id=disbursement.id,
        note=reason.strip(),
        recorded_by_id=actor.id,
        **_denormalised(disbursement.application),
    )
    try:
        with db.session.begin_nested():
            db.session.add(reversal)
    except IntegrityError as exc:
        raise Conflict(_l("This disbursement has already been reversed.")) from exc
    void_loan(disbursement, reversal.disbursed_on)
    record_audit(
        "disbursement.reversed",
        reversal,
        actor=actor,
        detail={"reverses": disbursement.id, "reason": reason},
    )
    db.session.flush()
    return reversal
