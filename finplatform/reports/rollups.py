"""Monthly rollups (月度汇总): the report's sums kept per ended month, so that a report reads a
few thousand small rows instead of a year of applications and disbursements.

What is kept, for every month before `RollupState.rolled_until` (months that have ended):
- `monthly_rollups`: each measure's count and amount (requests, applications, approvals,
  rejections, disbursements) in total and by product kind, institution, district and industry
  (an institution's kind is read through the breakdown by institution); each money target's
  sum; the funnel of the month's requests; the specialists' firms and deals; the response
  times; and counts of distinct firms (served, first-time borrowers, with credit loans).
- `monthly_firms`: each firm's part in the month (served; loans and their net amount; credit
  loans; loans of any loan kind), from which the distinct counts are derived and corrected.
- `rollup_firms`: the credit-community membership each firm was counted under. A firm that
  joined or left a community since is found by comparing with today's values, and the report
  corrects its rolled-up loans; `refresh_rollups(full=True)` rebuilds everything. (Districts and
  industries need no correction: requests, matches and applications are counted under the
  firm's district and industry at their date, from `finplatform.history`, which no later move
  changes; disbursements carry their own. `Coverage.moved` still lists firms that moved since.)
The product kinds' credit and loan flags are recorded with the rollups; if they change, the
rollups are not used until the next refresh (which then rebuilds them).

Late rows. The refresh records the highest id it counted in each source table (the watermark).
A row with a higher id was recorded later, whatever its date, and a report adds it live to the
rolled-up month it is dated in; a count of distinct firms is corrected firm by firm for the
firms such rows belong to. This is exact because rows are never deleted, disbursements are
never edited (a correction is a reversal row), and an application is decided once, dated when
the decision is made: a decision recorded after a refresh falls in a month that is not rolled
up yet (`SETTLE` leaves a transaction in flight at a month's end time to commit first). What
changes otherwise is tracked apart:
- a request's amount can be edited while it is open: a month with a request edited after the
  refresh (`updated_at`) counts its requests live;
- the funnel of a month's requests moves on as they are applied to, approved and paid out:
  the requests that reached a step since the refresh (new applications and disbursements,
  approval events) are added to the rolled-up counts;
- response times are medians, and a specialist's firms a distinct count: a month with an
  application event, or a specialist's work, recorded since the refresh is computed live;
- matches are replaced when open requests are re-ranked (deleted and inserted again), and a
  deletion leaves nothing for a watermark to find: matches are never rolled up.

Refreshing (refresh.py). `refresh_rollups()` rolls up the months that ended since the last
refresh and recomputes those that rows or events recorded since then bear on, then moves the
watermarks; run again, it finds nothing to do. The monthly report job, closing a month,
`flask seed demo`, imports and `flask report refresh` call it. The watermarks are read under
SHARE locks on PostgreSQL (a write lock on SQLite): writes in flight finish first, so no row
below a watermark can appear later; the locks go as soon as the marks are read (a savepoint is
rolled back), and the rest of the refresh counts only rows up to the marks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    CommunityMembership,
    ContactLog,
    Disbursement,
    Enterprise,
    FinancingRequest,
    MonthlyRollup,
    ProductKind,
    Referral,
    RollupFirm,
    RollupState,
)
from finplatform.reports.measures import Measure, Scope
from finplatform.reports.periods import REPORT_TZ, Month, local_midnight

STATE_ID = 1
SETTLE = timedelta(minutes=15)
# The tables rolled up, in the order the platform writes them (and the refresh locks them).
SOURCES: dict[str, type] = {
    "financing_requests": FinancingRequest,
    "applications": Application,
    "application_events": ApplicationEvent,
    "disbursements": Disbursement,
    "referrals": Referral,
    "contact_logs": ContactLog,
}
# The column dating each act of service (matches aside: they are never rolled up).
SERVED_DATES = {
    "financing_requests": FinancingRequest.created_at,
    "applications": Application.submitted_at,
    "referrals": Referral.created_at,
    "contact_logs": ContactLog.happened_at,
}


# ------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Months:
    """Rolled-up months [low, high) a figure reads from the rollups, less `excluded`."""

    low: date
    high: date
    excluded: tuple[date, ...] = ()

    def conditions(self, column) -> list[sa.ColumnElement[bool]]:
        """WHERE conditions selecting these months in a rollup table's month column."""
        found = [column >= self.low, column < self.high]
        if self.excluded:
            found.append(column.not_in(self.excluded))
        return found


@dataclass(frozen=True)
class Split:
    """A figure's months read from the rollups, and the condition on the source rows that
    must still be read live (None: every row in scope)."""

    rolled: Months | None
    live: sa.ColumnElement[bool] | None

    @property
    def where(self) -> tuple:
        """The live condition as a `where` sequence."""
        return () if self.live is None else (self.live,)


