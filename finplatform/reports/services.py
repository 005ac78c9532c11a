"""The monthly volume report (月度报告): building it, closing a month, and the rows behind a figure.

Definitions (every figure is a SQL aggregate; months are Beijing-time calendar months):
- requests: financing requests posted in the month (by created_at), count and amount asked.
- matches: products proposed for a request in the month (by created_at).
- applications: applications submitted in the month (by submitted_at); amount = the request's.
- approvals: applications decided in the month with an approved amount (by decided_at).
- rejections: applications decided in the month and rejected; amount = the request's.
- disbursements: disbursement rows dated in the month (by disbursed_on), reversal rows included:
  a reversal is negative and takes one back from the count, so the figures are net.
- financing facilitated (200亿元) and all financing (1000亿元): the net sum of disbursements.
  The platform measures only what is disbursed through it; financing arranged elsewhere is not
  seen, so "all financing" is the same platform sum, shown against the larger target.
- new credit loans (100亿元): the same sum for product kinds with is_credit_loan.
- firms with credit loans (1,000): distinct enterprises with a net positive credit-loan sum in
  the year to date.
- firms served (15,000): distinct enterprises with a request, a match, a referral, a contact log
  or an application in the year to date.
- credit-community loans (10亿元): loan disbursements to members of a credit community.
- risk guarantee pool (10亿元): funds contributed to the risk guarantee pools, by the day
  contributed; beside it, the covered book those funds back as of the month's end (the year's
  pools: covered loans and principal, covered outstanding, claims paid, recoveries, balance).
- tech-transfer fund (10亿元): equity investments disbursed by institutions of kind fund.
- tech branches, specialised institutions, credit communities: institutions of that kind
  approved in the year (and still approved).
- specialists (100): specialist accounts active at the end of the month (a level, not a flow).
- new matching platforms: not measured by the platform.
- first-time borrower (首贷户): an enterprise whose first ever disbursement falls in the month.

Closing and adjustments. An admin closes months in order (the first close may be any ended
month; each later close must be the month after the last closed one). Closing freezes the
month's report as a MonthlySnapshot: its own figures count only rows recorded up to the closing
instant, with the code version and the current model version. A frozen report never changes.
A row recorded after that instant (created_at > closed_at) whose date falls in a closed month is
an adjustment: it is reported in the first open month after the last closed one, listed apart
from that month's own figures. Adjustments dated in an earlier year are listed but do not count
towards this year's targets (that year's report is closed).

Year to date, for counts and amounts that add up month by month (requests … disbursements and
every money target): the sum over January … this month of each month's contribution, where a
closed month contributes its frozen figures plus the adjustments it reported (this year's only),
and an open month contributes its live figures plus the adjustments it reports. Because rows are
never deleted (a disbursement is corrected by a reversal row), this equals the live total; the
difference is only which month a late row is reported in. Distinct counts (firms served, firms
with credit loans, institutions, specialists) cannot be added month to month: they are counted
distinct over the year to date, and frozen as they stood when a month is closed.

"Live" is what the figures mean, not always how they are read: the summed figures of a report
as it stands are read from the facts written with each row (facts.py, reading.py), which hold
the same numbers as the queries over the source tables (measures.py, metrics.py); a closing
counts them live as of its instant. The distinct counts, the specialists' work (firsts.py), the
funnel (activity.py) and the response times (responses.py) are read from the facts in both
cases; only missing a response deadline is counted live.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from finplatform import clock
from finplatform.extensions import db
from finplatform.loans.figures import pool_year_figures
from finplatform.models import (
    Disbursement,
    Enterprise,
    MonthlySnapshot,
)
from finplatform.reports import (
    activity,
    firsts,
    measures,
    metrics,
    projections,
    reading,
    responses,
)
from finplatform.reports.measures import MEASURES, ZERO, Scope
from finplatform.reports.periods import Month

REPORT_FORMAT = "monthly-report/1"
ADJUSTMENT_ROWS_SHOWN = 200
ROOT = Path(__file__).resolve().parent.parent.parent

Progress = Callable[[int, int, str], None]


@functools.cache
def code_version() -> str:
    """`git describe` of the running code, or the report format when git is not available."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        described = ""
    return (described or REPORT_FORMAT)[:40]


# ---------------------------------------------------------------------------------- closings


def closings() -> dict[Month, datetime]:
    """Every closed month and the instant it was closed."""
    rows = db.session.execute(sa.select(MonthlySnapshot.month, MonthlySnapshot.closed_at)).all()
    return {Month.of(row.month): row.closed_at for row in rows}


def snapshot_for(month: Month) -> MonthlySnapshot | None:
    """The frozen report of a closed month, or None while it is open."""
    return db.session.scalar(
        sa.select(MonthlySnapshot).where(MonthlySnapshot.month == month.first_day)
    )


