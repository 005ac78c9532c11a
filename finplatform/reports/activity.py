"""What happened to the month's requests: the firms' activity by month, the funnel, and the
specialists' table.

The firm-months (`report_firm_months`: one row per firm, month and kind of activity, written with
the rows it counts: facts.py); `FIRM_MONTH_SOURCES` says, per source table, what each kind
counts, and is what both the flush hooks and `flask report rebuild` run; a request's matches
count as its firm served in the month each match row was written (re-ranking's bulk delete takes
its rows' away: ranking/batch.py). The distinct counts are derived from them (firsts.py). The
funnel's steps are facts too (`funnel_contributions`, and `first_ranked_contributions` for the
matched step); the response times are in responses.py.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ContactLog,
    Disbursement,
    FinancingRequest,
    Match,
    Referral,
    ReportFact,
    ReportFirmMonth,
    User,
)
from finplatform.models.base import Money
from finplatform.models.sql import local_month
from finplatform.reports.measures import NET_DISBURSEMENT_COUNT, ZERO, sum_money
from finplatform.reports.metrics import CREDIT_KINDS
from finplatform.reports.periods import Month

FIRM_MONTHS = ReportFirmMonth.__table__
NO_SPECIALIST = 0


def _per_firm_month(
    kind: str, firm, when, *conditions, specialist=None, count=None, amount=None, join=None
) -> sa.Select:
    """(kind, month, firm, specialist, count, amount, rows) per firm-month of some rows."""
    month = local_month(when)
    statement = sa.select(
        sa.literal(kind, sa.String).label("kind"),
        month.label("month"),
        firm.label("enterprise_id"),
        (sa.literal(NO_SPECIALIST) if specialist is None else specialist).label("specialist_id"),
        (sa.func.count() if count is None else count).label("count"),
        sa.cast(sa.null(), Money).label("amount") if amount is None else sum_money(amount),
        sa.func.count().label("rows"),
    )
    if join is not None:
        statement = statement.join(*join)
    keys = [month, firm] if specialist is None else [month, firm, specialist]
    return statement.where(when.is_not(None), *conditions).group_by(*keys)


def _served_and_specialist(model, when) -> list[sa.Select]:
    return [
        _per_firm_month("served", model.enterprise_id, when),
        _per_firm_month(
            "specialist",
            model.enterprise_id,
            when,
            model.specialist_id.is_not(None),
            specialist=model.specialist_id,
        ),
    ]


_DISBURSED = Disbursement.disbursed_on
# What each kind of firm-month counts, by the table whose rows it counts: a firm served (a
# request, a match of its request, a referral, a contact or an application), a specialist's
# firm (their referrals, contacts and brokered applications), a disbursement (count:
# non-reversal rows; for first-time borrowers), a credit loan (net amount; firms with credit
# loans) and a specialist's deals.
FIRM_MONTH_SOURCES: dict[type, list[sa.Select]] = {
    FinancingRequest: [
        _per_firm_month("served", FinancingRequest.enterprise_id, FinancingRequest.created_at)
    ],
    Match: [
        _per_firm_month(
            "served",
            FinancingRequest.enterprise_id,
            Match.created_at,
            join=(FinancingRequest, FinancingRequest.id == Match.request_id),
        )
    ],
    Referral: _served_and_specialist(Referral, Referral.created_at),
    ContactLog: _served_and_specialist(ContactLog, ContactLog.happened_at),
    Application: _served_and_specialist(Application, Application.submitted_at),
    Disbursement: [
        _per_firm_month(
            "borrowed",
            Disbursement.enterprise_id,
            _DISBURSED,
            count=sa.func.sum(sa.case((Disbursement.reverses_id.is_(None), 1), else_=0)),
            amount=Disbursement.amount_yuan,
        ),
        _per_firm_month(
            "credit",
            Disbursement.enterprise_id,
            _DISBURSED,
            Disbursement.product_kind_code.in_(CREDIT_KINDS),
            count=NET_DISBURSEMENT_COUNT,
            amount=Disbursement.amount_yuan,
        ),
        _per_firm_month(
            "deals",
            Disbursement.enterprise_id,
            _DISBURSED,
            Application.specialist_id.is_not(None),
            specialist=Application.specialist_id,
            count=NET_DISBURSEMENT_COUNT,
            amount=Disbursement.amount_yuan,
            join=(Application, Application.id == Disbursement.application_id),
        ),
    ],
}


# ---------------------------------------------------------------------------------- funnel

FUNNEL_STEPS = ("requests", "matched", "applied", "approved", "disbursed")


def funnel_flags(applications=None, disbursements=None) -> dict[str, sa.ColumnElement[bool]]:
    """Per request: whether it has an application, an approval and a disbursement, counting
    only the applications and disbursements that meet the given conditions."""
    applications = sa.true() if applications is None else applications
    of_request = sa.and_(Application.request_id == FinancingRequest.id, applications)
    return {
        "applied": sa.exists().where(of_request),
        "approved": sa.exists().where(of_request, Application.approved_amount_yuan.is_not(None)),
        "disbursed": sa.exists().where(
            of_request,
            Disbursement.application_id == Application.id,
            Disbursement.reverses_id.is_(None),
            sa.true() if disbursements is None else disbursements,
        ),
    }


def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows meet `condition` (zero when there are none)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def funnel_contributions(condition: sa.ColumnElement[bool] | None = None) -> sa.Select:
    """The funnel's facts: per month of posting, the requests (those meeting `condition`) and
    how many reached an application, an approval and a disbursement (up to now). Some
    requests: a test per request; every request: each request's steps grouped once from its
    applications (a join instead of three lookups per request)."""
    month = local_month(FinancingRequest.created_at)
    if condition is not None:
        flags = funnel_flags()
        steps = [count_where(flags[step]) for step in FUNNEL_STEPS[2:]]
        return sa.select(month, sa.func.count(), *steps).where(condition).group_by(month)
    disbursed = (
        sa.select(Disbursement.application_id)
        .where(Disbursement.reverses_id.is_(None))
        .distinct()
        .subquery()
    )
    reached = (
        sa.select(
            Application.request_id,
            sa.func.max(sa.case((Application.approved_amount_yuan.is_not(None), 1), else_=0)),
            sa.func.max(sa.case((disbursed.c.application_id.is_not(None), 1), else_=0)),
        )
        .outerjoin(disbursed, disbursed.c.application_id == Application.id)
        .group_by(Application.request_id)
        .subquery()
    )
    request, approved, paid = reached.c
    steps = [count_where(request.is_not(None))] + [
        sa.func.coalesce(sa.func.sum(step), 0) for step in (approved, paid)
    ]
    return (
        sa.select(month, sa.func.count(), *steps)
        .outerjoin(reached, request == FinancingRequest.id)
        .group_by(month)
    )


def first_ranked_contributions() -> sa.Select:
    """The funnel's matched step: per month, the requests a ranking first proposed products for
    then, whenever they were posted (a later re-ranking keeps that first time, so it never
    moves a request out of a past month)."""
    month = local_month(FinancingRequest.first_ranked_at)
    return (
        sa.select(month, sa.func.count())
        .where(FinancingRequest.first_ranked_at.is_not(None))
        .group_by(month)
    )


def funnel(month: Month) -> list[dict]:
    """The month's requests, the requests first ranked in the month, and how many of the
    month's requests reached an application, an approval and a disbursement (up to now), with
    the conversion rate of each step."""
    found = dict(
        db.session.execute(
            sa.select(ReportFact.dimension, ReportFact.count).where(
                ReportFact.measure == "funnel", ReportFact.month == month.first_day
            )
        ).all()
    )
    return funnel_steps([int(found.get(step, 0)) for step in FUNNEL_STEPS])


def funnel_steps(counts: list[int]) -> list[dict]:
    """The funnel's counts (requests, matched, applied, approved, disbursed) with the
    conversion rate of each step."""
    steps = []
    for index, (step, count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True)):
        previous = counts[index - 1] if index else None
        steps.append(
            {
                "step": step,
                "count": count,
                "rate_from_previous": percent(count, previous) if index else None,
                "rate_from_requests": percent(count, counts[0]) if index else None,
            }
        )
    return steps


def percent(part, whole) -> Decimal | None:
    """part / whole as a percentage with one decimal; None when whole is zero or unknown."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


# ------------------------------------------------------------------- firms served, specialists


def specialist_rows(served: dict[int, int], deals: dict[int, tuple[int, Decimal]]) -> list[dict]:
    """The specialists' table: firms served, deals and amount, largest amount first."""
    ids = set(served) | set(deals)
    names = (
        dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())
        if ids
        else {}
    )
    rows = [
        {
            "id": sid,
            "name": names.get(sid, str(sid)),
            "firms_served": int(served.get(sid, 0)),
            "deals": deals[sid][0] if sid in deals else 0,
            "amount": deals[sid][1] if sid in deals else ZERO,
        }
        for sid in ids
    ]
    rows.sort(key=lambda row: (-row["amount"], -row["firms_served"], row["name"]))
    return rows
