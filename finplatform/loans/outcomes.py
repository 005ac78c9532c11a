"""Repayment outcomes as of a day, per application: what the ranking's training can learn from
(the matching side decides how they change its grades)."""

from __future__ import annotations

import enum
from datetime import date

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.loans.positions import PositionBook
from finplatform.models import Application, Disbursement, Loan, LoanStatus

DEFAULT_DAYS = 90


class RepaymentOutcome(enum.IntEnum):
    """How an application's loans stood on a day (the worst of its loans)."""

    NO_LOAN = 0
    PERFORMING = 1  # current, or repaid in full
    LATE = 2  # 1–89 days past due
    DEFAULTED = 3  # 90 days or more past due, or written off after a claim


def loan_outcome(position) -> RepaymentOutcome:
    """A loan position's outcome (the worst first: defaulted, late, performing)."""
    if position.status == LoanStatus.WRITTEN_OFF or position.days_past_due >= DEFAULT_DAYS:
        return RepaymentOutcome.DEFAULTED
    if position.days_past_due > 0:
        return RepaymentOutcome.LATE
    return RepaymentOutcome.PERFORMING


def loans_by_application(as_of: date) -> list[tuple[Loan, int]]:
    """(loan, application id) of every loan disbursed by `as_of` and not voided, by loan id."""
    return [
        (loan, application_id)
        for loan, application_id in db.session.execute(
            sa.select(Loan, Disbursement.application_id)
            .join(Disbursement, Disbursement.id == Loan.disbursement_id)
            .where(Loan.disbursed_on <= as_of, Loan.voided_on.is_(None))
            .order_by(Loan.id)
        )
    ]


def worst_outcomes(
    book: PositionBook, loans: list[tuple[Loan, int]], as_of: date
) -> dict[int, RepaymentOutcome]:
    """Application id → the worst outcome as of a day of its loans among `loans` (read into
    `book`)."""
    outcomes: dict[int, RepaymentOutcome] = {}
    for position, (_loan, application_id) in zip(
        book.at(as_of, [loan for loan, _ in loans]), loans, strict=True
    ):
        outcome = loan_outcome(position)
        outcomes[application_id] = max(outcomes.get(application_id, outcome), outcome)
    return outcomes


def outcomes_by_application(as_of: date) -> dict[int, RepaymentOutcome]:
    """Application id → the worst outcome of its loans disbursed by `as_of` (voided loans and
    loans disbursed later are left out)."""
    loans = loans_by_application(as_of)
    return worst_outcomes(PositionBook([loan for loan, _ in loans]), loans, as_of)


def application_pairs(application_ids) -> list[tuple[int, int, int]]:
    """(application id, request id, product id) of the given applications."""
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(Application.id, Application.request_id, Application.product_id).where(
                Application.id.in_(list(application_ids))
            )
        )
    ]


def outcomes_by_pair(as_of: date) -> dict[tuple[int, int], RepaymentOutcome]:
    """(request id, product id) → the repayment outcome of that application as of a day."""
    by_application = outcomes_by_application(as_of)
    return {
        (request, product): by_application[application]
        for application, request, product in application_pairs(by_application)
    }
