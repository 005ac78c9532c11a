"""When would the pool run out? A month-by-month projection of the covered book.

Assumptions (shown with every forecast):
- The covered book is the pool's live registrations as of the forecast day, by delinquency
  state: current (0 days past due), 1–30, 31–90; 90+ days past due becomes a claim.
- Roll rates are measured on the history: for each month end in the window (the twelve months
  before the forecast day), every live covered loan's state then and a month later, weighted
  by its outstanding principal; a loan repaid or settled counts as current.
- Current loans amortise as their schedules say (the book's scheduled principal per month);
  delinquent ones do not.
- Principal rolling into 90+ is claimed at the book's average cover ratio, paid that month;
  recoveries come back at the measured rate (the pool's recovered share / claims paid) six
  months later. No new registrations and no new contributions.
- Under stress, the roll rate out of current (current → 1–30) is multiplied by the factor the
  commission sets (at most 1 in total), the rest of current staying current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from finplatform.extensions import db
from finplatform.loans import pool as funds
from finplatform.loans.figures import pools_of
from finplatform.loans.positions import PositionBook, positions
from finplatform.loans.schedules import add_months
from finplatform.models import CoverRegistration, Instalment, Loan, PoolMember

STATES = ("current", "1-30", "31-90", "90+")
RECOVERY_LAG_MONTHS = 6
WINDOW_MONTHS = 12


def state_of(days_past_due: int) -> int:
    """The delinquency state (index into STATES) of a number of days past due."""
    if days_past_due <= 0:
        return 0
    if days_past_due <= 30:
        return 1
    return 2 if days_past_due <= 90 else 3


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    return add_months(day.replace(day=1), 1) - timedelta(days=1)


@dataclass
class Forecast:
    """A projection: per month (month end, claims, recoveries, balance) and the assumptions."""

    as_of: date
    stress: float
    matrix: list[list[float]]
    recovery_rate: float
    cover_ratio: float
    book: list[float]
    months: list[tuple[date, float, float, float]] = field(default_factory=list)

    @property
    def runs_out(self) -> date | None:
        """The first month end whose projected balance is below zero, if any."""
        return next((month for month, _c, _r, balance in self.months if balance < 0), None)


def _registered(pool_ids: list[int], as_of: date) -> list[tuple[Loan, CoverRegistration]]:
    """Registrations of the pools made by `as_of` and not withdrawn by then, with their loans."""
    rows = db.session.execute(
        sa.select(Loan, CoverRegistration)
        .join(CoverRegistration, CoverRegistration.loan_id == Loan.id)
        .where(
            CoverRegistration.pool_id.in_(pool_ids),
            CoverRegistration.registered_on <= as_of,
            sa.or_(
                CoverRegistration.withdrawn_on.is_(None), CoverRegistration.withdrawn_on > as_of
            ),
        )
        .order_by(Loan.id)
    ).all()
    return [(loan, registration) for loan, registration in rows]


def _in_book(loan: Loan, registration: CoverRegistration, day: date) -> bool:
    """Whether the registration exposed the pool on `day` (registered, not yet paid out)."""
    written_off = loan.written_off_on is not None and loan.written_off_on <= day
    return registration.registered_on <= day and not written_off


def measure_roll_rates(pool_ids: list[int], as_of: date) -> list[list[float]]:
    """State-to-state monthly roll rates (rows: from; columns: to), principal-weighted, over
    the window's month ends; a row with no history keeps its loans where they are."""
    registered = _registered(pool_ids, as_of)
    book = PositionBook([loan for loan, _ in registered])
    weights = [[0.0] * 4 for _ in range(3)]
    end = month_end(add_months(as_of, -WINDOW_MONTHS))
    while month_end(add_months(end, 1)) <= as_of:
        following = month_end(add_months(end, 1))
        live = [loan for loan, reg in registered if _in_book(loan, reg, end)]
        before = book.at(end, live)
        after = {p.loan.id: p for p in book.at(following, live)}
        for position in before:
            start = state_of(position.days_past_due)
            if start == 3 or position.outstanding_principal <= 0:
                continue
            then = after[position.loan.id]
            weights[start][state_of(then.days_past_due)] += float(position.outstanding_principal)
        end = following
    matrix = []
    for start, row in enumerate(weights):
        total = sum(row)
        matrix.append([w / total for w in row] if total else [float(i == start) for i in range(4)])
    return matrix


