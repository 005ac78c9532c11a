"""Repayment schedules (还款计划): the arithmetic, without the database or Flask.

Day count and rounding, stated once:
- Interest accrues by month: the monthly rate is the annual rate / 12 (each instalment period
  counts as one twelfth of a year whatever its number of days), as Chinese banks quote
  等额本息 and 等额本金 schedules.
- Every amount is rounded half-up to the fen when it is computed. The level payment of an
  equal-instalment loan is rounded once; each month's interest is the rounded interest on the
  principal still outstanding; the last instalment takes whatever principal remains, so the
  principal of a schedule always sums exactly to the amount disbursed.
- Due dates fall on the disbursement's day of the month (the month's last day when it has no
  such day), and a due date that is not a working day rolls to the next working day
  (节假日顺延). The roll moves the date only, not the interest.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext

from finplatform.models.loans import RepaymentKind

FEN = Decimal("0.01")
MONTHS_A_YEAR = 12


@dataclass(frozen=True)
class PlannedInstalment:
    """One line of a schedule: what falls due on `due_on`."""

    number: int
    due_on: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        """Principal plus interest."""
        return self.principal + self.interest


def to_fen(value: Decimal) -> Decimal:
    """`value` rounded half-up to the fen."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // MONTHS_A_YEAR, month_index % MONTHS_A_YEAR + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def monthly_rate(annual_percent: Decimal) -> Decimal:
    """The monthly rate as a fraction (5.6 % a year → 0.0046666…)."""
    with localcontext() as context:
        context.prec = 40
        return Decimal(annual_percent) / 100 / MONTHS_A_YEAR


def level_payment(principal: Decimal, rate: Decimal, term: int) -> Decimal:
    """The equal monthly payment of an annuity, rounded to the fen."""
    if rate == 0:
        return to_fen(principal / term)
    with localcontext() as context:
        context.prec = 40
        growth = (1 + rate) ** term
        return to_fen(principal * rate * growth / (growth - 1))


def _principal_parts(kind: RepaymentKind, principal: Decimal, rate: Decimal, term: int):
    """Yield (principal part, interest part) per month, the last taking what remains."""
    outstanding = principal
    payment = level_payment(principal, rate, term)
    for number in range(1, term + 1):
        interest = to_fen(outstanding * rate)
        last = number == term
        if kind is RepaymentKind.EQUAL_INSTALMENT:
            part = outstanding if last else min(payment - interest, outstanding)
        elif kind is RepaymentKind.EQUAL_PRINCIPAL:
            part = outstanding if last else min(to_fen(principal / term), outstanding)
        else:
            part = outstanding if last else Decimal("0.00")
        outstanding -= part
        yield part, interest


def build_schedule(
    kind: RepaymentKind,
    principal: Decimal,
    annual_rate_percent: Decimal,
    term_months: int,
    disbursed_on: date,
    roll: Callable[[date], date] = lambda day: day,
) -> list[PlannedInstalment]:
    """The instalments of a loan; `roll` moves a due date to a working day."""
    if Decimal(principal) <= 0 or Decimal(principal) != to_fen(Decimal(principal)):
        raise ValueError("principal must be a positive amount in fen")
    principal = to_fen(Decimal(principal))
    if term_months < 1:
        raise ValueError("term must be at least one month")
    kind = RepaymentKind(kind)
    rate = monthly_rate(Decimal(annual_rate_percent))
    if kind is RepaymentKind.BULLET:
        interest = to_fen(principal * rate * term_months)
        due = roll(add_months(disbursed_on, term_months))
        return [PlannedInstalment(1, due, principal, interest)]
    return [
        PlannedInstalment(number, roll(add_months(disbursed_on, number)), part, interest)
        for number, (part, interest) in enumerate(
            _principal_parts(kind, principal, rate, term_months), start=1
        )
    ]


def penalty_interest(
    principal: Decimal,
    due_on: date,
    principal_paid: list[tuple[date, Decimal]],
    as_of: date,
    annual_penalty_percent: Decimal,
) -> Decimal:
    """Penalty interest (罚息) accrued on one instalment's principal by `as_of`.

    Each calendar day after the (rolled) due date up to and including `as_of` charges the
    principal still unpaid at the end of the day before, at the annual penalty rate / 360
    (actual/360): so a payment on day p stops the charge on what it paid from day p + 1, and an
    instalment repaid in full k days late is charged k days. Overdue interest bears no penalty.
    The sum is exact and rounded half-up to the fen once, per instalment."""
    if as_of <= due_on or annual_penalty_percent <= 0:
        return Decimal("0.00")
    unpaid, day, total = Decimal(principal), due_on, Decimal(0)
    for paid_on, amount in sorted(principal_paid):
        if paid_on > as_of:
            break
        if paid_on > day:
            total += unpaid * (paid_on - day).days
            day = paid_on
        unpaid -= amount
    total += max(unpaid, Decimal(0)) * (as_of - day).days
    with localcontext() as context:
        context.prec = 40
        return to_fen(total * Decimal(annual_penalty_percent) / 100 / 360)