def adjustment_scope(month: Month, closed: dict[Month, datetime]) -> Scope | None:
    """The late rows `month` reports: dated in a closed month, recorded after the month before
    it was closed (and, once `month` is closed too, no later than its own closing)."""
    if month.previous not in closed:
        return None
    first_closed = min(closed)
    return Scope(
        date_from=first_closed.first_day,
        date_to=month.first_day,
        recorded_after=closed[month.previous],
        recorded_until=closed.get(month),
    )


def _this_year(scope: Scope, year: int) -> Scope:
    return Scope(
        max(scope.date_from, date(year, 1, 1)),
        scope.date_to,
        scope.recorded_after,
        scope.recorded_until,
    )


# ------------------------------------------------------------------------------ the report


def build_report(
    month: Month, *, as_of: datetime | None = None, progress: Progress | None = None
) -> dict:
    """Compute a month's report as it stands (from the facts), or as of an instant (rows
    recorded up to `as_of`, counted live); JSON-ready."""
    # A report as it stands reads the facts; one as of an instant (a closing) counts live.
    live = as_of is not None
    as_of = as_of or clock.now()
    step = progress or (lambda done, total, message: None)
    total_steps = 7
    closed = closings()
    own_scope = Scope.month(month, recorded_until=as_of)

    step(0, total_steps, "totals")
    own = {name: reading.totals(measure, own_scope, live) for name, measure in MEASURES.items()}
    step(1, total_steps, "breakdowns")
    breakdowns = reading.breakdowns(own_scope, live)
    step(2, total_steps, "adjustments")
    adjustments = _adjustments(month, closed)
    contribution = _contribution(own, reading.money_metrics(own_scope, live), adjustments)
    step(3, total_steps, "funnel and response times")
    report = {
        "format": REPORT_FORMAT,
        "month": str(month),
        "generated_at": as_of.isoformat(),
        "code_version": code_version(),
        "totals": own,
        "breakdowns": breakdowns,
        "first_time_borrowers": firsts.first_time_borrowers(month),
        "firms_served": firsts.firms_served(month),
        "funnel": activity.funnel(month),
        "response_times": responses.response_times(month, as_of),
        "adjustments": adjustments,
        "contribution": contribution,
    }
    step(4, total_steps, "specialists")
    report["specialists"] = firsts.specialists(month)
    step(5, total_steps, "year to date and targets")
    monthly = _monthly_contributions(month, closed, contribution, live)
    report["ytd"] = _year_to_date(monthly)
    report["targets"] = projections.targets(month, monthly, live)
    report["pool"] = _pool(month)
    step(6, total_steps, "series")
    report["series"] = _series(month, closed, monthly, breakdowns, live)
    step(total_steps, total_steps, "done")
    return jsonable(report)


def report_for(month: Month) -> dict:
    """The frozen report of a closed month, else the live one."""
    snapshot = snapshot_for(month)
    if snapshot is not None:
        return {**snapshot.figures, "closed": True, "closed_at": snapshot.closed_at.isoformat()}
    return {**build_report(month), "closed": False}


def _pool(month: Month) -> dict:
    """The year's risk guarantee pools as they stood at the month's last day (today, while
    the month runs)."""
    as_of = min(month.end_day - timedelta(days=1), clock.today())
    return {"as_of": as_of, **pool_year_figures(month.year, as_of)}


def _adjustments(month: Month, closed: dict[Month, datetime]) -> dict:
    scope = adjustment_scope(month, closed)
    if scope is None:
        return {"totals": {}, "this_year": {}, "rows": [], "rows_total": 0}
    this_year = _this_year(scope, month.year)
    disbursements = MEASURES["disbursements"]
    rows = db.session.execute(
        disbursements.select([Disbursement, Enterprise.name], scope)
        .join(Enterprise, Enterprise.id == Disbursement.enterprise_id)
        .order_by(Disbursement.disbursed_on, Disbursement.id)
        .limit(ADJUSTMENT_ROWS_SHOWN)
    ).all()
    has_this_year = this_year.date_from < this_year.date_to
    return {
        "totals": {name: measures.totals(measure, scope) for name, measure in MEASURES.items()},
        "this_year": {
            name: measures.totals(measure, this_year) for name, measure in MEASURES.items()
        }
        if has_this_year
        else {},
        "money_metrics_this_year": metrics.money_metrics(this_year) if has_this_year else {},
        "rows": [
            {
                "id": row.id,
                "disbursed_on": row.disbursed_on.isoformat(),
                "month": str(Month.of(row.disbursed_on)),
                "amount": row.amount_yuan,
                "reverses_id": row.reverses_id,
                "enterprise_id": row.enterprise_id,
                "enterprise_name": name,
                "product_kind": row.product_kind_code,
                "recorded_at": row.created_at.isoformat(),
                "note": row.note,
            }
            for row, name in rows
        ],
        "rows_total": db.session.scalar(
            disbursements.select([sa.func.count(Disbursement.id)], scope)
        ),
        "scope": {"from": scope.date_from.isoformat(), "to": scope.date_to.isoformat()},
    }


