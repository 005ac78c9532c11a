"""What happened to the month's requests: first-time borrowers, the funnel, response times,
firms served and the specialists' work.

The distinct-firm counts read `report_firm_months` (one row per firm, month and kind of activity,
written with the rows it counts: facts.py); `FIRM_MONTH_SOURCES` says, per source table, what
each kind counts, and is what both the flush hooks and `flask report rebuild` run; a request's
matches count as its firm served in the month each match row was written (re-ranking's bulk
delete takes its rows' away: ranking/batch.py). The funnel's steps are facts too
(`funnel_contributions`, and `first_ranked_contributions` for the matched step); the response
times are counted live.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ContactLog,
    Disbursement,
    FinancingRequest,
    Institution,
    InstitutionStatus,
    Match,
    Referral,
    ReportFact,
    ReportFirmMonth,
    Role,
    User,
)
from finplatform.models.base import Money
from finplatform.models.sql import continuous_percentiles, days_between, local_month
from finplatform.reports.measures import NET_DISBURSEMENT_COUNT, ZERO, sum_money, to_money
from finplatform.reports.metrics import CREDIT_KINDS, INSTITUTION_METRICS
from finplatform.reports.periods import Month

FIRM_MONTHS = ReportFirmMonth.__table__
F = FIRM_MONTHS.c
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


def _months(kind: str, first: Month, last: Month) -> tuple:
    return (F.kind == kind, F.month >= first.first_day, F.month <= last.first_day)


def first_time_borrowers(month: Month) -> dict:
    """Firms whose first ever disbursement falls in the month: how many, and their net amount."""
    earlier = FIRM_MONTHS.alias("earlier")
    count, amount = db.session.execute(
        sa.select(sa.func.count(), sum_money(F.amount)).where(
            *_months("borrowed", month, month),
            F.count > 0,
            ~sa.exists().where(
                earlier.c.kind == "borrowed",
                earlier.c.enterprise_id == F.enterprise_id,
                earlier.c.month < month.first_day,
                earlier.c.count > 0,
            ),
        )
    ).one()
    return {"count": int(count or 0), "amount": to_money(amount)}


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


def funnel_contributions() -> sa.Select:
    """The funnel's facts: per month of posting, the requests and how many reached an
    application, an approval and a disbursement (up to now)."""
    flags = funnel_flags()
    month = local_month(FinancingRequest.created_at)
    steps = [count_where(flags[step]) for step in FUNNEL_STEPS[2:]]
    return sa.select(month, sa.func.count(), *steps).group_by(month)


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


# --------------------------------------------------------------------------- response times


def response_times(month: Month, as_of: datetime) -> dict:
    """Median and 90th percentile days from submission to first answer and to decision, for
    applications submitted in the month; and how many missed their response deadline."""
    in_month = (
        Application.submitted_at >= month.start_at,
        Application.submitted_at < month.end_at,
    )
    result = {}
    for name, column in (
        ("first_response", Application.first_response_at),
        ("decision", Application.decided_at),
    ):
        durations = (
            sa.select(days_between(column, Application.submitted_at).label("days"))
            .where(*in_month, column.is_not(None))
            .subquery()
        )
        count = db.session.scalar(sa.select(sa.func.count()).select_from(durations))
        median, p90 = continuous_percentiles(db.session, durations.c.days, (0.5, 0.9))
        result[name] = {
            "count": int(count or 0),
            "median_days": _days(median),
            "p90_days": _days(p90),
        }
    late = sa.or_(
        Application.first_response_at > Application.respond_by,
        sa.and_(Application.first_response_at.is_(None), Application.respond_by < as_of),
    )
    result["past_deadline"] = int(
        db.session.scalar(
            sa.select(sa.func.count(Application.id)).where(
                Application.respond_by >= month.start_at,
                Application.respond_by < month.end_at,
                late,
            )
        )
        or 0
    )
    return result


def _days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


# ------------------------------------------------------------------- firms served, specialists


def served_firsts(first: Month, last: Month) -> sa.Subquery:
    """(enterprise_id, first month served) of the firms served in months first … last."""
    return (
        sa.select(F.enterprise_id.label("firm"), sa.func.min(F.month).label("first"))
        .where(*_months("served", first, last))
        .group_by(F.enterprise_id)
        .subquery()
    )


def firms_served(first: Month, last: Month) -> int:
    """Distinct firms served in months first … last."""
    firsts = served_firsts(first, last)
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(firsts)) or 0)


def count_metric_by_month(metric: str, year: int, until: Month | None = None) -> list[int]:
    """A count target's new firms or institutions per month of a year up to `until`, by first
    occurrence (firms with credit loans: a net positive credit-loan sum over the period)."""
    until = until or Month(year, 12)
    if metric == "firms_served":
        firsts = served_firsts(Month(year, 1), until)
    elif metric == "firms_with_credit_loans":
        firsts = (
            sa.select(sa.func.min(F.month).label("first"))
            .where(*_months("credit", Month(year, 1), until))
            .group_by(F.enterprise_id)
            .having(sa.func.sum(F.amount) > 0)
            .subquery()
        )
    else:
        firsts = (
            sa.select(Institution.approved_at.label("first"))
            .where(
                Institution.kind_code == INSTITUTION_METRICS[metric],
                Institution.status == InstitutionStatus.APPROVED,
                Institution.approved_at >= Month(year, 1).start_at,
                Institution.approved_at < until.end_at,
            )
            .subquery()
        )
    values = [0] * 12
    grouped = sa.select(firsts.c.first, sa.func.count()).group_by(firsts.c.first)
    for first, count in db.session.execute(grouped):
        month = Month.current(first) if isinstance(first, datetime) else first
        values[month.month - 1] += count
    return values


def count_metric(metric: str, month: Month) -> int:
    """A count target's value for 1 January to the end of `month` (distinct)."""
    if metric == "specialists":
        return int(
            db.session.scalar(
                sa.select(sa.func.count(User.id)).where(
                    User.role == Role.SPECIALIST,
                    User.active.is_(True),
                    User.created_at < month.end_at,
                )
            )
            or 0
        )
    if metric == "firms_served":
        return firms_served(Month(month.year, 1), month)
    return sum(count_metric_by_month(metric, month.year, until=month))


def specialists(month: Month) -> list[dict]:
    """Per specialist: firms served (referrals, contacts, applications they brokered), deals
    brokered (net disbursements on their applications) and the amount, in the month."""
    served = dict(
        db.session.execute(
            sa.select(F.specialist_id, sa.func.count())
            .where(*_months("specialist", month, month))
            .group_by(F.specialist_id)
        ).all()
    )
    deals = {
        sid: (int(count or 0), to_money(amount))
        for sid, count, amount in db.session.execute(
            sa.select(F.specialist_id, sa.func.sum(F.count), sum_money(F.amount))
            .where(*_months("deals", month, month))
            .group_by(F.specialist_id)
        )
    }
    return specialist_rows(served, deals)


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
