"""The list an institution picks a rejection reason from (plus free text)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

REJECT_REASONS = {
    "revenue_too_low": _l("Revenue or cash flow too low for the amount"),
    "credit_history": _l("Credit history does not meet our standard"),
    "collateral_insufficient": _l("Collateral or guarantee insufficient"),
    "outside_policy": _l("Industry or purpose outside our lending policy"),
    "documents_incomplete": _l("Documents incomplete or not verifiable"),
    "amount_too_high": _l("Requested amount too high for the firm's size"),
    "other": _l("Other (see note)"),
}


def reject_reason_label(code: str | None) -> str:
    """The reason's label in the current language (the code itself if unknown)."""
    if code is None:
        return ""
    label = REJECT_REASONS.get(code)
    return str(label) if label is not None else code


def reject_reason_choices() -> list[SelectChoice]:
    """The reasons as select choices, after an empty "please choose"."""
    return [SelectChoice("", "—")] + [
        SelectChoice(code, label) for code, label in REJECT_REASONS.items()
    ]
