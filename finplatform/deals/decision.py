"""What an institution reads beside an application before deciding (审批参考): what is asked
against the product's terms, the firm's history with this institution and on the platform
(applications, decisions, loans and how they are being repaid), and the ranking's approval
likelihood for this firm at this product. The credit profile and documents come from their
own features, under the firm's authorisation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from finplatform import clock
from finplatform.extensions import db
from finplatform.loans.positions import loan_position
from finplatform.models import (
    Application,
    ApplicationStatus,
    Disbursement,
    Loan,
    LoanStatus,
    Role,
    User,
)
from finplatform.ranking.service import approval_likelihood

S = ApplicationStatus
OUTCOMES = {
    "approved": (S.APPROVED, S.DISBURSED),
    "rejected": (S.REJECTED,),
    "withdrawn": (S.WITHDRAWN, S.EXPIRED),
    "open": (S.SUBMITTED, S.IN_REVIEW, S.AWAITING_FIRM),
}
"""The platform summary's groups of application status."""
EARLIER_SHOWN = 20


@dataclass(frozen=True)
class TermCheck:
    """One line of the terms table: what the firm asks and whether the product allows it."""

    name: str
    within: bool | None  # None when the firm states nothing (no highest rate)


def terms_checks(application: Application) -> dict[str, TermCheck]:
    """Amount, term and rate as asked, each checked against the product's range."""
    product, request = application.product, application.request
    amount, term, max_rate = application.amount_yuan, request.term_months, request.max_rate
    return {
        "amount": TermCheck("amount", product.amount_min_yuan <= amount <= product.amount_max_yuan),
        "term": TermCheck("term", product.term_min_months <= term <= product.term_max_months),
        # The firm states the highest rate it accepts: the product fits if its lowest rate does.
        "rate": TermCheck("rate", None if max_rate is None else product.rate_min <= max_rate),
    }


def _loan_statuses(enterprise_id: int) -> dict[int, LoanStatus]:
    """Application id → status today of the loan paid out on it (voided loans left out)."""
    today = clock.today()
    rows = db.session.execute(
        sa.select(Disbursement.application_id, Loan)
        .join(Loan, Loan.disbursement_id == Disbursement.id)
        .where(Loan.enterprise_id == enterprise_id)
    ).all()
    statuses = {}
    for application_id, loan in rows:
        status = loan_position(loan, today).status
        if status != LoanStatus.VOIDED:
            statuses[application_id] = status
    return statuses


def firm_history(application: Application) -> dict:
    """The firm's earlier applications to this institution (newest first, with their loan's
    status), and its record on the whole platform as counts: applications by outcome and
    loans by repayment status. Other institutions are not named."""
    loans = _loan_statuses(application.enterprise_id)
    earlier = db.session.scalars(
        sa.select(Application)
        .where(
            Application.enterprise_id == application.enterprise_id,
            Application.institution_id == application.institution_id,
            Application.id != application.id,
        )
        .order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(EARLIER_SHOWN)
    ).all()
    statuses = Counter(
        db.session.scalars(
            sa.select(Application.status).where(
                Application.enterprise_id == application.enterprise_id,
                Application.id != application.id,
            )
        )
    )
    platform = {
        group: sum(statuses[status] for status in members) for group, members in OUTCOMES.items()
    }
    platform["applications"] = sum(statuses.values())
    return {
        "earlier": [(item, loans.get(item.id)) for item in earlier],
        "platform": platform,
        "loans": Counter(status.value for status in loans.values()),
    }


def decision_context(application: Application, user: User) -> dict:
    """For the institution's officer: the terms table, the firm's history and the ranking's
    approval likelihood (percent, one decimal; None under the rule score)."""
    if user.role != Role.INSTITUTION:
        return {}
    probability, source = approval_likelihood(application.request, application.product_id)
    return {
        "terms_checks": terms_checks(application),
        "firm_history": firm_history(application),
        "likelihood": None if probability is None else round(probability * 100.0, 1),
        "likelihood_source": source,
    }
