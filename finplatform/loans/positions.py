"""Where a loan stands as of a day: what is paid, what is outstanding, days past due, status.

Everything is derived from the schedule and the repayments dated on or before the day, so the
same question asked about a past day gets the answer that day would have given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.loans.schedules import penalty_interest
from finplatform.models import Instalment, Loan, LoanStatus, Repayment, RepaymentAllocation

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InstalmentPosition:
    """One instalment as of a day: what was due and what remains unpaid."""

    instalment: Instalment
    interest_unpaid: Decimal
    principal_unpaid: Decimal
    penalty_accrued: Decimal = ZERO
    penalty_unpaid: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        """Penalty, interest and principal still owed on this instalment."""
        return self.penalty_unpaid + self.scheduled_unpaid

    @property
    def scheduled_unpaid(self) -> Decimal:
        """Interest and principal of the schedule still owed (what days past due count on)."""
        return self.interest_unpaid + self.principal_unpaid


@dataclass(frozen=True)
class LoanPosition:
    """A loan as of a day."""

    loan: Loan
    as_of: date
    status: LoanStatus
    outstanding_principal: Decimal
    overdue_amount: Decimal
    days_past_due: int
    instalments: list[InstalmentPosition]

    @property
    def remaining(self) -> Decimal:
        """Everything still owed on the schedule (principal and interest, due or not)."""
        return sum((line.unpaid for line in self.instalments), ZERO)


def paid_by_instalment(loan: Loan, as_of: date | None = None) -> dict[int, tuple[Decimal, Decimal]]:
    """Instalment id → (interest paid, principal paid) by repayments dated up to `as_of`."""
    query = (
        sa.select(
            RepaymentAllocation.instalment_id,
            sa.func.sum(RepaymentAllocation.interest_yuan),
            sa.func.sum(RepaymentAllocation.principal_yuan),
        )
        .join(Repayment, Repayment.id == RepaymentAllocation.repayment_id)
        .where(Repayment.loan_id == loan.id)
        .group_by(RepaymentAllocation.instalment_id)
    )
    if as_of is not None:
        query = query.where(Repayment.paid_on <= as_of)
    return {row[0]: (Decimal(row[1]), Decimal(row[2])) for row in db.session.execute(query).all()}


def penalties(loan: Loan, as_of: date, penalty_on: date) -> dict[int, tuple[Decimal, Decimal]]:
    """Instalment id → (penalty accrued by `penalty_on`, penalty paid) from the repayments
    dated up to `as_of` (see `schedules.penalty_interest` for the rule)."""
    rows = db.session.execute(
        sa.select(
            RepaymentAllocation.instalment_id,
            Repayment.paid_on,
            RepaymentAllocation.principal_yuan,
            RepaymentAllocation.penalty_yuan,
        )
        .join(Repayment, Repayment.id == RepaymentAllocation.repayment_id)
        .where(Repayment.loan_id == loan.id, Repayment.paid_on <= as_of)
    ).all()
    principal_paid: dict[int, list[tuple[date, Decimal]]] = {}
    penalty_paid: dict[int, Decimal] = {}
    for instalment_id, paid_on, principal, penalty in rows:
        principal_paid.setdefault(instalment_id, []).append((paid_on, principal))
        penalty_paid[instalment_id] = penalty_paid.get(instalment_id, ZERO) + penalty
    end = min(penalty_on, loan.written_off_on or date.max, loan.voided_on or date.max)
    return {
        line.id: (
            penalty_interest(
                line.principal_yuan,
                line.due_on,
                principal_paid.get(line.id, []),
                end,
                loan.penalty_rate,
            ),
            penalty_paid.get(line.id, ZERO),
        )
        for line in loan.instalments
    }


def loan_position(loan: Loan, as_of: date, penalty_on: date | None = None) -> LoanPosition:
    """The loan as of `as_of` (a Beijing day): days past due are calendar days from the
    (rolled) due date of the oldest instalment not fully paid that day. Penalty interest is
    counted up to `penalty_on` (default `as_of`), and stops at a write-off or a voiding."""
    charged = penalties(loan, as_of, penalty_on or as_of)
    return position_of(loan, loan.instalments, paid_by_instalment(loan, as_of), as_of, charged)


def position_of(
    loan: Loan,
    instalments: list[Instalment],
    paid: dict[int, tuple[Decimal, Decimal]],
    as_of: date,
    charged: dict[int, tuple[Decimal, Decimal]] | None = None,
) -> LoanPosition:
    """The loan as of `as_of` from its instalments and what was paid on each by then
    (`charged`: penalty accrued and paid per instalment; none when not given)."""
    lines = []
    for instalment in instalments:
        interest_paid, principal_paid = paid.get(instalment.id, (ZERO, ZERO))
        accrued, penalty_paid = (charged or {}).get(instalment.id, (ZERO, ZERO))
        lines.append(
            InstalmentPosition(
                instalment,
                instalment.interest_yuan - interest_paid,
                instalment.principal_yuan - principal_paid,
                accrued,
                accrued - penalty_paid,
            )
        )
    overdue = [
        line for line in lines if line.scheduled_unpaid > 0 and line.instalment.due_on < as_of
    ]
    days = (as_of - overdue[0].instalment.due_on).days if overdue else 0
    outstanding = sum((line.principal_unpaid for line in lines), ZERO)
    if loan.voided_on is not None:
        status = LoanStatus.VOIDED
    elif loan.written_off_on is not None and loan.written_off_on <= as_of:
        status = LoanStatus.WRITTEN_OFF
    elif all(line.unpaid <= 0 for line in lines):
        status = LoanStatus.SETTLED
    elif days > 0:
        status = LoanStatus.OVERDUE
    else:
        status = LoanStatus.CURRENT
    return LoanPosition(
        loan=loan,
        as_of=as_of,
        status=status,
        outstanding_principal=outstanding,
        overdue_amount=sum((line.unpaid for line in overdue), ZERO),
        days_past_due=days,
        instalments=lines,
    )


class PositionBook:
    """Many loans' instalments and repayments read once (two queries, in chunks), then their
    positions on any number of days without reading again (for lists, figures, forecasts)."""

    CHUNK = 2000

    def __init__(self, loans: list[Loan]) -> None:
        self.loans = loans
        self.instalments: dict[int, list[Instalment]] = {loan.id: [] for loan in loans}
        self.payments: list[tuple[int, date, Decimal, Decimal]] = []
        ids = [loan.id for loan in loans]
        for start in range(0, len(ids), self.CHUNK):
            chunk = ids[start : start + self.CHUNK]
            for instalment in db.session.scalars(
                sa.select(Instalment)
                .where(Instalment.loan_id.in_(chunk))
                .order_by(Instalment.loan_id, Instalment.number)
            ):
                self.instalments[instalment.loan_id].append(instalment)
            self.payments.extend(
                db.session.execute(
                    sa.select(
                        RepaymentAllocation.instalment_id,
                        Repayment.paid_on,
                        RepaymentAllocation.interest_yuan,
                        RepaymentAllocation.principal_yuan,
                    )
                    .join(Repayment, Repayment.id == RepaymentAllocation.repayment_id)
                    .where(Repayment.loan_id.in_(chunk))
                ).all()
            )

    def at(self, as_of: date, loans: list[Loan] | None = None) -> list[LoanPosition]:
        """The positions of the book's loans (or of some of them) as of a day."""
        paid: dict[int, tuple[Decimal, Decimal]] = {}
        for instalment_id, paid_on, interest, principal in self.payments:
            if paid_on <= as_of:
                before = paid.get(instalment_id, (ZERO, ZERO))
                paid[instalment_id] = (before[0] + interest, before[1] + principal)
        return [
            position_of(loan, self.instalments[loan.id], paid, as_of)
            for loan in (self.loans if loans is None else loans)
        ]


def positions(loans: list[Loan], as_of: date) -> list[LoanPosition]:
    """Many loans' positions as of a day."""
    return PositionBook(loans).at(as_of) if loans else []
