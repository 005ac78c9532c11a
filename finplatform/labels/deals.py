"""Labels of the deals' enumerations: statuses of requests, applications and offers, rejection
reasons, how a product was ranked, and a specialist's brokering work."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    "request_status": {
        "open": _l("Open"),
        "fulfilled": _l("Fulfilled"),
        "withdrawn": _l("Withdrawn"),
        "expired": _l("Expired"),
    },
    "application_status": {
        "submitted": _l("Submitted"),
        "in_review": _l("In review"),
        "awaiting_firm": _l("Awaiting the firm's acceptance"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "disbursed": _l("Disbursed"),
        "withdrawn": _l("Withdrawn"),
        "expired": _l("Expired"),
    },
    "offer_status": {
        "open": _l("Awaiting the firm's answer"),
        "accepted": _l("Accepted"),
        "declined": _l("Declined"),
        "withdrawn": _l("Withdrawn"),
    },
    # The list an institution picks from when it rejects an application (plus a free note).
    "reject_reason": {
        "revenue_too_low": _l("Revenue or cash flow too low for the amount"),
        "credit_history": _l("Credit history does not meet our standard"),
        "collateral_insufficient": _l("Collateral or guarantee insufficient"),
        "outside_policy": _l("Industry or purpose outside our lending policy"),
        "documents_incomplete": _l("Documents incomplete or not verifiable"),
        "amount_too_high": _l("Requested amount too high for the firm's size"),
        "other": _l("Other (see note)"),
    },
    "document_kind": {
        "business_licence": _l("Business licence"),
        "financial_statements": _l("Financial statements"),
        "qualification": _l("Qualification certificate"),
        "patent_certificate": _l("Patent certificate"),
    },
    "document_request_status": {
        "open": _l("Waiting for the firm"),
        "fulfilled": _l("Provided"),
    },
    "match_source": {
        "model": _l("Ranking model"),
        "rule": _l("Rule score"),
    },
    "referral_kind": {
        "recommend_product": _l("Recommended a product"),
        "refer_to_institution": _l("Referred to an institution"),
    },
    "contact_channel": {
        "visit": _l("Visit"),
        "call": _l("Call"),
        "meeting": _l("Meeting"),
        "other": _l("Other"),
    },
}
