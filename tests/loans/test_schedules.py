"""Schedule arithmetic: every amount to the fen, principal summing exactly to the disbursement.

Expected values are worked out by hand from the stated rule (monthly rate = annual / 12,
interest on the outstanding principal rounded half-up to the fen, the last instalment taking
the remaining principal).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from finplatform.loans.schedules import add_months, build_schedule, level_payment, penalty_interest
from finplatform.models import RepaymentKind

ANNUITY, EQUAL_PRINCIPAL = RepaymentKind.EQUAL_INSTALMENT, RepaymentKind.EQUAL_PRINCIPAL


def principals(schedule):
    return [str(line.principal) for line in schedule]


def interests(schedule):
    return [str(line.interest) for line in schedule]


def test_equal_instalments_of_100000_at_6_percent_over_a_year():
    # The textbook case: payment 8,606.64; month 1 interest 100,000 × 0.5 % = 500.00.
    schedule = build_schedule(
        RepaymentKind.EQUAL_INSTALMENT, D("100000"), D("6"), 12, date(2014, 3, 10)
    )
    assert len(schedule) == 12
    assert (schedule[0].interest, schedule[0].principal) == (D("500.00"), D("8106.64"))
    # Month 2: (100,000 − 8,106.64) × 0.5 % = 459.4668 → 459.47, principal 8,606.64 − 459.47.
    assert (schedule[1].interest, schedule[1].principal) == (D("459.47"), D("8147.17"))
    assert all(line.total == D("8606.64") for line in schedule[:-1])
    assert sum(line.principal for line in schedule) == D("100000.00")


def test_equal_instalments_with_an_odd_term_and_rate():
    # 10,000 over 7 months at 4.35 %: monthly rate 0.003625; level payment 1,449.36
    # (10,000 × r × 1.003625^7 / (1.003625^7 − 1) = 1,449.3607).
    assert level_payment(D("10000"), D("0.003625"), 7) == D("1449.36")
    schedule = build_schedule(
        RepaymentKind.EQUAL_INSTALMENT, D("10000"), D("4.35"), 7, date(2014, 1, 15)
    )
    # Month 1: interest 36.25, principal 1,413.11; month 2: 8,586.89 × r = 31.1275 → 31.13.
    assert interests(schedule)[:2] == ["36.25", "31.13"]
    assert principals(schedule)[:2] == ["1413.11", "1418.23"]
    assert sum(line.principal for line in schedule) == D("10000.00")
    # The last instalment takes the rest: 1,444.14 of principal with 5.24 interest.
    assert (schedule[-1].principal, schedule[-1].interest) == (D("1444.14"), D("5.24"))


def test_equal_principal_with_an_odd_term_and_rate():
    # 10,000 / 7 = 1,428.571… → 1,428.57 six times, the seventh 10,000 − 8,571.42 = 1,428.58.
    schedule = build_schedule(
        RepaymentKind.EQUAL_PRINCIPAL, D("10000"), D("4.35"), 7, date(2014, 1, 15)
    )
    assert principals(schedule) == ["1428.57"] * 6 + ["1428.58"]
    # Interest on 10,000; 8,571.43; 7,142.86; 5,714.29; 4,285.72; 2,857.15; 1,428.58 at 0.3625 %.
    assert interests(schedule) == ["36.25", "31.07", "25.89", "20.71", "15.54", "10.36", "5.18"]
    assert sum(line.interest for line in schedule) == D("145.00")


def test_interest_only_then_principal_at_maturity():
    # 333,333.33 at 5.6 % over 5 months: 333,333.33 × 0.0046666… = 1,555.5555 → 1,555.56 a month.
    schedule = build_schedule(
        RepaymentKind.INTEREST_ONLY, D("333333.33"), D("5.6"), 5, date(2014, 5, 20)
    )
    assert interests(schedule) == ["1555.56"] * 5
    assert principals(schedule) == ["0.00"] * 4 + ["333333.33"]


def test_bullet_pays_everything_at_maturity():
    # 500,000 at 4.8 % for 9 months: 500,000 × 0.4 % × 9 = 18,000.00, due 2014-10-09 (a Thursday).
    schedule = build_schedule(RepaymentKind.BULLET, D("500000"), D("4.8"), 9, date(2014, 1, 9))
    assert [(line.due_on, line.principal, line.interest) for line in schedule] == [
        (date(2014, 10, 9), D("500000.00"), D("18000.00"))
    ]


def test_a_zero_rate_splits_the_principal_and_charges_nothing():
    schedule = build_schedule(
        RepaymentKind.EQUAL_INSTALMENT, D("100.00"), D("0"), 3, date(2014, 1, 1)
    )
    assert principals(schedule) == ["33.33", "33.33", "33.34"]
    assert interests(schedule) == ["0.00"] * 3


def test_due_dates_keep_the_day_or_take_the_month_end():
    assert add_months(date(2014, 1, 31), 1) == date(2014, 2, 28)
    assert add_months(date(2015, 12, 31), 2) == date(2016, 2, 29)
    assert add_months(date(2014, 11, 30), 3) == date(2015, 2, 28)


def test_due_dates_roll_past_holidays_with_the_given_calendar():
    # A calendar where 2014-02-15 and 16 are holidays: the due date moves to the 17th.
    holidays = {date(2014, 2, 15), date(2014, 2, 16)}

    def roll(day):
        while day in holidays:
            day = date.fromordinal(day.toordinal() + 1)
        return day

    schedule = build_schedule(
        RepaymentKind.EQUAL_PRINCIPAL, D("300"), D("6"), 2, date(2014, 1, 15), roll
    )
    assert [line.due_on for line in schedule] == [date(2014, 2, 17), date(2014, 3, 15)]


def test_penalty_interest_charges_each_late_day_on_the_principal_still_unpaid():
    due = date(2014, 1, 31)
    # Nothing on or before the due date, nor at a zero rate.
    assert penalty_interest(D("10000"), due, [], due, D("9")) == D("0.00")
    assert penalty_interest(D("10000"), due, [], date(2014, 3, 2), D("0")) == D("0.00")
    # 4,000 paid on 10 Feb: 10 days on 10,000, then 20 days (11 Feb – 2 Mar, across the end
    # of February) on 6,000: 220,000 yuan-days × 9 % / 360 = 55.00.
    paid = [(date(2014, 2, 10), D("4000"))]
    assert penalty_interest(D("10000"), due, paid, date(2014, 3, 2), D("9")) == D("55.00")
    # A payment after the day asked about does not count yet: 30 days on 10,000 = 75.00.
    later = [(date(2014, 3, 5), D("10000"))]
    assert penalty_interest(D("10000"), due, later, date(2014, 3, 2), D("9")) == D("75.00")
    # Prepaid before the due date: no penalty at all.
    early = [(date(2014, 1, 20), D("10000"))]
    assert penalty_interest(D("10000"), due, early, date(2014, 3, 2), D("9")) == D("0.00")
    # Rounded half-up once, to the fen: 1,000 × 7.2 % × 1 / 360 = 0.20; 333.33 × 9 % × 1 / 360
    # = 0.0833325 → 0.08.
    assert penalty_interest(D("1000"), due, [], date(2014, 2, 1), D("7.2")) == D("0.20")
    assert penalty_interest(D("333.33"), due, [], date(2014, 2, 1), D("9")) == D("0.08")
