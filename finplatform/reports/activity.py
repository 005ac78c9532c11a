"""What happened to the month's requests: first-time borrowers, the funnel, response times,
firms served and the specialists' work (each an aggregate query)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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
    User,
)
from finplatform.models.sql import continuous_percentiles, days_between
from finplatform.reports.measures import (
    NET_DISBURSEMENT_COUNT,
    ZERO,
    sum_money,
    to_money,
)
from finplatform.reports.periods import Month


def first_time_borrowers(month: Month, recorded_until: datetime | None = None) -> dict:
    """Firms whose first ever disbursement falls in the month: how many, and their net amount."""
    earlier = sa.orm.aliased(Disbursement)
    firsts = (
        sa.select(Disbursement.enterprise_id)
        .where(
            Disbursement.reverses_id.is_(None),
            Disbursement.disbursed_on >= month.first_day,
            Disbursement.disbursed_on < month.end_day,
            ~sa.exists().where(
                earlier.enterprise_id == Disbursement.enterprise_id,
                earlier.reverses_id.is_(None),
                earlier.disbursed_on < month.first_day,
            ),
        )
        .distinct()
    )
    conditions = [
        Disbursement.enterprise_id.in_(firsts),
        Disbursement.disbursed_on >= month.first_day,
        Disbursement.disbursed_on < month.end_day,
    ]
    if recorded_until is not None:
        conditions.append(Disbursement.created_at <= recorded_until)
    count, amount = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(Disbursement.enterprise_id)),
            sum_money(Disbursement.amount_yuan),
        ).where(*conditions)
    ).one()
    return {"count": int(count or 0), "amount": to_money(amount)}


# ---------------------------------------------------------------------------------- funnel

FUNNEL_STEPS = ("requests", "matched", "applied", "approved", "disbursed")


def funnel_flags(
    applications: sa.ColumnElement[bool] | None = None,
    disbursements: sa.ColumnElement[bool] | None = None,
) -> dict[str, sa.ColumnElement[bool]]:
    """Per request: whether it has an application, an approval and a disbursement, counting
    only the applications and disbursements that meet the given conditions."""
    only_applications = () if applications is None else (applications,)
    only_disbursements = () if disbursements is None else (disbursements,)
    return {
        "applied": sa.exists().where(
            Application.request_id == FinancingRequest.id, *only_applications
        ),
        "approved": sa.exists().where(
            Application.request_id == FinancingRequest.id,
            Application.approved_amount_yuan.is_not(None),
            *only_applications,
        ),
        "disbursed": sa.exists().where(
            Application.request_id == FinancingRequest.id,
            Disbursement.application_id == Application.id,
            Disbursement.reverses_id.is_(None),
            *only_disbursements,
        ),
    }


def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows meet `condition` (zero when there are none)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def funnel(month: Month) -> list[dict]:
    """The month's requests, the requests first ranked in the month, and how many of the
    month's requests reached an application, an approval and a disbursement (up to now), with
    the conversion rate of each step."""
    flags = funnel_flags()
    row = db.session.execute(
        sa.select(
            sa.func.count(FinancingRequest.id),
            *(count_where(flags[step]) for step in FUNNEL_STEPS[2:]),
        ).where(
            FinancingRequest.created_at >= month.start_at,
            FinancingRequest.created_at < month.end_at,
        )
    ).one()
    counts = [int(value or 0) for value in row]
    return funnel_steps([counts[0], first_ranked(month), *counts[1:]])


def first_ranked(month: Month) -> int:
    """The funnel's matched step: requests a ranking first proposed products for in the month,
    whenever they were posted. A later re-ranking keeps that first time, so it never moves a
    request out of a past month."""
    first = FinancingRequest.first_ranked_at
    return int(
        db.session.scalar(
            sa.select(sa.func.count(FinancingRequest.id)).where(
                first >= month.start_at, first < month.end_at
            )
        )
        or 0
    )


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


# ------------------------------------------------------------------------------ firms served


def served_pairs(
    low: datetime,
    high: datetime,
    where: dict[str, sa.ColumnElement[bool]] | None = None,
    matches: bool = True,
) -> sa.CompoundSelect:
    """(enterprise, day-time) of every act of service in [low, high): a request, a match, a
    referral, a contact or an application (`where`: a further condition per source table)."""
    extra = where or {}

    def only(table: str) -> tuple:
        return (extra[table],) if table in extra else ()

    parts = [
        sa.select(
            FinancingRequest.enterprise_id.label("enterprise_id"),
            FinancingRequest.created_at.label("at"),
        ).where(
            FinancingRequest.created_at >= low,
            FinancingRequest.created_at < high,
            *only("financing_requests"),
        ),
        sa.select(Referral.enterprise_id, Referral.created_at).where(
            Referral.created_at >= low, Referral.created_at < high, *only("referrals")
        ),
        sa.select(ContactLog.enterprise_id, ContactLog.happened_at).where(
            ContactLog.happened_at >= low, ContactLog.happened_at < high, *only("contact_logs")
        ),
        sa.select(Application.enterprise_id, Application.submitted_at).where(
            Application.submitted_at >= low, Application.submitted_at < high, *only("applications")
        ),
    ]
    if matches:
        parts.append(match_pairs(low, high))
    return sa.union_all(*parts)


def match_pairs(low: datetime, high: datetime) -> sa.Select:
    """(enterprise, day-time) of every match made in [low, high)."""
    return (
        sa.select(FinancingRequest.enterprise_id, Match.created_at)
        .join(FinancingRequest, FinancingRequest.id == Match.request_id)
        .where(Match.created_at >= low, Match.created_at < high)
    )


def firms_served(low: datetime, high: datetime) -> int:
    """Distinct firms served in [low, high)."""
    pairs = served_pairs(low, high).subquery()
    return int(db.session.scalar(sa.select(sa.func.count(sa.distinct(pairs.c.enterprise_id)))) or 0)


# ------------------------------------------------------------------------------- specialists


def specialists(month: Month) -> list[dict]:
    """Per specialist: firms served (referrals, contacts, applications they brokered), deals
    brokered (net disbursements on their applications) and the amount, in the month."""
    return specialist_rows(specialist_firms(month), specialist_deals(month))


def specialist_work(
    low: datetime, high: datetime, where: dict[str, sa.ColumnElement[bool]] | None = None
) -> sa.CompoundSelect:
    """(specialist, enterprise, day-time) of every referral, contact and brokered application
    in [low, high) (`where`: a further condition per source table)."""
    extra = where or {}

    def only(table: str) -> tuple:
        return (extra[table],) if table in extra else ()

    return sa.union_all(
        sa.select(
            Referral.specialist_id.label("sid"),
            Referral.enterprise_id.label("eid"),
            Referral.created_at.label("at"),
        ).where(
            Referral.specialist_id.is_not(None),
            Referral.created_at >= low,
            Referral.created_at < high,
            *only("referrals"),
        ),
        sa.select(ContactLog.specialist_id, ContactLog.enterprise_id, ContactLog.happened_at).where(
            ContactLog.specialist_id.is_not(None),
            ContactLog.happened_at >= low,
            ContactLog.happened_at < high,
            *only("contact_logs"),
        ),
        sa.select(
            Application.specialist_id, Application.enterprise_id, Application.submitted_at
        ).where(
            Application.specialist_id.is_not(None),
            Application.submitted_at >= low,
            Application.submitted_at < high,
            *only("applications"),
        ),
    )


def specialist_firms(month: Month) -> dict[int, int]:
    """Distinct firms each specialist served in the month."""
    work = specialist_work(month.start_at, month.end_at).subquery()
    return dict(
        db.session.execute(
            sa.select(work.c.sid, sa.func.count(sa.distinct(work.c.eid))).group_by(work.c.sid)
        ).all()
    )


def specialist_deals(month: Month, where: Sequence = ()) -> dict[int, tuple[int, Decimal]]:
    """Net disbursements (count, amount) dated in the month on each specialist's
    applications (of the disbursements matching `where`)."""
    rows = db.session.execute(
        sa.select(
            Application.specialist_id.label("sid"),
            NET_DISBURSEMENT_COUNT.label("count"),
            sum_money(Disbursement.amount_yuan).label("amt"),
        )
        .join(Application, Application.id == Disbursement.application_id)
        .where(
            Application.specialist_id.is_not(None),
            Disbursement.disbursed_on >= month.first_day,
            Disbursement.disbursed_on < month.end_day,
            *where,
        )
        .group_by(Application.specialist_id)
    ).all()
    return {row.sid: (int(row.count or 0), to_money(row.amt)) for row in rows}


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
