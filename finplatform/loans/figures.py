"""The pool's figures for a year, as plain data: what `flask pool status`, the pool page and
the API render. Money in yuan as Decimal; the balance identity
balance = contributions − claims paid + recoveries holds by construction and is checked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from finplatform import clock
from finplatform.extensions import db
from finplatform.loans import pool as funds
from finplatform.loans.positions import positions
from finplatform.models import Claim, ClaimStatus, CoverRegistration, GuaranteePool, Loan, Recovery

# Days-past-due buckets of the covered book: (label code, lowest day, highest day).
BUCKETS = (("1-30", 1, 30), ("31-90", 31, 90), ("90+", 91, None))


def pools_of(year: int) -> list[GuaranteePool]:
    """The pools of a year, oldest first."""
    return list(
        db.session.scalars(
            sa.select(GuaranteePool).where(GuaranteePool.year == year).order_by(GuaranteePool.id)
        )
    )


def _covered_loans(pool_ids: list[int]) -> list[Loan]:
    return list(
        db.session.scalars(
            sa.select(Loan)
            .join(CoverRegistration, CoverRegistration.loan_id == Loan.id)
            .where(
                CoverRegistration.pool_id.in_(pool_ids),
                sa.or_(*(funds.live_registrations(pool_id) for pool_id in pool_ids)),
            )
            .order_by(Loan.id)
        )
    )


def overdue_buckets(pool_ids: list[int], as_of: date) -> dict[str, Decimal]:
    """Covered outstanding principal of overdue loans, by days past due."""
    totals = {code: Decimal("0.00") for code, _, _ in BUCKETS}
    for position in positions(_covered_loans(pool_ids), as_of):
        days = position.days_past_due
        for code, low, high in BUCKETS:
            if days >= low and (high is None or days <= high):
                totals[code] += position.outstanding_principal
    return totals


def _count(query) -> int:
    return int(db.session.scalar(query) or 0)


def _ratio(part: Decimal, whole: Decimal, places: str) -> Decimal | None:
    return (part / whole).quantize(Decimal(places)) if whole else None


def pool_status(year: int, as_of: date | None = None) -> dict:
    """Every figure of the year's pools (all pools of the year added together)."""
    as_of = as_of or clock.today()
    pools = pools_of(year)
    ids = [pool.id for pool in pools]
    contributed = sum((funds.contributions(i) for i in ids), Decimal("0.00"))
    paid = sum((funds.claims_paid(i) for i in ids), Decimal("0.00"))
    recovered = sum((funds.recovered(i) for i in ids), Decimal("0.00"))
    outstanding = sum((funds.covered_outstanding(i) for i in ids), Decimal("0.00"))
    registered = sa.and_(
        CoverRegistration.pool_id.in_(ids), CoverRegistration.withdrawn_on.is_(None)
    )
    covered_yuan = funds.money_sum(
        sa.select(sa.func.sum(CoverRegistration.covered_principal_yuan)).where(registered)
    )

    def claims(*statuses: ClaimStatus) -> int:
        return _count(
            sa.select(sa.func.count(Claim.id)).where(
                Claim.pool_id.in_(ids), Claim.status.in_(statuses)
            )
        )

    balance = contributed - paid + recovered
    leverage = _ratio(outstanding, contributed, "0.01")
    net_loss = paid - recovered
    return {
        "year": year,
        "as_of": as_of,
        "pools": [pool.name for pool in pools],
        "leverage_limit": min((pool.leverage_limit for pool in pools), default=None),
        "contributions_yuan": contributed,
        "covered_loans": _count(sa.select(sa.func.count(CoverRegistration.id)).where(registered)),
        "covered_yuan": covered_yuan,
        "covered_outstanding_yuan": outstanding,
        "leverage": leverage,
        "overdue_covered_yuan": overdue_buckets(ids, as_of) if ids else {},
        "claims_filed": claims(*ClaimStatus),
        "claims_pending": claims(ClaimStatus.FILED, ClaimStatus.APPROVED),
        "claims_paid": claims(ClaimStatus.PAID),
        "claims_rejected": claims(ClaimStatus.REJECTED),
        "claims_paid_yuan": paid,
        "recovered_yuan": recovered,
        "recovered_total_yuan": funds.money_sum(
            sa.select(sa.func.sum(Recovery.recovered_yuan)).where(Recovery.pool_id.in_(ids))
        ),
        "balance_yuan": balance,
        "loss_rate": _ratio(net_loss, covered_yuan, "0.0001"),
    }


def pool_year_figures(year: int, as_of: date | None = None) -> dict[str, Decimal | int]:
    """The year's pool figures the monthly report needs (the plan's 10亿元 measures the pool:
    funds contributed and the covered book they back), as they stood at the end of a day
    (today unless told): funds, covered loans and principal (registrations in force then),
    covered outstanding (repayments paid by then, claims paid by then leave the book), claims
    paid, recoveries, balance."""
    as_of = as_of or clock.today()
    ids = [pool.id for pool in pools_of(year)]
    in_force = sa.and_(CoverRegistration.pool_id.in_(ids), funds.registered_as_of(as_of))
    figures = {
        "funds_yuan": sum((funds.contributions(i, as_of) for i in ids), Decimal("0.00")),
        "covered_loans": _count(sa.select(sa.func.count(CoverRegistration.id)).where(in_force)),
        "covered_yuan": funds.money_sum(
            sa.select(sa.func.sum(CoverRegistration.covered_principal_yuan)).where(in_force)
        ),
        "covered_outstanding_yuan": sum(
            (funds.covered_outstanding(i, as_of=as_of) for i in ids), Decimal("0.00")
        ),
        "claims_paid_yuan": sum((funds.claims_paid(i, as_of) for i in ids), Decimal("0.00")),
        "recovered_yuan": sum((funds.recovered(i, as_of) for i in ids), Decimal("0.00")),
    }
    figures["balance_yuan"] = (
        figures["funds_yuan"] - figures["claims_paid_yuan"] + figures["recovered_yuan"]
    )
    return figures