def _contribution(own: dict, own_money: dict, adjustments: dict) -> dict:
    """What a month adds to the year to date: its own figures + this year's adjustments."""
    added = adjustments.get("this_year", {})
    added_money = adjustments.get("money_metrics_this_year", {})
    result = {}
    for name, figures in own.items():
        extra = added.get(name, {"count": 0, "amount": None})
        amount = figures["amount"]
        if amount is not None and extra.get("amount") is not None:
            amount = Decimal(amount) + Decimal(extra["amount"])
        result[name] = {"count": figures["count"] + int(extra["count"]), "amount": amount}
    result["money_metrics"] = {
        metric: Decimal(own_money[metric]) + Decimal(added_money.get(metric, ZERO))
        for metric in metrics.MONEY_METRICS
    }
    return result


def _monthly_contributions(
    month: Month, closed: dict[Month, datetime], current: dict, live: bool
) -> dict[Month, dict]:
    """Each month's contribution to the year to date: frozen for closed months, else live."""
    frozen = {
        Month.of(row.month): row.figures
        for row in db.session.scalars(
            sa.select(MonthlySnapshot).where(
                MonthlySnapshot.month >= date(month.year, 1, 1),
                MonthlySnapshot.month < month.first_day,
            )
        )
    }
    open_months = [m for m in month.months_of_year_until()[:-1] if m not in frozen]
    sums = (
        {
            name: reading.totals_by_month(measure, open_months, live)
            for name, measure in MEASURES.items()
        }
        if open_months
        else {}
    )
    sums_money = reading.money_metrics_by_month(month.year, live) if open_months else {}
    result: dict[Month, dict] = {}
    for earlier in month.months_of_year_until()[:-1]:
        if earlier in frozen:
            result[earlier] = frozen[earlier]["contribution"]
            continue
        own = {name: sums[name][earlier] for name in MEASURES}
        own_money = {metric: values[earlier.month - 1] for metric, values in sums_money.items()}
        result[earlier] = jsonable(_contribution(own, own_money, _adjustments(earlier, closed)))
    result[month] = jsonable(current)
    return result


def _year_to_date(monthly: dict[Month, dict]) -> dict:
    ytd: dict[str, dict] = {}
    for name, measure in MEASURES.items():
        count = sum(int(figures[name]["count"]) for figures in monthly.values())
        amount = (
            sum((Decimal(figures[name]["amount"]) for figures in monthly.values()), ZERO)
            if measure.amount is not None
            else None
        )
        ytd[name] = {"count": count, "amount": amount}
    return ytd


def _series(
    month: Month,
    closed: dict[Month, datetime],
    monthly: dict[Month, dict],
    breakdowns: dict,
    live: bool,
) -> dict:
    """Monthly figures for the charts: disbursed amount by product kind and the cumulative
    money targets."""
    earlier_open = [m for m in month.months_of_year_until()[:-1] if m not in closed]
    open_rows = reading.breakdown_by_month(
        MEASURES["disbursements"], earlier_open, "product_kind", live
    )
    by_kind: dict[str, dict] = {}
    for earlier in month.months_of_year_until():
        if earlier == month:
            rows = breakdowns["disbursements"]["product_kind"]
        elif earlier in closed:
            rows = snapshot_for(earlier).figures["breakdowns"]["disbursements"]["product_kind"]
        else:
            rows = open_rows[earlier]
        for row in rows:
            entry = by_kind.setdefault(
                row["key"],
                {
                    "key": row["key"],
                    "name_zh": row["name_zh"],
                    "name_en": row["name_en"],
                    "amounts": ["0.00"] * month.month,
                },
            )
            entry["amounts"][earlier.month - 1] = str(row["amount"])
    cumulative: dict[str, list] = {}
    for metric in ("financing_facilitated", "new_credit_loans"):
        running = ZERO
        points = []
        for earlier in month.months_of_year_until():
            running += Decimal(monthly[earlier]["money_metrics"][metric])
            points.append(running)
        cumulative[metric] = points
    return {"by_kind": list(by_kind.values()), "cumulative": cumulative}


def jsonable(value):
    """The report with Decimals as strings and dates as ISO text, ready to store as JSON."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
