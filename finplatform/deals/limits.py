"""Approval limits: the terms an institution grants are checked against the product's amount,
term and rate ranges and the firm's highest acceptable rate.

Terms outside them are not refused: the officer gives a reason and the firm decides whether to
take them (see `deals.acceptance`). Each broken limit is kept as {"rule", "limit"} with the
limit as a plain number (yuan, months or percent), so its sentence is written in the reader's
language when shown.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from finplatform.models import Application
from finplatform.money import format_amount, format_number

BREACH_SENTENCES = {
    "amount_min": _l("Below the product's minimum amount of %(limit)s"),
    "amount_max": _l("Above the product's maximum amount of %(limit)s"),
    "term_min": _l("Shorter than the product's shortest term of %(limit)s months"),
    "term_max": _l("Longer than the product's longest term of %(limit)s months"),
    "rate_min": _l("Below the product's lowest rate of %(limit)s%%"),
    "rate_max": _l("Above the product's highest rate of %(limit)s%%"),
    "firm_max_rate": _l("Above the firm's highest acceptable rate of %(limit)s%%"),
}
"""Rule → the sentence stating the limit it broke."""


def approval_breaches(
    application: Application, amount: Decimal, rate: Decimal, term_months: int
) -> list[dict]:
    """The limits that granting (amount, rate, term) to the application would break, in order."""
    product = application.product
    checks = (
        ("amount_min", amount < product.amount_min_yuan, product.amount_min_yuan),
        ("amount_max", amount > product.amount_max_yuan, product.amount_max_yuan),
        ("term_min", term_months < product.term_min_months, product.term_min_months),
        ("term_max", term_months > product.term_max_months, product.term_max_months),
        ("rate_min", rate < product.rate_min, product.rate_min),
        ("rate_max", rate > product.rate_max, product.rate_max),
    )
    breaches = [{"rule": rule, "limit": str(limit)} for rule, broken, limit in checks if broken]
    firm_max = application.request.max_rate
    if firm_max is not None and rate > firm_max:
        breaches.append({"rule": "firm_max_rate", "limit": str(firm_max)})
    return breaches


def breach_text(breach: dict) -> str:
    """One broken limit as a sentence in the reader's language: 超过产品额度上限 500万元."""
    rule = breach["rule"]
    limit = Decimal(breach["limit"])
    shown = format_amount(limit) if rule.startswith("amount") else format_number(limit)
    return str(BREACH_SENTENCES[rule] % {"limit": shown})


def breaches_text(breaches: list[dict]) -> str:
    """Every broken limit, as one line."""
    return "; ".join(breach_text(breach) for breach in breaches)
