"""What the scorecard reads from the database: a firm's records and attributes on a day, and
the loans whose serious-delinquency outcome is known by a day.

A loan's outcome is serious delinquency when, twelve months after disbursement, it is 90 days
or more past due or written off (`finplatform.loans.outcomes`); a loan disbursed less than
twelve months before the day has no outcome yet and is not learned from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa

from finplatform import clock
from finplatform.credit.scorecard import Observed, observe
from finplatform.extensions import db
from finplatform.history.reading import firm_attributes_at
from finplatform.loans.outcomes import RepaymentOutcome, loan_outcome
from finplatform.loans.positions import PositionBook
from finplatform.models import CreditRecord, Enterprise, Loan

OUTCOME_DAYS = 365
CHUNK = 1000


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    ordered = sorted(set(ids))
    return [ordered[start : start + CHUNK] for start in range(0, len(ordered), CHUNK)]


def records_by_firm(firm_ids: Iterable[int], on: date) -> dict[int, list[CreditRecord]]:
    """Each firm's records dated on or before `on`."""
    found: dict[int, list[CreditRecord]] = defaultdict(list)
    for chunk in _chunks(firm_ids):
        query = (
            sa.select(CreditRecord)
            .where(CreditRecord.enterprise_id.in_(chunk), CreditRecord.as_of <= on)
            .order_by(CreditRecord.as_of, CreditRecord.id)
        )
        for record in db.session.scalars(query):
            found[record.enterprise_id].append(record)
    return found


def attributes_at(firm_ids: Iterable[int], on: date) -> dict[int, dict]:
    """Each firm's founding day, revenue and employees as they held at the end of `on`."""
    ids = sorted(set(firm_ids))
    founded: dict[int, date | None] = {}
    for chunk in _chunks(ids):
        query = sa.select(Enterprise.id, Enterprise.founded_on).where(Enterprise.id.in_(chunk))
        founded.update((firm_id, day) for firm_id, day in db.session.execute(query))
    end = clock.beijing_instant(on, time(23, 59, 59))
    snapshots = firm_attributes_at(db.session, ids, end)
    return {
        firm_id: {
            "founded_on": founded.get(firm_id),
            "revenue_yuan": snapshot.revenue_yuan,
            "employees": snapshot.employees,
        }
        for firm_id, snapshot in snapshots.items()
    }


def observed_at(firm_ids: Iterable[int], on: date) -> dict[int, dict[str, Observed]]:
    """Every feature of each firm on `on`."""
    ids = sorted(set(firm_ids))
    records = records_by_firm(ids, on)
    attributes = attributes_at(ids, on)
    return {
        firm_id: observe(records.get(firm_id, []), attributes.get(firm_id, {}), on)
        for firm_id in ids
    }


@dataclass
class LabelledLoan:
    """A loan the scorecard can learn from: its firm, day, features and outcome."""

    loan_id: int
    enterprise_id: int
    disbursed_on: date
    observed: dict[str, Observed]
    defaulted: bool


def labelled_loans(known_by: date) -> list[LabelledLoan]:
    """Loans disbursed at least twelve months before `known_by`, with the features the firm
    showed the day before disbursement and whether the loan was seriously delinquent twelve
    months after it, oldest first."""
    loans = list(
        db.session.scalars(
            sa.select(Loan)
            .where(
                Loan.voided_on.is_(None),
                Loan.disbursed_on <= known_by - timedelta(days=OUTCOME_DAYS),
            )
            .order_by(Loan.disbursed_on, Loan.id)
        )
    )
    book = PositionBook(loans)
    by_day: dict[date, list[Loan]] = defaultdict(list)
    for loan in loans:
        by_day[loan.disbursed_on + timedelta(days=OUTCOME_DAYS)].append(loan)
    outcome: dict[int, bool] = {}
    for day, due in by_day.items():
        for loan, position in zip(due, book.at(day, due), strict=True):
            outcome[loan.id] = loan_outcome(position) == RepaymentOutcome.DEFAULTED
    labelled = []
    firms_by_day: dict[date, set[int]] = defaultdict(set)
    for loan in loans:
        firms_by_day[loan.disbursed_on - timedelta(days=1)].add(loan.enterprise_id)
    seen = {day: observed_at(firms, day) for day, firms in firms_by_day.items()}
    for loan in loans:
        day = loan.disbursed_on - timedelta(days=1)
        labelled.append(
            LabelledLoan(
                loan.id,
                loan.enterprise_id,
                loan.disbursed_on,
                seen[day][loan.enterprise_id],
                outcome[loan.id],
            )
        )
    return labelled