def _scheduled_runoff(loans: list[Loan], as_of: date, months: int) -> list[float]:
    """Per future month, the share of the book's principal its schedules repay that month."""
    ids = [loan.id for loan in loans]
    due = db.session.execute(
        sa.select(Instalment.due_on, Instalment.principal_yuan).where(
            Instalment.loan_id.in_(ids), Instalment.due_on > as_of
        )
    ).all()
    by_month = [0.0] * months
    for day, principal in due:
        index = (day.year - as_of.year) * 12 + day.month - as_of.month - 1
        if 0 <= index < months:
            by_month[index] += float(principal)
    remaining = sum(float(p) for _, p in due)
    shares = []
    for amount in by_month:
        shares.append(amount / remaining if remaining > 0 else 0.0)
        remaining -= amount
    return shares


def project(
    book: list[float],
    matrix: list[list[float]],
    runoff: list[float],
    balance: float,
    cover_ratio: float,
    recovery_rate: float,
    stress: float = 1.0,
) -> list[tuple[float, float, float]]:
    """(claims, recoveries, balance) per month from a book of [current, 1–30, 31–90]."""
    rows = [list(row) for row in matrix]
    out_of_current = min(rows[0][1] * stress, 1.0)
    rows[0] = [1.0 - out_of_current, out_of_current, 0.0, 0.0]
    exposure, claims, result = list(book), [], []
    for month, share in enumerate(runoff):
        exposure[0] *= 1.0 - share
        moved = [sum(exposure[s] * rows[s][t] for s in range(3)) for t in range(4)]
        exposure = moved[:3]
        claims.append(moved[3] * cover_ratio)
        lagged = month - RECOVERY_LAG_MONTHS
        recovered = claims[lagged] * recovery_rate if lagged >= 0 else 0.0
        balance += recovered - claims[-1]
        result.append((claims[-1], recovered, balance))
    return result


def forecast(year: int, as_of: date, stress: float = 1.0, months: int = 36) -> Forecast:
    """Project the year's pools from `as_of`, at the measured roll rates times `stress`."""
    return forecast_pools([pool.id for pool in pools_of(year)], as_of, stress, months)


def forecast_pools(
    pool_ids: list[int], as_of: date, stress: float = 1.0, months: int = 36
) -> Forecast:
    """Project the given pools together from `as_of` (see the module's assumptions)."""
    book_rows = [
        (loan, reg) for loan, reg in _registered(pool_ids, as_of) if _in_book(loan, reg, as_of)
    ]
    loans = [loan for loan, _ in book_rows]
    book = [0.0, 0.0, 0.0]
    ratio_weighted = 0.0
    for position, (_loan, registration) in zip(positions(loans, as_of), book_rows, strict=True):
        state = state_of(position.days_past_due)
        exposure = float(min(position.outstanding_principal, registration.covered_principal_yuan))
        if state < 3:
            book[state] += exposure
        member = db.session.get(PoolMember, registration.member_id)
        ratio_weighted += exposure * float(member.cover_ratio)
    cover_ratio = ratio_weighted / sum(book) if sum(book) else 0.5
    paid = sum(float(funds.claims_paid(i, as_of)) for i in pool_ids)
    recovered = sum(float(funds.recovered(i, as_of)) for i in pool_ids)
    balance = sum(float(funds.balance(i, as_of)) for i in pool_ids)
    result = Forecast(
        as_of=as_of,
        stress=stress,
        matrix=measure_roll_rates(pool_ids, as_of) if pool_ids else [],
        recovery_rate=recovered / paid if paid else 0.0,
        cover_ratio=cover_ratio,
        book=book,
    )
    if not pool_ids:
        return result
    runoff = _scheduled_runoff(loans, as_of, months)
    rows = project(book, result.matrix, runoff, balance, cover_ratio, result.recovery_rate, stress)
    result.months = [
        (month_end(add_months(as_of, index + 1)), claims, recoveries, left)
        for index, (claims, recoveries, left) in enumerate(rows)
    ]
    return result