@dataclass(frozen=True)
class Coverage:
    """What the rollups hold, as a report reads them."""

    until: date
    marks: dict[str, int]
    # A figure counting rows recorded up to an instant before this cannot use the rollups.
    ready_at: datetime
    # Rolled-up months whose requests were edited after the refresh.
    stale_requests: tuple[date, ...] = ()
    # Firms whose district or industry is not the one they were counted under.
    moved: tuple[int, ...] = ()
    # Firms that joined or left a credit community since they were counted.
    rejoined: tuple[int, ...] = ()

    def mark(self, source: str) -> int:
        """The last id of a source table the rollups counted."""
        return self.marks.get(source, 0)

    def usable(self, recorded_until: datetime | None) -> bool:
        """Whether a figure of rows recorded up to `recorded_until` can use the rollups."""
        return recorded_until is None or recorded_until >= self.ready_at

    def rolls(self, month: Month) -> bool:
        """Whether `month` is rolled up."""
        return month.first_day < self.until

    def split(self, measure: Measure, scope: Scope) -> Split:
        """Which of a measure's months in `scope` come from the rollups, and which rows live."""
        if (
            measure.source is None
            or scope.recorded_after is not None
            or not self.usable(scope.recorded_until)
            or scope.date_from is None
            or scope.date_from >= self.until
        ):
            return Split(None, None)
        high = min(scope.date_to, self.until)
        stale = tuple(
            day
            for day in (self.stale_requests if measure.source == "financing_requests" else ())
            if scope.date_from <= day < high
        )
        return Split(
            Months(scope.date_from, high, stale),
            self.recent(measure.source, measure.date_column, measure.is_date, scope.date_to, stale),
        )

    def recent(
        self, source: str, column, is_date: bool, date_to: date, stale: Iterable[date] = ()
    ) -> sa.ColumnElement[bool]:
        """Rows of `source` a report reads live: recorded after the refresh, dated after the
        rolled-up months (when the figure reaches past them), or in a stale month."""

        def bound(day: date):
            return day if is_date else local_midnight(day)

        parts = [SOURCES[source].id > self.mark(source)]
        if date_to > self.until:
            parts.append(column >= bound(self.until))
        parts += [
            sa.and_(column >= bound(day), column < bound(Month.of(day).end_day)) for day in stale
        ]
        return sa.or_(*parts)


def approved_since(mark: int) -> sa.ColumnElement[bool]:
    """Whether an application was approved by a status event recorded after `mark`."""
    return sa.exists().where(
        ApplicationEvent.application_id == Application.id,
        ApplicationEvent.id > mark,
        ApplicationEvent.to_status == ApplicationStatus.APPROVED.value,
    )


def kind_flags() -> dict[str, list[str]]:
    """The product kinds counted as credit loans and as loans: the definitions the rollups
    are made with."""
    rows = db.session.execute(
        sa.select(ProductKind.code, ProductKind.is_credit_loan, ProductKind.is_loan).order_by(
            ProductKind.code
        )
    ).all()
    return {
        "credit": [row.code for row in rows if row.is_credit_loan],
        "loan": [row.code for row in rows if row.is_loan],
    }


def is_member(enterprise_id) -> sa.ColumnElement[bool]:
    """Whether a firm belongs to a credit community today."""
    return sa.exists().where(CommunityMembership.enterprise_id == enterprise_id)


def coverage() -> Coverage | None:
    """What the rollups hold now, or None when there are none (or their definitions changed)."""
    state = db.session.get(RollupState, STATE_ID)
    if state is None or state.kinds != kind_flags():
        return None
    until_at = local_midnight(state.rolled_until)
    stale = db.session.scalars(
        sa.select(type_as_date(month_start(FinancingRequest.created_at)))
        .where(
            FinancingRequest.updated_at > state.refreshed_at - SETTLE,
            FinancingRequest.created_at < until_at,
        )
        .distinct()
    ).all()
    moved = set(state.moved) | set(
        db.session.scalars(moved_firms(Enterprise.updated_at > state.refreshed_at - SETTLE))
    )
    counted = set(db.session.scalars(sa.select(RollupFirm.enterprise_id).where(RollupFirm.member)))
    members = set(db.session.scalars(sa.select(CommunityMembership.enterprise_id)))
    return Coverage(
        until=state.rolled_until,
        marks={name: int(mark) for name, mark in state.watermarks.items()},
        ready_at=max(state.recorded_max or until_at, until_at),
        stale_requests=tuple(sorted(stale)),
        moved=tuple(sorted(moved)),
        rejoined=tuple(sorted(counted ^ members)),
    )


def moved_firms(*conditions) -> sa.Select:
    """Firms whose district or industry is not the one the rollups count them under."""
    S = RollupFirm
    return (
        sa.select(S.enterprise_id)
        .join(Enterprise, Enterprise.id == S.enterprise_id)
        .where(
            sa.or_(
                S.district_code != Enterprise.district_code,
                S.industry_code != Enterprise.industry_code,
            ),
            *conditions,
        )
    )


def month_start(column, is_date: bool = False) -> sa.ColumnElement:
    """The first day of the Beijing-time month a date or a UTC timestamp falls in."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = (
            sa.cast(column, sa.DateTime)
            if is_date
            else sa.func.timezone(sa.literal_column(f"'{REPORT_TZ.key}'"), column)
        )
        return sa.cast(sa.func.date_trunc(sa.literal_column("'month'"), local), sa.Date)
    if is_date:
        return sa.func.date(column, sa.literal_column("'start of month'"))
    # SQLite keeps UTC text; Beijing has kept UTC+8 all year round since 1991.
    return sa.func.date(
        column, sa.literal_column("'+8 hours'"), sa.literal_column("'start of month'")
    )


def type_as_date(expression) -> sa.ColumnElement[date]:
    """An SQL date expression read back as a Python date on every database."""
    return sa.type_coerce(expression, sa.Date)


def rolled_value(measure: str, dimension: str, month: Month, key: str = "") -> tuple:
    """(count, amount) of one rollup row, zero when there is none."""
    row = db.session.execute(
        sa.select(MonthlyRollup.count, MonthlyRollup.amount).where(
            MonthlyRollup.measure == measure,
            MonthlyRollup.dimension == dimension,
            MonthlyRollup.month == month.first_day,
            MonthlyRollup.key == key,
        )
    ).first()
    return (int(row.count), row.amount) if row else (0, None)


def month_number(month_day) -> sa.ColumnElement[int]:
    """The month number (1–12) of a date."""
    return sa.cast(sa.extract("month", month_day), sa.Integer)
