"""Labels of loans after disbursement and of the risk guarantee pool: repayment kinds, loan
statuses, cover registrations and claims."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "repayment_kind": {
        "equal_instalment": _l("Equal instalments (principal and interest)"),
        "equal_principal": _l("Equal principal"),
        "interest_only": _l("Interest monthly, principal at maturity"),
        "bullet": _l("Principal and interest at maturity"),
    },
    "loan_status": {
        "current": _l("Current"),
        "overdue": _l("Overdue"),
        "settled": _l("Settled"),
        "written_off": _l("Written off"),
        "voided": _l("Voided (disbursement reversed)"),
    },
    "claim_status": {
        "filed": _l("Filed, awaiting review"),
        "approved": _l("Approved, awaiting payout"),
        "rejected": _l("Rejected"),
        "paid": _l("Paid"),
    },
    "claim_decision": {
        "approve": _l("Approve"),
        "approve_less": _l("Approve a smaller amount"),
        "reject": _l("Reject"),
    },
    "delinquency_state": {
        "current": _l("Current"),
        "1-30": _l("1–30 days past due"),
        "31-90": _l("31–90 days past due"),
        "90+": _l("Over 90 days past due"),
    },
}
