"""Repayments from an institution's file: each row recorded by the same service as the loan
page's form and the API (`loans.services.record_repayment`), so it is allocated and refused by
the same rules (penalty, interest, then principal of the oldest instalment; an amount above
what is owed, a day before the disbursement or after today in Beijing, a voided loan).

The platform's administrators run imports for any institution's loans; a row that names an
institution must name the loan's own. An institution's staff import their own institution's
loans only (`institution_routes`): the batch records who uploaded it, and a row naming any
other loan is refused as if no such loan existed, so a file reveals nothing of another bank.

Rows are checked by recording them in file order inside a savepoint that is then rolled back,
so a row is measured against what the file's earlier rows for the same loan left owing; the
file is then recorded for real (or its good rows).

Each row's idempotency key is its transaction number (流水号) within its loan, or, without one,
its day, amount and how many earlier rows of the file have the same loan, day and amount: the
same file loaded again records nothing twice.
"""

from __future__ import annotations

from flask_babel import gettext as _

from finplatform import idempotency
from finplatform.exceptions import DomainError
from finplatform.extensions import db
from finplatform.imports.natural_keys import (
    drop_duplicates,
    fetch_by,
    problem,
    resolve_institutions,
)
from finplatform.loans.services import record_repayment
from finplatform.models import Loan, User

CHANNEL = "import"
# Every administrator loading a bank's file shares one key space: the key is the bank's.
ANY_LOADER = 0
SERVICE_FIELDS = {"amount_yuan": "amount_yuan", "paid_on": "paid_on"}


def repayment_key(record: dict, occurrence: int) -> str:
    """The stored idempotency key of a row (see the module's docstring)."""
    if record.get("reference"):
        asked = "ref:" + record["reference"]
    else:
        asked = f"row:{record['paid_on']}|{record['amount_yuan']}|{occurrence}"
    return idempotency.stored_key(CHANNEL, ANY_LOADER, f"loan/{record['loan_id']}", asked)


def _with_loans(good, own_institution_id: int | None) -> tuple[list, list]:
    """Rows whose loan exists (among the uploader's institution's loans, for its staff) and,
    where the row names an institution, is that institution's."""
    loans = fetch_by(Loan, Loan.id, [record["loan_id"] for _, record in good])
    if own_institution_id is not None:
        loans = {n: loan for n, loan in loans.items() if loan.institution_id == own_institution_id}
    named = [(n, r) for n, r in good if r.get("institution") or r.get("institution_code")]
    resolved, problems = resolve_institutions(named)
    unresolved = {n for n, _ in named} - {n for n, _ in resolved}
    kept = []
    for number, record in good:
        if number in unresolved:
            continue
        loan = loans.get(record["loan_id"])
        if loan is None and own_institution_id is not None:
            reason = _("None of your institution's loans has this number.")
            problems.append(problem(number, record, "loan_id", reason))
            continue
        if loan is None:
            reason = _("No loan on the platform has this number.")
            problems.append(problem(number, record, "loan_id", reason))
            continue
        institution = record.get("_institution")
        if institution is not None and institution.id != loan.institution_id:
            reason = _("This loan is not one of %(name)s's loans.", name=institution.name)
            problems.append(problem(number, record, "loan_id", reason))
            continue
        record["_loan"] = loan
        kept.append((number, record))
    return kept, problems


def _with_keys(good) -> tuple[list, list]:
    """Each row's idempotency key; a transaction number twice in one loan is a problem."""
    seen: dict[tuple, int] = {}
    for _number, record in good:
        same = (record["loan_id"], record["paid_on"], record["amount_yuan"])
        if not record.get("reference"):
            seen[same] = seen.get(same, 0) + 1
        record["_key"] = repayment_key(record, seen.get(same, 0))
    kept, dups = drop_duplicates(good, lambda r: r["_key"])
    return kept, [problem(n, r, "reference", reason) for n, r, reason in dups]


def _record(record: dict, actor: User | None):
    return record_repayment(
        record["_loan"],
        amount_yuan=record["amount_yuan"],
        paid_on=record["paid_on"],
        actor=actor,
        idempotency_key=record["_key"],
        note=record.get("reference", ""),
    )


def _refusal(number: int, record: dict, error: DomainError):
    if isinstance(error, idempotency.KeyReused):
        reason = _(
            "This transaction number was already recorded on this loan with another day or amount."
        )
        return problem(number, record, "reference", reason)
    return problem(number, record, SERVICE_FIELDS.get(error.field, "loan_id"), str(error.message))


class RepaymentRows:
    """Repayments keyed on their transaction number (or day and amount) within their loan."""

    def check(self, good, uploader: User | None = None):
        """Rows whose loan exists (and is the uploader's institution's, for an institution's
        staff) and which the repayment service would record, in file order."""
        own = uploader.institution_id if uploader is not None else None
        good, problems = _with_loans(good, own)
        good, more = _with_keys(good)
        problems += more
        checked = []
        db.session.flush()
        trial = db.session.begin_nested()
        try:
            for number, record in good:
                try:
                    with db.session.begin_nested():
                        _record(record, actor=None)
                except DomainError as error:
                    problems.append(_refusal(number, record, error))
                else:
                    checked.append((number, record))
        finally:
            trial.rollback()
        return checked, problems

    def write(self, good, actor) -> dict:
        """Record the rows; a row already recorded by an earlier load counts as unchanged."""
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for _number, record in good:
            _repayment, created = _record(record, actor)
            counts["created" if created else "unchanged"] += 1
        db.session.flush()
        return counts
