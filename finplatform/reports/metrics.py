"""The plan's target metrics: each maps a Target.metric to a SQL measure (see services.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.history.periods import held_at
from finplatform.models import (
    CommunityMembership,
    Disbursement,
    Institution,
    InstitutionStanding,
    InstitutionStatus,
    PoolContribution,
    ProductKind,
)
from finplatform.reports.measures import (
    MEASURES,
    ZERO,
    Scope,
    sum_money,
    to_money,
)

CREDIT_KINDS = sa.select(ProductKind.code).where(ProductKind.is_credit_loan.is_(True))
# Only what an institution did while approved counts towards the targets: a disbursement
# recorded while its institution was pending or suspended does not (its standing's history;
# an institution stored with no history counts as it stands today).
_STANDING = InstitutionStanding
APPROVED_THEN = sa.or_(
    sa.exists().where(
        _STANDING.institution_id == Disbursement.institution_id,
        _STANDING.status == InstitutionStatus.APPROVED,
        held_at(_STANDING, Disbursement.created_at),
    ),
    sa.and_(
        ~sa.exists().where(_STANDING.institution_id == Disbursement.institution_id),
        sa.exists().where(
            Institution.id == Disbursement.institution_id,
            Institution.status == InstitutionStatus.APPROVED,
        ),
    ),
)
LOAN_KINDS = sa.select(ProductKind.code).where(ProductKind.is_loan.is_(True))


def money_metric_conditions(members: sa.Select | None = None) -> dict[str, tuple]:
    """The conditions on disbursement rows that each money target counts (`members`: the
    credit communities' member firms, when not today's)."""
    member = (
        sa.exists().where(CommunityMembership.enterprise_id == Disbursement.enterprise_id)
        if members is None
        else Disbursement.enterprise_id.in_(members)
    )
    return {
        "financing_facilitated": (APPROVED_THEN,),
        "all_financing": (APPROVED_THEN,),
        "new_credit_loans": (Disbursement.product_kind_code.in_(CREDIT_KINDS), APPROVED_THEN),
        "credit_community_loans": (
            Disbursement.product_kind_code.in_(LOAN_KINDS),
            member,
            APPROVED_THEN,
        ),
        "tech_transfer_fund": (
            Disbursement.product_kind_code == "equity_investment",
            Disbursement.institution_kind_code == "fund",
            APPROVED_THEN,
        ),
    }


# The risk guarantee pool (10亿元) measures the pool itself: the funds contributed to it, by the
# day they were contributed (PoolContribution, finplatform/loans/pool.py), not loan volume.
POOL_METRIC = "risk_guarantee_pool"
DISBURSED_METRICS = frozenset(money_metric_conditions())
MONEY_METRICS = DISBURSED_METRICS | {POOL_METRIC}


def pool_funds(low: date, high: date) -> sa.Select:
    """(first day of the month, funds contributed) per month for contributions in [low, high)."""
    day = PoolContribution.contributed_on
    return (
        sa.select(sa.func.min(day), sum_money(PoolContribution.amount_yuan))
        .where(day >= low, day < high)
        .group_by(sa.extract("year", day), sa.extract("month", day))
    )


INSTITUTION_METRICS = {
    "tech_branches": "tech_branch",
    "specialised_institutions": "service",
    "credit_communities": "credit_community",
}
COUNT_METRICS = frozenset({"firms_served", "firms_with_credit_loans", *INSTITUTION_METRICS})
LEVEL_METRICS = frozenset({"specialists"})


def _metric_sums() -> list[sa.ColumnElement]:
    return [
        sum_money(
            sa.case((sa.and_(sa.true(), *conditions), Disbursement.amount_yuan), else_=0)
        ).label(metric)
        for metric, conditions in money_metric_conditions().items()
    ]


def money_metrics(scope: Scope, where: Sequence = ()) -> dict[str, Decimal]:
    """Net disbursed amount counted by each money target, in a scope (one query)."""
    row = db.session.execute(
        MEASURES["disbursements"].select(_metric_sums(), scope, where=where)
    ).one()
    result = {metric: to_money(row._mapping[metric]) for metric in DISBURSED_METRICS}
    high = scope.date_to
    low = scope.date_from or date(1900, 1, 1)
    result[POOL_METRIC] = sum(
        (to_money(amount) for _, amount in db.session.execute(pool_funds(low, high))), ZERO
    )
    return result


def money_metrics_by_month(
    year: int, recorded_until: datetime | None = None, where: Sequence = ()
) -> dict[str, list[Decimal]]:
    """Each money target's live net amount in each month of a year (one grouped query)."""
    month_number = sa.extract("month", Disbursement.disbursed_on).label("number")
    scope = Scope(date(year, 1, 1), date(year + 1, 1, 1), recorded_until=recorded_until)
    rows = db.session.execute(
        MEASURES["disbursements"]
        .select([month_number, *_metric_sums()], scope, where=where)
        .group_by(month_number)
    ).all()
    result = {metric: [ZERO] * 12 for metric in MONEY_METRICS}
    for row in rows:
        for metric in DISBURSED_METRICS:
            result[metric][int(row.number) - 1] = to_money(row._mapping[metric])
    for day, amount in db.session.execute(pool_funds(date(year, 1, 1), date(year + 1, 1, 1))):
        result[POOL_METRIC][day.month - 1] = to_money(amount)
    return result
